// The pass-through side of the memory bench (bench/lib/memory-2h.mjs): the player's streaming
// path without decryption. The player's own Service Worker (callseal/player/sw.js, served here as
// ./sw.js) answers the <audio> element's range requests by asking a dedicated worker for each
// piece over the port sw-link.ts hands it, as it asks the player's decrypt worker; the worker
// (worker.ts) answers with the plaintext WAV's bytes, read through the player's range source.
import { linkServiceWorker } from '../../../www/component/sw-link';

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const link = linkServiceWorker('./sw.js', 'passthrough', (m, transfer = []) => worker.postMessage(m, transfer));
link.ready.then(() => { document.documentElement.dataset.ready = 'true'; }, (e: Error) => { document.documentElement.dataset.error = e.message; });

Object.assign(window, {
  bench: {
    /** Plays the object at `url` (`size` bytes, a WAV) through the Service Worker. */
    play: async (url: string, size: number) => {
      const streams = await link.ready;
      worker.postMessage({ type: 'open', url, size });
      const audio = document.querySelector('audio')!;
      audio.src = `${streams}plain`;
      return audio.play();
    },
  },
});
