/** The public types of `callseal/player`: options, the contact it opens, its events. */
import type { Contact, KeyRequest, ObjectRef } from '../lib/broker';
import type { Explained, WireError } from '../lib/errors';
import type { Channel } from './channels';

export type { Contact, ObjectRef, KeyRequest, Channel };

/** What a key provider is asked: the object and the unwrap request its header (or the listing) makes. */
export interface KeyProviderRequest extends KeyRequest {
  objectId: string;
  /** The data key's length in bytes when the header is known (16, 24 or 32). */
  dataKeyLength?: number;
}

export interface PlayerOptions {
  /**
   * callseal's key broker (www/broker): the decrypt worker itself asks it for pre-signed URLs and
   * data keys (so the key never reaches the page), with the user's ID token (`token()`, asked
   * at each recording it opens; sent as `Authorization: Bearer`). The default key provider and
   * object source.
   */
  broker?: { url: string; token: () => string | Promise<string> };
  /**
   * The data key of an object, as bytes. Runs on the page; the component copies the bytes into
   * the decrypt worker (transferred) and zero-fills the array returned.
   */
  keyProvider?: (request: KeyProviderRequest) => Promise<Uint8Array>;
  /** A URL of an object (called again when it has expired or the store says so). */
  objectSource?: (object: ObjectRef) => Promise<{ url: string; expiresAt?: number }>;
  /** The URL of the host's copy of `callseal/player/sw.js`; its directory is its scope. Default `callseal-sw.js` beside the page. */
  serviceWorker?: string | URL;
}

/** What `callseal-error` says: a stable `code`, the words shown, and where it came from. */
export interface PlayerErrorDetail {
  code: Explained['kind'] | 'no-contact' | 'no-service-worker' | 'not-configured';
  message: string;
  advice: string;
  cause: WireError;
}

export interface PlayerReadyDetail {
  contactId: string;
  objectId: string;
  plaintextLength: number;
  mime: string;
  channels: number;
  suite: string;
}

export interface PlayerTimeDetail {
  currentTime: number;
  duration: number;
}

export interface PlayerEventMap {
  'callseal-ready': CustomEvent<PlayerReadyDetail>;
  'callseal-error': CustomEvent<PlayerErrorDetail>;
  'callseal-timeupdate': CustomEvent<PlayerTimeDetail>;
  /**
   * The recording's footer signature verified (checked in the background while it plays), with
   * the ciphertext bytes the check took from what playback had fetched and fetched itself.
   */
  'callseal-verified': CustomEvent<{ contactId: string; objectId: string; reusedBytes: number; fetchedBytes: number }>;
  /** The player can open a contact at once: its worker has loaded its wasm and the Service Worker controls the page. */
  'callseal-settled': CustomEvent<undefined>;
}
