/**
 * Refusals in the audit log: counted and summarised, not one full record each, so that a flood of
 * bad requests cannot flood the log. Per window (CALLSEAL_AUDIT_WINDOW_SECONDS):
 *   - a signed-in user's refusals are recorded in full up to `perUser` of them (what they tried
 *     matters: which object, which context);
 *   - a refusal before anyone is signed in is recorded in full once per kind (event name and
 *     error code: what was tried is the caller's own text, nothing to learn from the 1,000th);
 *   - at most `fullPerWindow` full records in all;
 * every other refusal is counted under its kind (event name, error code, user), and when the
 * window closes each counted kind is written as one RefusalSummary record (count, first and last
 * time, how many distinct source addresses, the first few of them). Kinds are bounded
 * (`maxKinds`; beyond, one overflow kind counts the rest). Grants are never summarised.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEntry, AuditLog } from './audit.js';

export interface RefusalLimits {
  windowMs: number;
  perUser: number;
  fullPerWindow: number;
  maxKinds: number;
}

export const DEFAULT_REFUSAL_LIMITS: Omit<RefusalLimits, 'windowMs'> = { perUser: 20, fullPerWindow: 100, maxKinds: 1_000 };

/** Distinct source addresses counted per kind, and how many of them a summary names. */
const MAX_SOURCES = 1_024;
const NAMED_SOURCES = 8;

interface Kind {
  eventName: AuditEntry['eventName'];
  eventSource: AuditEntry['eventSource'];
  errorCode: string;
  user?: AuditEntry['user'];
  count: number;
  first: string;
  last: string;
  sources: Set<string>;
}

export class RefusalAudit {
  private kinds = new Map<string, Kind>();
  private full = 0;
  private fullByUser = new Map<string, number>();
  private fullByKind = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly audit: AuditLog, private readonly limits: RefusalLimits) {
    this.timer = setInterval(() => { void this.flush(); }, limits.windowMs);
    this.timer.unref();
  }

  /**
   * Records a refusal in full when its window's budget allows, else counts it. Never rejects:
   * a refusal releases nothing, so it is answered whether or not its record could be written.
   */
  refused(e: AuditEntry): Promise<void> {
    const code = e.errorCode ?? 'Unknown';
    const kindKey = `${e.eventName}\u0000${code}\u0000${e.user?.name ?? ''}`;
    if (this.full < this.limits.fullPerWindow) {
      const n = e.user ? this.fullByUser.get(e.user.name) ?? 0 : 0;
      const allowed = e.user ? n < this.limits.perUser : !this.fullByKind.has(kindKey);
      if (allowed) {
        this.full++;
        if (e.user) this.fullByUser.set(e.user.name, n + 1);
        else this.fullByKind.add(kindKey);
        return this.audit.record(e).catch(() => {});
      }
    }
    this.count(kindKey, e, code);
    return Promise.resolve();
  }

  private count(kindKey: string, e: AuditEntry, code: string) {
    const now = new Date().toISOString();
    let k = this.kinds.get(kindKey);
    if (!k && this.kinds.size >= this.limits.maxKinds) {
      kindKey = 'overflow';
      k = this.kinds.get(kindKey);
      e = { ...e, eventName: 'Request', eventSource: 'callseal-broker', user: undefined };
      code = 'Various';
    }
    if (!k) {
      k = { eventName: e.eventName, eventSource: e.eventSource, errorCode: code, user: e.user, count: 0, first: now, last: now, sources: new Set() };
      this.kinds.set(kindKey, k);
    }
    k.count++;
    k.last = now;
    if (k.sources.size < MAX_SOURCES) k.sources.add(e.sourceIp);
  }

  /** Writes one summary per counted kind of the window that ends, and starts the next window. */
  async flush(): Promise<void> {
    const kinds = [...this.kinds.values()];
    this.kinds = new Map();
    this.full = 0;
    this.fullByUser = new Map();
    this.fullByKind = new Set();
    await Promise.all(kinds.map((k) => this.audit.record({
      eventName: 'RefusalSummary',
      eventSource: 'callseal-broker',
      user: k.user,
      sourceIp: [...k.sources][0] ?? 'unknown',
      requestID: randomUUID(),
      errorCode: k.errorCode,
      errorMessage: `${k.count} more ${k.errorCode} refusals of ${k.eventName} not recorded one by one`,
      requestParameters: { eventName: k.eventName, eventSource: k.eventSource },
      additionalEventData: {
        count: k.count,
        firstTime: k.first,
        lastTime: k.last,
        distinctSourceAddresses: k.sources.size,
        ...(k.sources.size >= MAX_SOURCES ? { distinctSourceAddressesAtLeast: true } : {}),
        sourceAddresses: [...k.sources].slice(0, NAMED_SOURCES),
      },
    }).catch(() => {})));
  }

  /** Stops the window timer and writes what is counted (on shutdown). */
  close(): Promise<void> {
    clearInterval(this.timer);
    return this.flush();
  }
}
