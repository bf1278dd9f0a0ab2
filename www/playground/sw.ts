/**
 * The playground's Service Worker: keeps the app's own files (the page, its scripts and styles,
 * the policy wasm and the service data) so the playground works offline once loaded. It caches
 * only files of this app, same origin, by path; never a URL's fragment or query (the user's
 * policies live in the fragment and in localStorage, which this worker never sees or stores).
 * Hashed build assets: cache first. The page itself: network first, the cache when offline.
 */
/// <reference lib="webworker" />
declare const self: ServiceWorkerGlobalScope;
export {};

const CACHE = 'callseal-playground-v1';
/** The site root of the build (the playground sits in `playground/` under it). */
const base = (): URL => new URL('../', self.registration.scope);
const APP_FILE = /\.(?:html|js|css|wasm|bin|svg|png|woff2?)$/;

/** Whether `url` is one of this app's files (and which kind), else null. */
function appFile(url: URL): 'asset' | 'page' | null {
  const root = base();
  if (url.origin !== root.origin || !url.pathname.startsWith(root.pathname)) return null;
  const path = url.pathname.slice(root.pathname.length);
  if (path.startsWith('assets/') && APP_FILE.test(path)) return 'asset';
  if (path === 'playground/' || path === 'playground/index.html' || path === 'playground/playground.css') return 'page';
  return null;
}

/** The cache key: path only (no query, no fragment). */
const keyOf = (url: URL): string => url.origin + url.pathname;

self.addEventListener('install', () => {
  void self.skipWaiting();
});

self.addEventListener('activate', (e) => {
  e.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name.startsWith('callseal-playground-') && name !== CACHE) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

/** The page lists what it loaded before this worker existed (first visit); keep the app's files. */
self.addEventListener('message', (e: ExtendableMessageEvent) => {
  const m = e.data as { type?: unknown; files?: unknown } | null;
  if (m?.type !== 'cache-app' || !Array.isArray(m.files)) return;
  const urls = m.files
    .filter((f): f is string => typeof f === 'string')
    .map((f) => new URL(f, self.registration.scope))
    .filter((u) => appFile(u) !== null);
  e.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await Promise.all(
        urls.map(async (u) => {
          if (await cache.match(keyOf(u))) return;
          const r = await fetch(keyOf(u)).catch(() => undefined);
          if (r?.ok) await cache.put(keyOf(u), r);
        }),
      );
    })(),
  );
});

self.addEventListener('fetch', (e: FetchEvent) => {
  if (e.request.method !== 'GET') return;
  const url = new URL(e.request.url);
  const kind = appFile(url);
  if (!kind) return;
  e.respondWith(kind === 'asset' ? cacheFirst(keyOf(url), e.request) : networkFirst(keyOf(url), e.request));
});

async function cacheFirst(key: string, request: Request): Promise<Response> {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(key);
  if (hit) return hit;
  const r = await fetch(request);
  if (r.ok && r.status === 200) await cache.put(key, r.clone());
  return r;
}

async function networkFirst(key: string, request: Request): Promise<Response> {
  const cache = await caches.open(CACHE);
  try {
    const r = await fetch(request);
    if (r.ok && r.status === 200) await cache.put(key, r.clone());
    return r;
  } catch (err) {
    const hit = await cache.match(key);
    if (hit) return hit;
    throw err;
  }
}
