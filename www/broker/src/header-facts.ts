/**
 * The ESDK header facts of a stored object: the encrypted data keys this broker can unwrap and the
 * encryption context, read by the broker itself from S3 (a small Range GET of the object's start,
 * more when the header is longer) with callseal's `readHeader`, cached by ETag (revalidated with
 * If-None-Match).
 *
 * The listing hands them to the page for the objects the user may read, so that on a click the
 * page can send the unwrap request at once, in parallel with fetching the object, instead of
 * waiting for the header first. They are what the page would read from the object's own bytes:
 * nothing secret (the data key stays wrapped under KMS) and nothing trusted. /api/unwrap checks
 * the request exactly as before (key ARN, the object's context, policy, KMS Decrypt with the
 * context), the page compares them with the header it fetches, and decryption authenticates the
 * header with the data key.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { importCallseal, localEntry } from './callseal.js';
import { KMS_PROVIDER_ID } from './unwrap-request.js';
import type { WireDataKey } from '../../lib/unwrap-protocol.js';
import type { RangeSource, readHeader } from 'callseal/decrypt';

export interface HeaderFacts {
  /** The header's message id (base64), which /api/unwrap binds its answer to. */
  messageId: string;
  /** The header's data keys wrapped under this broker's KMS key, in header order. */
  encryptedDataKeys: WireDataKey[];
  /** The header's whole encryption context (signed suites: with aws-crypto-public-key). */
  encryptionContext: Record<string, string>;
  etag: string;
}

type ReadHeader = typeof readHeader;

/** The first request's length: a header with a few KMS data keys fits; readHeader reads more if not. */
const FIRST_BYTES = 4096;
/** An entry younger than this is used without asking S3 whether the object changed. */
const FRESH_MS = 30_000;
const MAX_ENTRIES = 10_000;

let headerReader: Promise<ReadHeader> | undefined;

/** callseal's readHeader: the installed package, else the local build in pkg/ (Node entry). */
function loadReadHeader(): Promise<ReadHeader> {
  headerReader ??= importCallseal<ReadHeader>('readHeader', ['callseal/decrypt', 'callseal', localEntry('decrypt')]);
  headerReader.catch(() => { headerReader = undefined; }); // pkg/ may be rebuilt (swapped) meanwhile: retry later
  return headerReader;
}

export class HeaderFactsCache {
  private readonly entries = new Map<string, { facts: HeaderFacts; checkedAt: number }>();
  private readonly pending = new Map<string, Promise<HeaderFacts | undefined>>();

  constructor(private readonly s3: S3Client, private readonly bucket: string, private readonly kmsKeyArn: string) {}

  /**
   * The facts of the object at `key`, or undefined when they cannot be had (store or parser
   * unavailable, not an ESDK message, no data key under this broker's key): the page then reads
   * the header before asking for the key, as without them.
   */
  get(key: string): Promise<HeaderFacts | undefined> {
    const hit = this.entries.get(key);
    if (hit && Date.now() - hit.checkedAt < FRESH_MS) return Promise.resolve(hit.facts);
    let p = this.pending.get(key);
    if (!p) {
      p = this.load(key, hit?.facts).catch((err) => {
        console.error(`[broker] header of ${key}: ${(err as Error).message.split('\n')[0]}`);
        return undefined;
      }).finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    return p;
  }

  private async load(key: string, known?: HeaderFacts): Promise<HeaderFacts | undefined> {
    const readHeader = await loadReadHeader();
    const get = (from: number, to: number, pin: { IfNoneMatch?: string; IfMatch?: string }) =>
      this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${from}-${to - 1}`, ...pin }));
    let res;
    try {
      res = await get(0, FIRST_BYTES, { IfNoneMatch: known?.etag });
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 304 && known) return this.keep(key, known); // unchanged
      throw err;
    }
    const first = await res.Body!.transformToByteArray();
    const etag = res.ETag ?? '';
    const size = Number(/\/(\d+)$/.exec(res.ContentRange ?? '')?.[1] ?? first.length);
    // Reads past the first bytes (a long header) are pinned to the object the first one read.
    const source: RangeSource = {
      size,
      read: async (offset, length) => offset + length <= first.length
        ? first.subarray(offset, offset + length)
        : (await get(offset, offset + length, { IfMatch: etag || undefined })).Body!.transformToByteArray(),
    };
    const header = await readHeader(source);
    const utf8 = new TextDecoder('utf-8', { fatal: true });
    const encryptedDataKeys: WireDataKey[] = [];
    for (const k of header.encryptedDataKeys) {
      if (k.providerId !== KMS_PROVIDER_ID) continue;
      let info: string;
      try { info = utf8.decode(k.providerInfo); } catch { continue; }
      if (info !== this.kmsKeyArn) continue;
      encryptedDataKeys.push({ providerId: k.providerId, providerInfo: info, ciphertext: Buffer.from(k.ciphertext).toString('base64') });
    }
    if (!encryptedDataKeys.length || !etag) return undefined;
    const encryptionContext: Record<string, string> = {};
    for (const [k, v] of Object.entries(header.encryptionContext)) encryptionContext[k] = v;
    return this.keep(key, { messageId: Buffer.from(header.messageId).toString('base64'), encryptedDataKeys, encryptionContext, etag });
  }

  private keep(key: string, facts: HeaderFacts): HeaderFacts {
    this.entries.delete(key);
    this.entries.set(key, { facts, checkedAt: Date.now() });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    return facts;
  }
}
