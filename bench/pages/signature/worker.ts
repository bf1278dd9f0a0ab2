/// <reference lib="webworker" />
// One measurement per message, in milliseconds (performance.now()):
//   check: the player's background signature check (www/component/verify.ts) over a fresh
//          HttpRangeSource of the object: nothing held, so every byte is fetched (low priority)
//          and hashed, as when playback has fetched nothing yet.
//   floor: one plain GET of the whole object, then one WebCrypto SHA-384 digest of its bytes.
// And their parts, to see where the time goes:
//   reads: the check's reads alone (the same chunks, from one streamed Range request), no hashing.
//   download: the floor's GET alone, no digest.
import { readHeader, type VerifiedMessageHeader } from 'callseal/decrypt';
import { HttpRangeSource } from '../../../www/lib/range-source';
import { CHUNK, verifyInBackground } from '../../../www/component/verify';

interface Run { req: number; what: 'check' | 'floor' | 'reads' | 'download'; url: string; size: number }

self.onmessage = async (e: MessageEvent<Run>) => {
  const { req, what, url, size } = e.data;
  try {
    if (what === 'check') {
      // The header, read untimed, in place of the one the player's reader verifies with the data
      // key (the bench holds no key): verifyInBackground compares the header it reads with it.
      const header = await readHeader(new HttpRangeSource(url, { size }).asRangeSource()) as unknown as VerifiedMessageHeader;
      const source = new HttpRangeSource(url, { size });
      const t0 = performance.now();
      const read = await verifyInBackground({ source, header, signal: new AbortController().signal });
      self.postMessage({ req, ms: performance.now() - t0, ...read });
    } else if (what === 'reads') {
      const source = new HttpRangeSource(url, { size });
      const t0 = performance.now();
      for (let at = 0; at < size; at += CHUNK) await source.readAside(at, Math.min(CHUNK, size - at), { priority: 'low' });
      self.postMessage({ req, ms: performance.now() - t0 });
    } else {
      const t0 = performance.now();
      const res = await fetch(url, { cache: 'no-store', credentials: 'omit' });
      const bytes = await res.arrayBuffer();
      const digest = what === 'floor' ? await crypto.subtle.digest('SHA-384', bytes) : new ArrayBuffer(48);
      const ms = performance.now() - t0;
      if (res.status !== 200 || bytes.byteLength !== size || digest.byteLength !== 48) throw new Error(`GET: HTTP ${res.status}, ${bytes.byteLength} of ${size} bytes`);
      self.postMessage({ req, ms });
    }
  } catch (err) {
    self.postMessage({ req, error: String((err as Error).stack ?? err) });
  }
};
// Messages that arrive while the module still evaluates (callseal/decrypt instantiates its wasm
// at import) find no handler and are lost: the page waits for this one before it asks.
self.postMessage({ ready: true });
