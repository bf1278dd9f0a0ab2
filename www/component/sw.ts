/**
 * The players' Service Worker (shipped as callseal/player/sw.js): answers the <audio> elements'
 * requests for `callseal-stream/<player>/<stream>` (under this worker's scope) with decrypted bytes, as HTTP would: `206 Partial Content` with
 * `Content-Range` for each Range request, so the browser starts playing at once and seeks by
 * asking for other ranges. It holds no keys and no plaintext: each piece is asked of the page's
 * decrypt worker of the player (each player hands over a MessagePort) while the response body is
 * read (range-body.ts), and the body stops being pulled when the element stops reading
 * (backpressure) or lets go of the response (seek: cancelled).
 * Nothing goes to the Cache API. Every other request goes to the network untouched.
 */
/// <reference lib="webworker" />
import { STREAM_PATH, type SwControl, type SwReply, type SwRequest, type SwToPage } from './protocol';
import { rangeBody } from './range-body';

declare const self: ServiceWorkerGlobalScope;

/** First piece small (fast start), then larger ones. */
const FIRST_CHUNK = 64 * 1024;
const CHUNK = 256 * 1024;
const REPLY_TIMEOUT_MS = 30_000;

self.addEventListener('install', () => { void self.skipWaiting(); });
self.addEventListener('activate', (e) => { e.waitUntil(self.clients.claim()); });
/** Per player (`<client id>/<player>`): a port to its decrypt worker. Lost when this worker restarts. */
const ports = new Map<string, MessagePort>();
const portKey = (client: string, player: string) => `${client}/${player}`;
/** Players removed from their page: their streams are answered 404 at once. */
const forgotten = new Set<string>();

self.addEventListener('message', (e: ExtendableMessageEvent) => {
  const m = e.data as SwControl;
  if (m?.type === 'claim') e.waitUntil(self.clients.claim());
  const source = e.source as Client | null;
  if (m?.type === 'port' && e.ports[0] && source) {
    ports.get(portKey(source.id, m.player))?.close();
    ports.set(portKey(source.id, m.player), e.ports[0]);
    e.waitUntil(forgetClosedClients());
  }
  if (m?.type === 'forget' && source) {
    ports.get(portKey(source.id, m.player))?.close();
    ports.delete(portKey(source.id, m.player));
    forgotten.add(portKey(source.id, m.player));
  }
});

async function forgetClosedClients(): Promise<void> {
  const open = new Set((await self.clients.matchAll({ type: 'window' })).map((c) => c.id));
  const gone = (key: string) => !open.has(key.slice(0, key.lastIndexOf('/')));
  for (const [key, port] of ports) if (gone(key)) { port.close(); ports.delete(key); }
  for (const key of forgotten) if (gone(key)) forgotten.delete(key);
}

self.addEventListener('fetch', (e: FetchEvent) => {
  const url = new URL(e.request.url);
  const prefix = new URL(STREAM_PATH, self.registration.scope).pathname;
  if (url.origin !== self.location.origin || !url.pathname.startsWith(prefix) || e.request.method !== 'GET') return;
  const [player, stream, ...rest] = url.pathname.slice(prefix.length).split('/').map(decodeURIComponent);
  if (!player || !stream || rest.length) return;
  e.respondWith(respond(e, player, stream));
});

async function respond(e: FetchEvent, player: string, stream: string): Promise<Response> {
  const client = await findClient(e.clientId, player, stream);
  if (!client || forgotten.has(portKey(client.id, player))) return plain(404, 'no open page holds this stream');
  const header = e.request.headers.get('range');
  // A request that names its first byte (`bytes=a-`, `bytes=a-b`, or none: 0) asks for its first
  // piece straight away: the reply carries the stream's length and type too, so the response
  // starts after one exchange with the decrypt worker instead of two (meta, then read).
  const explicit = /^bytes=(\d+)-(\d*)$/.exec(header?.trim() ?? 'bytes=0-');
  let firstPiece: SwReply | undefined;
  let meta: SwReply;
  if (explicit) {
    const from = Number(explicit[1]);
    const to = explicit[2] === '' ? Infinity : Number(explicit[2]) + 1;
    firstPiece = await ask(client, player, { type: 'read', stream, start: from, end: Math.min(to, from + FIRST_CHUNK) });
    meta = firstPiece;
  } else {
    meta = await ask(client, player, { type: 'meta', stream });
  }
  if (!meta.ok) return plain(meta.status, meta.message);
  const total = meta.total;
  const range = parseRange(header, total);
  if (range === 'invalid') {
    return new Response(null, { status: 416, headers: { 'content-range': `bytes */${total}` } });
  }
  const [start, end] = range ?? [0, total];
  const body = rangeBody((request, signal) => ask(client, player, request, REPLY_TIMEOUT_MS, signal), {
    stream, start, end, firstPiece, firstChunk: FIRST_CHUNK, chunk: CHUNK,
  });
  const headers = new Headers({
    'content-type': meta.mime,
    'content-length': String(end - start),
    'accept-ranges': 'bytes',
    'cache-control': 'no-store',
  });
  if (range) headers.set('content-range', `bytes ${start}-${end - 1}/${total}`);
  return new Response(body, { status: range ? 206 : 200, headers });
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` -> [start, end) ; null without a Range header. */
function parseRange(header: string | null, total: number): [number, number] | null | 'invalid' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  let start: number, end: number;
  if (m[1] === '') { start = Math.max(0, total - Number(m[2])); end = total; }
  else { start = Number(m[1]); end = m[2] === '' ? total : Math.min(Number(m[2]) + 1, total); }
  return start < end && start < total ? [start, end] : 'invalid';
}

async function findClient(id: string, player: string, stream: string): Promise<Client | undefined> {
  const direct = id ? await self.clients.get(id) : undefined;
  if (direct) return direct;
  // Fall back to any window of this scope that knows the stream.
  for (const c of await self.clients.matchAll({ type: 'window' })) {
    const r = await ask(c, player, { type: 'meta', stream }, 2000);
    if (r.ok) return c;
  }
  return undefined;
}

/** Asks the player's decrypt worker: straight through its port, else relayed by the page. */
function ask(client: Client, player: string, request: SwRequest, timeout = REPLY_TIMEOUT_MS, signal?: AbortSignal): Promise<SwReply> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    const done = (reply: SwReply) => { clearTimeout(timer); signal?.removeEventListener('abort', abandon); port1.close(); resolve(reply); };
    const abandon = () => done({ ok: false, status: 499, message: 'the response was cancelled' });
    const timer = setTimeout(() => done({ ok: false, status: 504, message: 'the page did not answer' }), timeout);
    port1.onmessage = (ev: MessageEvent<SwReply>) => done(ev.data);
    signal?.addEventListener('abort', abandon, { once: true });
    const direct = ports.get(portKey(client.id, player));
    if (direct) {
      direct.postMessage(request, [port2]);
    } else {
      const msg: SwToPage = { type: 'range', player, request };
      client.postMessage(msg, [port2]);
      const need: SwToPage = { type: 'need-port' };
      client.postMessage(need);
    }
  });
}

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } });
}
