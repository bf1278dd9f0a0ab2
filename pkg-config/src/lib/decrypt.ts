/**
 * Envelope decryption: the typed API over callseal_decrypt.wasm and callseal_decrypt_more.wasm
 * (../decrypt-more.ts), loaded the first time a call needs it: S3EC metadata and objects, range
 * reads, unwrapRawAesDataKey, and the messages the entry cannot decrypt ({@link decryptorFor}).
 * Every function here delegates to the Rust core; this layer adds types and Web Streams.
 */
import * as wasm from '../wasm/callseal_decrypt.js';
import type * as more from '../wasm/callseal_decrypt_more.js';
import { decryptMore, decryptMoreLoaded, type DecryptMore } from '../decrypt-more.js';
import type {
  ByteInput, DecryptOptions, Engine, MessageHeader, OwnedBytes, RangeReader, VerifiedMessageHeader, RangeSource, RawAesKeyring, SignatureCheckOptions,
  S3ObjectMetadata, StreamOptions,
} from './types.js';

export * from './types.js';
import { CallsealError } from './callseal-error.js';
export { CallsealError, type CallsealErrorCode } from './callseal-error.js';

/** The callseal version. */
export function version(): string {
  return wasm.version();
}

/** The engine `decrypt` picks by default here: WebCrypto where it exists, else pure Rust. */
export function defaultEngine(): Exclude<Engine, 'auto'> {
  return wasm.defaultEngine() as Exclude<Engine, 'auto'>;
}

/**
 * Reads the header of an AWS Encryption SDK message from its first bytes.
 * The result is UNAUTHENTICATED (see {@link MessageHeader}): use it to ask a key broker for
 * the data key, never to make a trust decision. `options` may be the object later passed to
 * `decrypt`; the checks that need no key apply here already, before the broker is asked:
 * `maxEncryptedDataKeys` (TOO_MANY_DATA_KEYS) and `signedMessages: 'reject'`
 * (SIGNED_MESSAGE_REFUSED).
 */
export function parseHeader(bytes: ByteInput, options?: DecryptOptions): MessageHeader {
  const header = wasm.asBytes(bytes, 'parseHeader: bytes');
  const opts = wasm.readOptions(options, false);
  if (!wasm.needsMore(header, opts, false)) return wasm.parseHeader(header, opts) as MessageHeader;
  const loaded = decryptMoreLoaded();
  if (!loaded) {
    void decryptMore().catch(() => {}); // for the next call
    throw new CallsealError('ENGINE_UNAVAILABLE', 'parseHeader: a signed message\'s header is read by the decrypt module\'s second half (its public key is checked with the curve code), which is not loaded yet: await preloadDecryptMore() first, or use readHeader');
  }
  return loaded.parseHeader(header, opts) as MessageHeader;
}

/**
 * The module that decrypts a message, from its first bytes under `opts` (as `wasm.readOptions`
 * read them): the entry, or its second half, once loaded, when the entry lacks what the message
 * needs (`wasm.needsMore`: a signed suite's curve code, or the pure-Rust engine: `engine:
 * 'rust'`, AES-192, no WebCrypto). Throws the header's faults (TRUNCATED while `bytes` end
 * inside it).
 */
function decryptorFor(bytes: Uint8Array, opts: unknown): typeof wasm | Promise<DecryptMore> {
  return wasm.needsMore(bytes, opts, true) ? decryptMore() : wasm;
}

/**
 * Decrypts a whole message. Resolves only after the header, every frame and (signed suites)
 * the footer signature verified; rejects with a {@link CallsealError} otherwise, releasing nothing.
 */
export async function decrypt(message: ByteInput, dataKey: ByteInput, options?: DecryptOptions): Promise<OwnedBytes> {
  // The arguments are read before the call returns (the caller may wipe its key then); the
  // message while decrypting.
  const bytes = wasm.asBytes(message, 'decrypt: message');
  const key = new Uint8Array(wasm.asBytes(dataKey, 'decrypt: dataKey'));
  try {
    const opts = wasm.readOptions(options, false);
    const m = await decryptorFor(bytes, opts);
    return await m.decrypt(bytes, key, opts); // reads the key before it returns
  } finally {
    key.fill(0);
  }
}

/**
 * A TransformStream from ciphertext chunks (any sizes) to plaintext, in bounded memory. Each
 * frame's plaintext is released once its tag verifies. A signed message's footer signature can
 * only be checked at the end, after its frames were released, so signed messages error the
 * stream with SIGNED_MESSAGE_REFUSED when their header arrives unless `signedMessages:
 * 'release-before-verify'` opts in; the signature is then checked at the end and a bad one (or
 * a missing footer) errors the stream after earlier frames were released.
 */
