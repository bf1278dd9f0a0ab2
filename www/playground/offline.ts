/** The service data (pinned by SRI in built pages) and the Service Worker that keeps the app usable offline. */
import { loadServiceData } from 'callseal/policy';
import serviceDataUrl from 'callseal/service-data.bin?url';

/** sha384 SRI of pkg/service-data.bin, set by www/sri.ts in built pages ('' in development). */
declare const __CALLSEAL_SERVICE_DATA_SRI__: string;

/**
 * Fetches and loads the service data; returns its provenance. Fetched here rather than by
 * loadServiceData so that built pages pin it to its hash: a swapped catalog would silently
 * change what the validator reports.
 */
export async function fetchServiceData(): Promise<string> {
  const integrity = __CALLSEAL_SERVICE_DATA_SRI__;
  const response = await fetch(serviceDataUrl, integrity ? { integrity } : {});
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return loadServiceData(new Uint8Array(await response.arrayBuffer()));
}

export async function registerServiceWorker(): Promise<void> {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  try {
    const reg = await navigator.serviceWorker.register('./sw.js', { scope: './', updateViaCache: 'none' });
    await navigator.serviceWorker.ready;
    // The first visit loaded everything before the worker existed: hand it the app's files. The
    // service data by name: its download may still be under way (not yet a resource entry).
    const files = [
      location.href.split('#')[0]!,
      new URL(serviceDataUrl, location.href).href,
      ...performance.getEntriesByType('resource').map((r) => r.name),
    ];
    (reg.active ?? navigator.serviceWorker.controller)?.postMessage({ type: 'cache-app', files });
    document.documentElement.dataset.offline = 'ready';
  } catch (e) {
    console.warn('offline use unavailable:', e);
  }
}
