/**
 * Bounds on the time a request may take and on the KMS calls in flight. Every request has one
 * overall deadline (CALLSEAL_REQUEST_DEADLINE_MS); each AWS call also has its own connect and
 * per-attempt timeouts (aws.ts makeClients).
 */
import { BrokerError } from './errors.js';

export class Deadline {
  readonly signal: AbortSignal;
  private readonly expired: Promise<never>;

  constructor(readonly ms: number) {
    this.signal = AbortSignal.timeout(ms);
    this.expired = new Promise<never>((_, reject) => {
      this.signal.addEventListener('abort', () => reject(this.error('the request')), { once: true });
    });
    this.expired.catch(() => {}); // observed only by race
  }

  error(what: string): BrokerError {
    return new BrokerError('DeadlineExceeded', `${what} did not complete within the broker's ${this.ms} ms deadline`);
  }

  /**
   * `p`, or DeadlineExceeded naming `what` once the deadline passes. What `p` gives after that is
   * handed to `late` (a key that arrives too late is zero-filled there).
   */
  race<T>(p: Promise<T>, what: string, late?: (value: T) => void): Promise<T> {
    if (this.signal.aborted) {
      void p.then(late, () => {});
      return Promise.reject(this.error(what));
    }
    return Promise.race([p, this.expired.catch(() => { throw this.error(what); })]).catch((err) => {
      if (err instanceof BrokerError && err.code === 'DeadlineExceeded') void p.then(late, () => {});
      throw err;
    });
  }
}

/**
 * At most `max` calls at once; up to `maxWaiting` more wait their turn (each until its deadline),
 * beyond that a call is refused at once (KmsThrottled: the broker is saturated, retry shortly).
 */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number, private readonly maxWaiting: number) {}

  async run<T>(fn: () => Promise<T>, deadline: Deadline): Promise<T> {
    if (this.active >= this.max) {
      if (this.waiting.length >= this.maxWaiting) {
        throw new BrokerError('KmsThrottled', 'too many key requests in flight; retry shortly', 1);
      }
      let turn!: () => void;
      const queued = new Promise<void>((resolve) => { turn = resolve; this.waiting.push(resolve); });
      try {
        await deadline.race(queued, 'waiting for a KMS slot');
      } catch (err) {
        const i = this.waiting.indexOf(turn);
        if (i >= 0) this.waiting.splice(i, 1);
        else this.release(); // the turn came just as the deadline passed: pass it on
        throw err;
      }
    } else {
      this.active++;
    }
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private release() {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes straight to the next caller
    else this.active--;
  }
}
