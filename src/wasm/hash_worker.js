// The page side of the signature hash worker (see hash_worker.rs): one dedicated Worker, started
// from a blob: URL on first use, that instantiates callseal's own wasm module (passed as a
// compiled WebAssembly.Module, so nothing is fetched or compiled again) and hashes the message
// bytes the page posts to it. Jobs are numbered, so concurrent decryptions share the Worker. It
// is ended after a few idle seconds. Only ciphertext is posted; no key ever reaches the Worker.

// Runs in the Worker (serialised with toString: it must not use anything from this module).
function hashWorkerMain() {
  let exports = null;
  let ready = null;
  const jobs = new Map();
  self.onmessage = async ({ data }) => {
    const { id } = data;
    try {
      if (data.module) {
        // Every import throws: the hashing exports never call out of wasm.
        const imports = {};
        for (const { module, name } of WebAssembly.Module.imports(data.module)) {
          (imports[module] ??= {})[name] = () => { throw new Error(`${name} is not available in the hash worker`); };
        }
        ready = WebAssembly.instantiate(data.module, imports).then((instance) => { exports = instance.exports; });
        return;
      }
      await ready;
      if (data.bits) {
        const slot = exports.callseal_hash_new(data.bits);
        if (!slot) throw new Error(`no hash for ${data.bits} bits`);
        jobs.set(id, slot);
      } else if (data.bytes) {
        const slot = jobs.get(id);
        const at = exports.callseal_hash_input(slot);
        for (let i = 0; i < data.bytes.length; i += 1 << 20) {
          const piece = data.bytes.subarray(i, i + (1 << 20));
          new Uint8Array(exports.memory.buffer, at, piece.length).set(piece);
          if (!exports.callseal_hash_update(slot, piece.length)) throw new Error('hash update refused');
        }
        // The buffer goes back to the page for its next copy (no garbage left in either heap).
        self.postMessage({ id, ack: data.bytes.buffer }, [data.bytes.buffer]);
      } else if (data.finish) {
        const slot = jobs.get(id);
        jobs.delete(id);
        const n = exports.callseal_hash_finish(slot);
        const digest = new Uint8Array(exports.memory.buffer, exports.callseal_hash_input(slot), n).slice();
        exports.callseal_hash_free(slot);
        if (!n) throw new Error('hash finish refused');
        self.postMessage({ id, digest });
      } else if (data.cancel) {
        exports.callseal_hash_free(jobs.get(id) ?? 0);
        jobs.delete(id);
      }
    } catch (e) {
      self.postMessage({ id, error: String(e?.message ?? e) });
    }
  };
}

const IDLE_MS = 5000;
let worker = null;
let unavailable = false;
let nextId = 1;
let idleTimer = null;
// Copies posted to the Worker and not yet hashed, per job, at most this many bytes: past it,
// push() waits for the Worker, which also lets the page's event loop run.
const AHEAD_BYTES = 4 << 20;
const waiting = new Map(); // id -> { resolve, reject } of a digest
const acks = new Map(); // id -> called with each buffer the Worker has hashed
let open = 0; // jobs started and not yet finished

function stop(reason) {
  for (const { reject } of waiting.values()) reject(new Error(reason));
  waiting.clear();
  for (const wakeUp of acks.values()) wakeUp(null);
  acks.clear();
  worker?.terminate();
  worker = null;
  open = 0;
}

function spawn(module) {
  const url = URL.createObjectURL(new Blob([`(${hashWorkerMain.toString()})();`], { type: 'text/javascript' }));
  try {
    const w = new Worker(url);
    w.onmessage = ({ data }) => {
      if (data.ack) {
        const job = acks.get(data.id);
        if (job) job(data.ack);
        return;
      }
      const job = waiting.get(data.id);
      if (!job) return;
      waiting.delete(data.id);
      if (data.error) job.reject(new Error(data.error));
      else job.resolve(data.digest);
    };
    // A Worker that cannot start (content security policy) or dies: fail its jobs, and do not
    // try again in this page.
    w.onerror = (e) => { e.preventDefault?.(); unavailable = true; stop(`hash worker failed: ${e.message ?? 'error'}`); };
    w.postMessage({ module });
    return w;
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * Starts hashing a message with SHA-256 (`bits` 256) or SHA-384 (384) in the Worker, or
 * returns undefined where there is none (Node, no Blob URLs, a policy refusing the Worker).
 * @param {WebAssembly.Module} module callseal's compiled wasm module
 * @returns {{ push(bytes: Uint8Array): Promise<void>, digest(): Promise<Uint8Array>, cancel(): void } | undefined}
 */
export function startMessageHash(module, bits) {
  if (unavailable || typeof Worker !== 'function' || typeof Blob !== 'function' || !(module instanceof WebAssembly.Module)) return undefined;
  try {
    worker ??= spawn(module);
  } catch {
    unavailable = true;
    return undefined;
  }
  clearTimeout(idleTimer);
  const id = nextId++;
  const w = worker;
  open++;
  w.postMessage({ id, bits });
  let finished = false;
  let ahead = 0; // bytes posted and not yet acknowledged
  const spare = []; // buffers the Worker handed back
  let wake = null;
  acks.set(id, (buffer) => { // null: the Worker stopped
    if (buffer) {
      ahead -= buffer.byteLength;
      spare.push(buffer);
    }
    wake?.();
  });
  const done = () => {
    if (finished) return;
    finished = true;
    acks.delete(id);
    if (--open === 0 && worker === w) idleTimer = setTimeout(() => { if (open === 0) stop('idle'); }, IDLE_MS);
  };
  return {
    /** Posts a copy of the next message bytes; resolves once the Worker is not too far behind. */
    async push(bytes) {
      for (let at = 0; at < bytes.length && worker === w;) {
        while (ahead >= AHEAD_BYTES && worker === w) await new Promise((resolve) => { wake = resolve; });
        wake = null;
        if (worker !== w) break; // the Worker failed: digest() rejects
        const buffer = spare.pop() ?? new ArrayBuffer(1 << 20);
        const n = Math.min(buffer.byteLength, bytes.length - at);
        const copy = new Uint8Array(buffer, 0, n);
        copy.set(bytes.subarray(at, at + n));
        at += n;
        ahead += buffer.byteLength;
        w.postMessage({ id, bytes: copy }, [buffer]);
      }
    },
    digest() {
      const result = worker !== w
        ? Promise.reject(new Error('hash worker stopped'))
        : new Promise((resolve, reject) => {
          waiting.set(id, { resolve, reject });
          w.postMessage({ id, finish: true });
        });
      return result.finally(done);
    },
    cancel() {
      if (finished) return;
      if (worker === w) w.postMessage({ id, cancel: true });
      done();
    },
  };
}
