/**
 * Messages between the page, the decrypt worker (holds the keys and readers) and the Service
 * Worker (answers the <audio> element's range requests). The page only relays: a range request
 * from the Service Worker travels with a MessagePort that the worker answers on directly.
 */
import type { AudioFormat } from '../lib/audio-format';
import type { KeyRequest } from '../lib/broker';
import type { WireError } from '../lib/errors';

/** Where the worker finds the object and the broker. */
export interface ObjectTarget {
  brokerBase: string;
  /** The signed-in user's ID token, sent to the broker as `Authorization: Bearer`. */
  token: string;
  objectId: string;
  /** Pre-signed URL already obtained (else the worker asks the broker). */
  url?: string;
  size?: number;
  /** Encryption context pairs the object must carry (callseal checks: CONTEXT_MISMATCH). */
  expectedContext: Record<string, string>;
  /** The unwrap request from the listing: sent at once, checked against the fetched header. */
  keyRequest?: KeyRequest;
}

export type ToWorker =
  | { type: 'open'; stream: string; target: ObjectTarget }
  | { type: 'transcript'; req: number; target: ObjectTarget }
  | { type: 'close'; stream: string }
  /** Warm the broker's CORS preflight for the unwrap (Broker.warmUp), from the worker that sends it. */
  | { type: 'warm'; brokerBase: string; token: string }
  /** A port from the Service Worker: requests on it carry their reply port. */
  | { type: 'sw-port' }
  /** From the Service Worker, relayed by the page with its reply port. */
  | SwRequest;

export type SwRequest =
  | { type: 'meta'; stream: string }
  | { type: 'read'; stream: string; start: number; end: number };

export type SwReply =
  | { ok: true; total: number; mime: string; bytes?: Uint8Array }
  | { ok: false; status: number; message: string };

export type Stage = 'url' | 'header' | 'key' | 'verify' | 'ready';

export type FromWorker =
  | { type: 'stage'; stream: string; stage: Stage; at: number }
  /** A timing mark of the worker (`at`: epoch ms, performance.timeOrigin + now()), for the page's performance marks. */
  | { type: 'mark'; stream?: string; name: string; at: number }
  | { type: 'opened'; stream: string; plaintextLength: number; format: AudioFormat; suite: string; frameLength: number; ciphertextLength: number }
  | { type: 'progress'; stream: string; fetched: [number, number][]; decrypted: [number, number][]; fetchedBytes: number; decryptedBytes: number }
  | { type: 'error'; stream: string; error: WireError }
  | { type: 'transcript'; req: number; text?: string; error?: WireError };

/**
 * Service Worker <-> page control messages. `port` hands the Service Worker a MessagePort whose
 * other end is the decrypt worker, so range requests bypass the page's main thread; without it
 * (e.g. the Service Worker restarted) requests come to the page as `range` and are relayed, and
 * `need-port` asks the page for a new port.
 */
export type SwControl = { type: 'claim' } | { type: 'port' };
export type SwToPage = { type: 'range'; request: SwRequest } | { type: 'need-port' };
