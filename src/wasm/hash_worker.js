// The page side of the signature hash worker (see hash_worker.rs): one dedicated Worker, started
// from a blob: URL on first use, that instantiates callseal's own wasm module (passed as a
// compiled WebAssembly.Module, so nothing is fetched or compiled again) and hashes the message
// bytes the page posts to it. Jobs are numbered, so concurrent decryptions share the Worker. It
// is ended after a few idle seconds. It sees the message bytes (the header with its encryption
// context in clear, and ciphertext); no key and no plaintext ever reach it.

// Runs in the Worker (serialised with toString: it must not use anything from this module).
function hashWorkerMain() {
  let exports = null;
  let ready = null;
  const jobs = new Map();
  const slotOf = (id) => {
    const slot = jobs.get(id);
    if (!slot) throw new Error(`no hash job ${id}`);
    return slot;
  };
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
        await ready;
        self.postMessage({ ready: true });
        return;
      }
      await ready;
      if (data.bits) {
        const slot = exports.callseal_hash_new(data.bits);
        if (!slot) throw new Error(`no hash for ${data.bits} bits`);
        jobs.set(id, slot);
        if (data.state) { // a hash the page started
          new Uint8Array(exports.memory.buffer, exports.callseal_hash_input(slot), data.state.length).set(data.state);
          if (!exports.callseal_hash_resume(slot, data.state.length)) throw new Error('hash state refused');
        }
      } else if (data.bytes) {
        const slot = slotOf(id);
        const at = exports.callseal_hash_input(slot);
        if (!at) throw new Error('no hash input buffer');
        for (let i = 0; i < data.bytes.length; i += 1 << 20) {
          const piece = data.bytes.subarray(i, i + (1 << 20));
          new Uint8Array(exports.memory.buffer, at, piece.length).set(piece);
          if (!exports.callseal_hash_update(slot, piece.length)) throw new Error('hash update refused');
        }
        // The buffer goes back to the page for its next copy (no garbage left in either heap),
        // with the hash's state after it if the page keeps what the Worker has not hashed.
        let state;
        if (data.keep) {
          const n = exports.callseal_hash_state(slot);
          if (!n) throw new Error('hash state refused');
          state = new Uint8Array(exports.memory.buffer, exports.callseal_hash_input(slot), n).slice();
        }
        self.postMessage({ id, ack: data.bytes.buffer, state }, [data.bytes.buffer]);
      } else if (data.finish) {
        const slot = slotOf(id);
        jobs.delete(id);
        const n = exports.callseal_hash_finish(slot);
        const digest = new Uint8Array(exports.memory.buffer, exports.callseal_hash_input(slot), n).slice();
        exports.callseal_hash_free(slot);
        if (!n) throw new Error('hash finish refused');
        self.postMessage({ id, digest });
      } else if (data.cancel) {
        if (jobs.has(id)) exports.callseal_hash_free(jobs.get(id));
        jobs.delete(id);
      }
    } catch (e) {
      self.postMessage({ id, error: String(e?.message ?? e) });
    }
  };
}

const IDLE_MS = 5000;
// The size of each copy posted to the Worker (its hasher's input buffer, INPUT_BYTES in Rust).
const PIECE_BYTES = 1 << 20;
// Copies posted to the Worker and not yet hashed, per job, at most this many bytes: past it,
// push() waits for the Worker, which also lets the page's event loop run.
const AHEAD_BYTES = 4 << 20;
// A Worker that answers nothing for this long is given up (its job falls back to WebCrypto).
const STALL_MS = 10_000;
let worker = null;
let workerReady = false; // the Worker instantiated the module
let unavailable = false;
let nextId = 1;
let idleTimer = null;
let lastHeard = 0; // performance.now() of the Worker's last message
const jobs = new Map(); // id -> Job

