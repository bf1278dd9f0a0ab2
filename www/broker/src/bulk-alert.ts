/**
 * Bulk unwraps: when one user has been given the keys of `threshold` distinct objects within a
 * window (CALLSEAL_BULK_UNWRAP_THRESHOLD, CALLSEAL_BULK_UNWRAP_WINDOW_SECONDS), one BulkUnwrapAlert
 * record is written (once per user and window): a supervisor reviews a few calls, a copied
 * session or a script fetches them all. Counts are per fixed window; users tracked are bounded.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEntry, AuditLog } from './audit.js';
import type { User } from './users.js';

const MAX_USERS = 10_000;
/** How many of the objects an alert names. */
const NAMED_OBJECTS = 20;

interface Window {
  start: number;
  objects: Set<string>;
  alerted: boolean;
}

export class BulkUnwrapWatch {
  private readonly users = new Map<string, Window>();

  constructor(
    private readonly audit: AuditLog, private readonly threshold: number, private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A granted unwrap of `objectId` by `user`; resolves once an alert it raises is written. */
  granted(user: User, objectId: string, sourceIp: string): Promise<void> {
    const t = this.now();
    let w = this.users.get(user.name);
    if (!w || t - w.start >= this.windowMs) {
      w = { start: t, objects: new Set(), alerted: false };
      this.users.delete(user.name);
      this.users.set(user.name, w);
      if (this.users.size > MAX_USERS) this.users.delete(this.users.keys().next().value!);
    }
    if (w.alerted) return Promise.resolve();
    w.objects.add(objectId);
    if (w.objects.size < this.threshold) return Promise.resolve();
    w.alerted = true;
    const entry: AuditEntry = {
      eventName: 'BulkUnwrapAlert',
      eventSource: 'callseal-broker',
      user,
      sourceIp,
      requestID: randomUUID(),
      requestParameters: { threshold: this.threshold, windowSeconds: this.windowMs / 1000 },
      additionalEventData: {
        distinctObjects: w.objects.size,
        windowStart: new Date(w.start).toISOString(),
        objectIds: [...w.objects].slice(0, NAMED_OBJECTS),
      },
    };
    console.error(`[broker] alert: ${user.name} was given the keys of ${w.objects.size} objects within ${this.windowMs / 1000} s`);
    return this.audit.record(entry).catch(() => {});
  }
}
