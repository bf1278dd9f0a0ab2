// The page of the signature-check bench (bench/lib/signature-check.mjs): runs one measurement at
// a time in a dedicated Worker, where the player's decrypt worker runs the check.
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const waiting = new Map<number, (r: unknown) => void>();
let next = 0;
worker.onmessage = (e: MessageEvent<{ req: number; ready?: true }>) => {
  if (e.data.ready) { document.documentElement.dataset.ready = 'true'; return; }
  waiting.get(e.data.req)?.(e.data);
  waiting.delete(e.data.req);
};
Object.assign(window, {
  bench: {
    run: (m: object) => new Promise((resolve) => {
      const req = next++;
      waiting.set(req, resolve);
      worker.postMessage({ ...m, req });
    }),
  },
});