/** One message being hashed: what the page posted and what the Worker answered. */
class Job {
  constructor(id, w, { keep = false, state = null, ahead = AHEAD_BYTES } = {}) {
    this.id = id;
    this.worker = w;
    this.limit = ahead; // bytes posted ahead of the hash before push() waits
    this.ahead = 0; // bytes posted and not yet handed back
    this.spare = []; // buffers the Worker handed back, for the next copies
    this.error = null; // set once the job or the Worker failed
    this.wake = null; // a push() waiting for the Worker
    this.digestWaiter = null;
    this.finished = false;
    this.released = false; // the Worker freed (or was told to free) the job's slot
    // With `keep`, the page keeps a copy of every byte the Worker has not confirmed, and the
    // hash state after the bytes it has: a Worker that fails is then replaced by a hash on the
    // page from there (recover()), which gives the same digest. The Worker's confirmations
    // are taken only until the job fails, so the state and the copies always fit together.
    this.keep = keep;
    this.state = state; // state after the confirmed bytes (null: a fresh hash)
    this.kept = []; // copies of the bytes after them, in order
    this.keptSpare = [];
  }

  /** The Worker handed back a buffer it hashed (with the state after it, in keep mode). */
  hashed(buffer, state) {
    this.ahead -= buffer.byteLength;
    this.spare.push(buffer);
    if (this.keep && !this.error) {
      this.state = state;
      this.keptSpare.push(this.kept.shift().buffer);
    }
    this.wake?.();
  }

  fail(message) {
    this.error ??= new Error(message);
    this.wake?.();
    this.digestWaiter?.reject(this.error);
    this.digestWaiter = null;
  }

  /**
   * Posts a copy of the next message bytes; resolves once the Worker is not too far behind,
   * to whether the job still stands (false: the Worker failed; see recover()).
   */
  async push(bytes) {
    clearTimeout(this.parkTimer);
    try {
      await this.post(bytes);
    } catch (e) {
      this.fail(`hash worker: ${e?.message ?? e}`); // the digest is then refused, never partial
    }
    // A stream that stops pushing (paused, or cancelled in a browser that does not tell the
    // transformer) gives its slot back after a while: its next push finds the job failed and
    // takes the hash back from the state and copies it kept.
    if (this.keep && !this.error) this.parkTimer = setTimeout(() => this.park(), IDLE_MS);
    return !this.error;
  }

  park() {
    if (this.error || this.finished) return;
    this.fail('hash job idle');
    this.cancel();
  }

  async post(bytes) {
    // Keep mode: the page's copies are taken before anything waits, so they (and what is
    // posted from them) are the bytes as they were when push() was called.
    let pieces = [];
    if (this.keep) {
      for (let at = 0; at < bytes.length; at += PIECE_BYTES) {
        pieces.push(keepCopy(bytes.subarray(at, at + PIECE_BYTES), this.keptSpare.pop()));
      }
      this.kept.push(...pieces);
    } else {
      for (let at = 0; at < bytes.length; at += PIECE_BYTES) pieces.push(bytes.subarray(at, at + PIECE_BYTES));
    }
    for (const piece of pieces) {
      while (this.ahead >= this.limit && !this.error) await this.answer(() => new Promise((resolve) => { this.wake = resolve; }));
      this.wake = null;
      if (this.error) break; // digest() rejects; recover() has the kept copies
      const buffer = this.spare.pop() ?? new ArrayBuffer(PIECE_BYTES);
      const copy = new Uint8Array(buffer, 0, piece.length);
      copy.set(piece);
      this.ahead += buffer.byteLength;
      this.worker.postMessage({ id: this.id, bytes: copy, keep: this.keep }, [buffer]);
    }
  }

  /**
   * Keep mode, once push() or digest() reported a failure: the hash state the Worker last
   * confirmed (null: none) and the bytes after it, for the page to finish the hash. Ends the job.
   */
  recover() {
    const { state, kept } = this;
    this.kept = [];
    this.cancel();
    return { state, kept };
  }

  digest() {
    clearTimeout(this.parkTimer);
    const result = this.error
      ? Promise.reject(this.error)
      : this.answer(() => new Promise((resolve, reject) => {
        this.digestWaiter = { resolve, reject };
        this.worker.postMessage({ id: this.id, finish: true });
      }));
    return result.then((digest) => {
      this.released = true; // the Worker freed the slot when it finished
      return digest;
    }).finally(() => this.done());
  }