export function decryptStream(dataKey: ByteInput, options?: StreamOptions): TransformStream<ByteInput, OwnedBytes> {
  const signal = options?.signal ?? undefined; // null: no signal
  if (signal !== undefined && (typeof signal.addEventListener !== 'function' || typeof signal.aborted !== 'boolean')) {
    throw new CallsealError('INVALID_ARGUMENT', 'decryptStream: options.signal must be an AbortSignal');
  }
  // The key is copied and the options read now (signal is ours). The entry's decryptor takes
  // them; once the header has arrived, the module that decrypts the message (decryptorFor)
  // does, and is given the bytes held until then.
  const key = new Uint8Array(wasm.asBytes(dataKey, 'decryptStream: dataKey'));
  let dec: Pick<wasm.DecryptStream, 'push' | 'finish' | 'free'>;
  let opts: unknown;
  try {
    opts = wasm.readOptions(options, true);
    dec = new wasm.DecryptStream(key, opts);
  } catch (e) {
    key.fill(0);
    throw e;
  }
  let routed = false;
  /** The input before the header is complete: a copy (pushes may reuse their buffer). */
  let head: Uint8Array = new Uint8Array(0);
  /**
   * Picks the decryptor once `input` completes the header; the bytes it is to take then (those
   * held and `input`), or undefined while the header goes on. `input` is copied only while the
   * header goes on (it is not reused before this push settles).
   */
  const route = async (input: Uint8Array): Promise<Uint8Array | undefined> => {
    let held: Uint8Array = input;
    if (head.length) {
      held = new Uint8Array(head.length + input.length);
      held.set(head);
      held.set(input, head.length);
    }
    let m;
    try {
      m = await decryptorFor(held, opts);
    } catch (e) {
      if ((e as CallsealError)?.code !== 'TRUNCATED') throw e;
      head = held === input ? input.slice() : held;
      return undefined;
    }
    if (freed) throw aborted();
    if (m !== wasm) {
      const more = new m.DecryptStream(key, opts);
      dec.free();
      dec = more;
    }
    routed = true;
    key.fill(0);
    head = new Uint8Array(0);
    return held;
  };
  // Network chunks are small (often 16-64 KiB): they are gathered into pushes of about
  // STREAM_PUSH bytes, which gives WebCrypto many frames at once. One gathering buffer is
  // reused for the whole stream (the decryptor has opened a push's frames and copied what it
  // keeps of it by the time the push resolves, and TransformStream calls transform() once the
  // previous call settled), so gathering leaves no garbage behind; a chunk as large as a push
  // goes in as it is.
  let freed = false;
  const release = () => {
    if (!freed) {
      dec.free(); // wipes the keys (and ends the stream's hash job in the Worker)
      key.fill(0);
    }
    freed = true;
    signal?.removeEventListener('abort', onAbort);
  };
  let onAbort = () => {};
  // After an abort: the reason, for whatever the stream is asked next.
  const aborted = () => signal?.reason ?? new CallsealError('INVALID_STATE', 'decryptStream was aborted');
  let gather = new Uint8Array(0);
  let gathered = 0;
  const pushInput = async (input: Uint8Array, controller: TransformStreamDefaultController<OwnedBytes>) => {
    if (freed) throw aborted();
    if (!routed) {
      const held = await route(input);
      if (!held) return;
      input = held;
    }
    const frames = (await dec.push(input)) as OwnedBytes[];
    for (const f of frames) controller.enqueue(f);
  };
  const pushGathered = async (controller: TransformStreamDefaultController<OwnedBytes>) => {
    if (gathered === 0) return;
    const n = gathered;
    gathered = 0;
    await pushInput(gather.subarray(0, n), controller);
  };
  const take = async (chunk: Uint8Array, controller: TransformStreamDefaultController<OwnedBytes>) => {
    if (chunk.length >= STREAM_PUSH) {
      await pushGathered(controller);
      return pushInput(chunk, controller);
    }
    if (gathered + chunk.length > gather.length) {
      const grown = new Uint8Array(Math.max(STREAM_PUSH, gathered + chunk.length));
      grown.set(gather.subarray(0, gathered));
      gather = grown;
    }
    gather.set(chunk, gathered);
    gathered += chunk.length;
    if (gathered >= STREAM_PUSH) await pushGathered(controller);
  };
  return new TransformStream<ByteInput, OwnedBytes>({
    start(controller) {
      if (!signal) return;
      onAbort = () => {
        release();
        controller.error(aborted());
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    },
    async transform(input, controller) {
      try {
        await take(wasm.asBytes(input, 'decryptStream: chunk'), controller); // a BufferSource
      } catch (e) {
        release(); // an errored stream keeps no key
        throw e;
      }
    },
    async flush(controller) {
      try {
        await pushGathered(controller);
        if (freed) throw aborted();
        // A header that never completed: its fault (TRUNCATED) as the decryptor reports it.
        if (!routed) await decryptorFor(head, opts);
        dec.finish();
      } finally {
        release();
      }
    },
    // The stream was cancelled or aborted: the key and any hash job in the Worker go now, not
    // when the collector gets to the decryptor.
    cancel() {
      release();
    },
  } as Transformer<ByteInput, OwnedBytes>);
}

/** Input bytes gathered before each push into the stream decryptor. */
const STREAM_PUSH = 1 << 20;


/** S3 Encryption Client metadata as read from the object (UNAUTHENTICATED until decryption). */
export interface S3MetadataInfo {
  readonly unauthenticated: true;
  format: 'v2' | 'v3';
  committing: boolean;
  wrapAlgorithm: 'kms-context' | 'kms' | 'aes-gcm' | 'rsa-oaep-sha1';
  /** The wrapped data key (the KMS CiphertextBlob for KMS modes). */
  encryptedDataKey: OwnedBytes;
  /** The context stored with the object. */
  encryptionContext: Record<string, string>;
  /**
   * What a key broker passes to KMS Decrypt (adds `aws:x-amz-cek-alg` for kms+context); empty
   * for raw-key wrapping (`aes-gcm`, `rsa-oaep-sha1`), where no KMS call happens.
   */
  kmsEncryptionContext: Record<string, string>;
}

/**
 * Reads S3 Encryption Client metadata (object headers, and the instruction file's JSON if any).
 * `metadata` is read once the decrypt module's second half is loaded: do not change it until the
 * promise settles.
 */
export async function parseS3Metadata(metadata: S3ObjectMetadata, instructionFile?: string): Promise<S3MetadataInfo> {
  return (await decryptMore()).parseS3Metadata(metadata, instructionFile) as S3MetadataInfo;
}

export interface S3DecryptOptions extends Pick<DecryptOptions, 'expectedContext' | 'engine'> {
  /** The instruction file's JSON, for objects that keep their metadata there. */
  instructionFile?: string;
}

/**
 * Fetches and initialises the decrypt module's second half (callseal_decrypt_more.wasm: S3EC
 * metadata and objects, range reads, unwrapRawAesDataKey) now rather than at the first call that needs
 * it: for a page or worker that will read ranges soon (a player), so that its first read does not
 * wait for the download.
 * Rejects with a {@link CallsealError} (IO) when it cannot be loaded; the next call tries again.
 */
export async function preloadDecryptMore(): Promise<void> {
  await decryptMore();
}

/** Decrypts an S3 Encryption Client object (V2 AES-GCM or V3 key-committing). */
export async function decryptS3Object(body: ByteInput, metadata: S3ObjectMetadata, dataKey: ByteInput, options?: S3DecryptOptions): Promise<OwnedBytes> {
  const key = keyCopy(dataKey, 'decryptS3Object: dataKey');
  const m = await decryptMore();
  return withKey(key, dataKey, () => m.decryptS3Object(body, metadata, key, options));
}

/**
 * A copy of the bytes of `key`, taken when the call is made: the module the call needs may still
 * be loading, and the caller may wipe its own copy as soon as the call returns. `key` itself when
 * it holds no bytes, for the call to refuse as it refuses it.
 */
function keyCopy(key: ByteInput, what: string): ByteInput {
  try {
    return new Uint8Array(wasm.asBytes(key, what));
  } catch {
    return key;
  }
}

/** `call(key)`, which reads `key` before it returns; then the copy `key` is wiped. */
function withKey<T>(key: ByteInput, given: ByteInput, call: () => T): T {
  try {
    return call();
  } finally {
    if (key !== given) (key as Uint8Array).fill(0);
  }
}

/** A whole, non-negative number of bytes (a safe integer). */
const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

/**
 * Reads the header of an AWS Encryption SDK message through a byte-range source: its first
 * 4 KiB, more while the header goes on (up to the header length limit, 1 MiB). The result is
 * UNAUTHENTICATED, as {@link parseHeader}'s, with the same key-free checks of `options`. The
 * range reader opens a message the same way.
 */
export async function readHeader(source: RangeSource, options?: DecryptOptions): Promise<MessageHeader> {
  return (await decryptMore()).readHeader(source, options) as Promise<MessageHeader>;
}

/**
 * Checks a signed message's footer signature from its bytes alone: no data key, nothing
 * decrypted (the ECDSA signature covers the header and body as stored). For a reader that
 * released frames before the footer (`openRangeReader` with `signedMessages:
 * 'release-before-verify'`): resolves once the writer's key is shown to have signed the
 * message, rejects with SIGNATURE_INVALID when not, INVALID_ARGUMENT for an unsigned suite,
 * MALFORMED_BODY when no footer ends it. Reads the header (as {@link readHeader}) and the last
 * 106 bytes, then every byte in order, `chunkSize` (default 1 MiB) at a time, at most one chunk
 * held; `signal` stops it between reads; `onProgress(hashed, total)` after each. Resolves with
 * the header it read, UNAUTHENTICATED: compare its `messageId` (and public key) with the header
 * your reader verified.
 */
export async function verifySignature(source: RangeSource, options?: SignatureCheckOptions): Promise<MessageHeader> {
  return (await decryptMore()).verifySignature(source, options) as Promise<MessageHeader>;
}

/**
 * Random access to the plaintext of a framed message through a byte-range source (e.g. HTTP
 * Range requests on a pre-signed URL): each read fetches, in one request, only the frames that
 * cover it and authenticates each of them. See {@link RangeReader} for exactly what is and is
 * not verified before the whole message has been seen.
 */
export async function openRangeReader(source: RangeSource, dataKey: ByteInput, options?: DecryptOptions): Promise<RangeReader> {
  // The key is read by this call before it returns (the caller may wipe its copy then); the
  // source and options once the module is loaded.
  const key = keyCopy(dataKey, 'openRangeReader: dataKey');
  const m = await decryptMore();
  const reader = (await withKey(key, dataKey, () => m.openRangeReader(source, key, options))) as more.RangeReader;
  const header = reader.header as VerifiedMessageHeader;
  const plaintextLength = reader.plaintextLength;
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  return {
    header,
    plaintextLength,
    frameLength: header.frameLength,
    read(offset: number, length: number): Promise<OwnedBytes> {
      // One read at a time on the wasm reader: overlapping reads (a seek while a read-ahead
      // is in flight) are queued, never refused.
      const isClosed = () => new CallsealError('INVALID_STATE', 'range reader is closed');
      if (closed) return Promise.reject(isClosed());
      if (!isCount(offset) || !isCount(length) || offset > plaintextLength) {
        return Promise.reject(new CallsealError('INVALID_ARGUMENT',
          `RangeReader.read(${offset}, ${length}): offset and length must be whole numbers of bytes, offset at most the plaintext length ${plaintextLength}`));
      }
      const result = queue.then(async () => {
        if (closed) throw isClosed();
        return (await reader.read(offset, Math.min(length, plaintextLength - offset))) as OwnedBytes;
      });
      queue = result.then(() => undefined, () => undefined);
      return result;
    },
    close() {
      if (closed) return;
      closed = true;
      // Reads not started fail with INVALID_STATE; a read in progress keeps the key until it
      // ends (then fails with INVALID_STATE), then the key is wiped.
      reader.close();
      reader.free();
    },
  };
}

/**
 * Unwraps a message's own data key with a raw AES keyring, for offline use and tests (in a
 * console the key broker unwraps with KMS instead), on the engine `options.engine` picks:
 * WebCrypto by default where it takes the wrapping key's size (its key non-extractable, imported
 * from a buffer wiped at once), else the pure-Rust engine. Wipe the returned key when done.
 * `options.expectedContext` supplies the pairs a message made with required encryption
 * context authenticates without storing them (the keyring binds them too).
 */
export async function unwrapRawAesDataKey(message: ByteInput, keyring: RawAesKeyring, options?: Pick<DecryptOptions, 'expectedContext' | 'engine'>): Promise<OwnedBytes> {
  // The wrapping key is copied when the call is made (the caller may wipe its own as the call
  // returns), the keyring read once; the rest is read once the module that unwraps is loaded.
  let ring: RawAesKeyring = keyring;
  let copy: Uint8Array | undefined;
  try {
    copy = new Uint8Array(wasm.asBytes(keyring.key, 'keyring.key'));
    ring = { ...keyring, key: copy };
  } catch {
    // Not a keyring with key bytes (or reading it threw): the module refuses it as it refuses it.
  }
  const m = await decryptMore();
  try {
    return m.unwrapRawAesDataKey(message, ring, options) as Promise<OwnedBytes>; // reads `ring` before it returns
  } finally {
    copy?.fill(0);
  }
}
