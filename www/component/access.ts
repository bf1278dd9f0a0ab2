/**
 * Whom the decrypt worker asks for an object's URL and its data key: the key broker itself
 * (callseal's broker protocol, www/lib/broker.ts, with the user's ID token), or the page, where
 * the host's `objectSource` and `keyProvider` run (the key's buffer is transferred to the worker).
 */
import { Broker, type KeyRequest } from '../lib/broker';
import { fromWire } from '../lib/errors';
import type { BrokerAccess, FromWorker, ObjectUrl, Question, ToWorker } from './protocol';

export interface Access {
  /** A fresh URL of the object (and its size when known). */
  url(objectId: string): Promise<{ url: string; size?: number }>;
  /** The data key for `request`; the caller wipes it. */
  key(objectId: string, request: KeyRequest, dataKeyLength?: number): Promise<Uint8Array>;
}

export function brokerAccess(b: BrokerAccess): Access {
  const broker = new Broker(b.base, b.token);
  return {
    url: (objectId) => broker.objectUrl(objectId),
    key: (objectId, request, length) => broker.unwrapRequest(objectId, request, length),
  };
}

/** Asks the page (one question, one `answer` message) through `post`; `answered` routes answers back. */
export function pageAsker(post: (m: FromWorker) => void) {
  let next = 0;
  const pending = new Map<number, { resolve: (a: Extract<ToWorker, { type: 'answer' }>) => void }>();
  const ask = (q: Question) => new Promise<Extract<ToWorker, { type: 'answer' }>>((resolve) => {
    const req = ++next;
    pending.set(req, { resolve });
    post({ type: 'ask', req, ...q });
  });
  const access: Access = {
    async url(objectId) {
      const a = await ask({ what: 'url', objectId });
      if (a.error) throw fromWire(a.error);
      const u = a.url as ObjectUrl | undefined;
      if (!u?.url) throw Object.assign(new Error('the host\'s objectSource gave no URL'), { name: 'FetchError', status: 0, s3Code: '' });
      return { url: u.url };
    },
    async key(objectId, request, dataKeyLength) {
      const a = await ask({ what: 'key', objectId, request, dataKeyLength });
      if (a.error) throw fromWire(a.error);
      if (!(a.key instanceof Uint8Array)) throw Object.assign(new Error('the host\'s keyProvider gave no key bytes'), { name: 'BrokerError', status: 502, code: 'BadResponse' });
      return a.key;
    },
  };
  const answered = (m: Extract<ToWorker, { type: 'answer' }>) => {
    const p = pending.get(m.req);
    pending.delete(m.req);
    if (p) p.resolve(m);
    else m.key?.fill(0); // an answer nobody waits for
  };
  return { access, answered };
}