  /** Waits for `waitFor()`; a Worker silent for STALL_MS is stopped and not used again. */
  async answer(waitFor) {
    let timer;
    const check = () => {
      // Measured from the Worker's last message: a page thread busy for long is not a stall.
      const quiet = performance.now() - lastHeard;
      if (quiet < STALL_MS) { timer = setTimeout(check, STALL_MS - quiet); return; }
      unavailable = true;
      if (worker === this.worker) stop('hash worker stalled');
      this.fail('hash worker stalled');
    };
    lastHeard = Math.max(lastHeard, performance.now());
    timer = setTimeout(check, STALL_MS);
    try {
      return await waitFor();
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the job, freeing its slot in the Worker (also after a failed digest). */
  cancel() {
    if (!this.released && worker === this.worker) this.worker.postMessage({ id: this.id, cancel: true });
    this.released = true;
    this.done();
  }

  done() {
    if (this.finished) return;
    this.finished = true;
    jobs.delete(this.id);
    if (jobs.size === 0 && worker === this.worker) armIdleTimer();
  }
}

function keepCopy(bytes, buffer = new ArrayBuffer(PIECE_BYTES)) {
  const copy = new Uint8Array(buffer, 0, bytes.length);
  copy.set(bytes);
  return copy;
}

/** Ends the Worker once it has been without a job for IDLE_MS. */
function armIdleTimer() {
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => { if (jobs.size === 0) stop(); }, IDLE_MS);
}

function stop(failure) {
  for (const job of jobs.values()) job.fail(failure ?? 'hash worker stopped');
  jobs.clear();
  worker?.terminate();
  worker = null;
  workerReady = false;
}

function spawn(module) {
  const url = URL.createObjectURL(new Blob([`(${hashWorkerMain.toString()})();`], { type: 'text/javascript' }));
  try {
    const w = new Worker(url);
    w.onmessage = ({ data }) => {
      lastHeard = performance.now();
      if (data.ready) {
        workerReady = true;
        if (jobs.size === 0) armIdleTimer();
      }
      const job = jobs.get(data.id);
      if (!job) return;
      if (data.ack) job.hashed(data.ack, data.state);
      else if (data.error) job.fail(data.error);
      else if (data.digest) {
        job.digestWaiter?.resolve(data.digest);
        job.digestWaiter = null;
      }
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
 * returns undefined where there is none (Node, no Blob URLs, a Worker that already failed
 * here). A policy refusing the Worker shows later, as a failed job.
 * @param {WebAssembly.Module} module callseal's compiled wasm module
 * @param {{ keep?: boolean, state?: Uint8Array, ahead?: number }} [options] keep: keep what
 *   the Worker has not confirmed, for recover(); state: a hash to resume (from
 *   `MessageHasher::state`); ahead: bytes posted ahead of the hash at most
 * @returns {Job | undefined} push(bytes) → Promise<boolean>, digest() → Promise<Uint8Array>,
 *   recover(), cancel()
 */
export function startMessageHash(module, bits, options) {
  if (!spawned(module)) return undefined;
  clearTimeout(idleTimer);
  const job = new Job(nextId++, worker, options);
  jobs.set(job.id, job);
  worker.postMessage({ id: job.id, bits, state: options?.state });
  return job;
}

/**
 * Resolves to whether the Worker has started and can take a job at once, after letting the
 * page's event loop run one task (the Worker cannot start while the page runs only promise
 * callbacks, as a stream fed from memory does). Starts the Worker if it has not been; it ends
 * again after a few idle seconds. Resolves to false at once where there is none.
 */
export function hashWorkerReady(module) {
  // The idle timer starts once the Worker is ready (a stream that is slower than it keeps
  // hashing on the page, which it then has time for).
  if (!spawned(module)) return Promise.resolve(false);
  if (workerReady) return Promise.resolve(true);
  return nextTask().then(() => workerReady);
}

let taskChannel = null;
const taskWaiters = [];
/** A promise that resolves in a task of its own (a MessageChannel message: no timer clamping). */
function nextTask() {
  if (!taskChannel) {
    taskChannel = new MessageChannel();
    taskChannel.port1.onmessage = () => taskWaiters.shift()?.();
  }
  return new Promise((resolve) => {
    taskWaiters.push(resolve);
    taskChannel.port2.postMessage(0);
  });
}

function spawned(module) {
  if (unavailable || typeof Worker !== 'function' || typeof Blob !== 'function' || !(module instanceof WebAssembly.Module)) return false;
  try {
    worker ??= spawn(module);
    return true;
  } catch {
    unavailable = true;
    return false;
  }
}
