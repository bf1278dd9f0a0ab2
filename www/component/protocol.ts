/**
 * Messages between a player (the `<callseal-player>` element on the page), its decrypt worker
 * (holds the keys and readers) and the Service Worker (answers the <audio> element's range
 * requests). The page only relays: a range request from the Service Worker travels with a
 * MessagePort that the worker answers on directly.
 */
import type { AudioFormat } from '../lib/audio-format';
import type { KeyRequest } from '../lib/broker';
import type { WireError } from '../lib/errors';

/** The key broker the worker asks itself (the default key provider and object source). */
export interface BrokerAccess {
  base: string;
  /** The user's ID token, sent as `Authorization: Bearer` (the unwrap answer is sealed to its subject). */
  token: string;
}

/** Where the worker finds the object, and whom it asks for URLs and keys. */
export interface ObjectTarget {
  objectId: string;
  /** A URL already obtained, used until `urlExpiresAt` (epoch ms); else the worker asks for one. */
  url?: string;
  urlExpiresAt?: number;
  size?: number;
  /** Encryption context pairs the object must carry (callseal checks: CONTEXT_MISMATCH). */
  expectedContext: Record<string, string>;
  /** The unwrap request from the listing: sent at once, checked against the fetched header. */
  keyRequest?: KeyRequest;
  /** The broker to ask for URLs and keys, unless `fromPage` says the page answers (`ask`). */
  broker?: BrokerAccess;
  /** What the host provides on the page (its objectSource, its keyProvider). */
  fromPage: { url: boolean; key: boolean };
}

/** What the page's objectSource answers. */
export interface ObjectUrl {
  url: string;
  /** Epoch ms after which the URL is not used any more. */
  expiresAt?: number;
}

/** What a worker asks the page for when the host provides objects or keys itself. */
export type Question =
  | { what: 'url'; objectId: string }
  | { what: 'key'; objectId: string; request: KeyRequest; dataKeyLength?: number };

export type ToWorker =
  | { type: 'open'; stream: string; target: ObjectTarget }
  /** A whole object, fetched and decrypted with its footer signature checked: a transcript as text, a recording as bytes (played without a Service Worker). */
  | { type: 'object'; req: number; target: ObjectTarget; as: 'text' | 'bytes' }
  | { type: 'close'; stream: string }
  /** Playback of the stream has started: the worker starts the background signature check. */
  | { type: 'playing'; stream: string }
  /** Warm the broker's CORS preflight for the unwrap (Broker.warmUp), from the worker that sends it. */
  | { type: 'warm'; broker: BrokerAccess }
  /** The page's answer to an `ask`: a URL, or a key (its buffer transferred), or an error. */
  | { type: 'answer'; req: number; url?: ObjectUrl; key?: Uint8Array; error?: WireError }
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
  /**
   * The background check of the footer signature (verify.ts); once verified, the ciphertext it
   * hashed from playback's source (`reusedBytes`) and fetched itself (`fetchedBytes`).
   */
  | { type: 'signature'; stream: string; state: 'verifying' | 'verified' | 'failed'; error?: WireError; reusedBytes?: number; fetchedBytes?: number }
  /** The answer to `object`: `text`, or `bytes` (transferred) with the message's suite and their format, or an error. */
  | { type: 'object'; req: number; text?: string; bytes?: Uint8Array; suite?: string; format?: AudioFormat; error?: WireError }
  | ({ type: 'ask'; req: number } & Question);

/**
 * Service Worker <-> page control messages. `port` hands the Service Worker a MessagePort whose
 * other end is one player's decrypt worker, so range requests bypass the page's main thread;
 * without it (e.g. the Service Worker restarted) requests come to the page as `range` and are
 * relayed to that player, and `need-port` asks the page for new ports. `forget` drops a removed
 * player's port.
 */
export type SwControl = { type: 'claim' } | { type: 'port'; player: string } | { type: 'forget'; player: string };
export type SwToPage = { type: 'range'; player: string; request: SwRequest } | { type: 'need-port' };

/** The path, under the Service Worker's scope, of a player's streams: `callseal-stream/<player>/<stream>`. */
export const STREAM_PATH = 'callseal-stream/';
