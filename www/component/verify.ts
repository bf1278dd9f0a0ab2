/**
 * The footer signature of a recording being played, checked in the background (issue 17): the
 * reader plays frames authenticated by the data key, which every authorised reader holds; only
 * the signature shows that the recording's writer made them. callseal's `verifySignature` hashes
 * the ciphertext as stored (no key, no decryption). It reads through the stream's own source
 * beside playback (`readAside`): the ciphertext playback fetched and still holds is hashed from
 * there, the rest is fetched at low priority (playback's requests go first) and not kept: one
 * Range request per stretch playback does not hold, its body hashed as it streams in.
 * Nothing read is trusted: the signature covers every byte hashed, wherever it came from.
 */
import type { MessageHeader, VerifiedMessageHeader } from 'callseal/decrypt';
import type { HttpRangeSource } from '../lib/range-source';

const PUBLIC_KEY = 'aws-crypto-public-key';
/** Bytes the check hashes at a time (taken from the stretch's body as it arrives). */
export const CHUNK = 2 << 20;

export interface BackgroundCheck {
  /** The stream's source (its size known). */
  source: HttpRangeSource;
  /** The header the reader verified with the data key. */
  header: VerifiedMessageHeader;
  signal: AbortSignal;
}

/** What the check read: from the stream's source, and fetched for itself. */
export interface CheckBytes {
  reusedBytes: number;
  fetchedBytes: number;
}

/** Resolves once the signature verified; rejects with callseal's SIGNATURE_INVALID (or a fetch error) otherwise. */
export async function verifyInBackground(c: BackgroundCheck): Promise<CheckBytes> {
  const { verifySignature } = await import('callseal/decrypt');
  const source = c.source.asRangeSource();
  const before = { ...c.source.aside };
  // Aborting the check (the stream closed) cancels the request being read.
  const read = (offset: number, length: number) => c.source.readAside(offset, length, { priority: 'low', signal: c.signal });
  const signed = await verifySignature({ size: source.size, read }, { signal: c.signal, chunkSize: CHUNK });
  // The check read the header again, unauthenticated: it must be the one the reader verified
  // (same message, same signing key), or the signature says nothing about what plays.
  if (!sameMessage(signed, c.header)) {
    throw Object.assign(new Error('the signature check read another header than the one played'), { name: 'CallsealError', code: 'SIGNATURE_INVALID' });
  }
  return { reusedBytes: c.source.aside.reused - before.reused, fetchedBytes: c.source.aside.fetched - before.fetched };
}

type Facts = Pick<MessageHeader, 'messageId' | 'encryptionContext'>;

function sameMessage(a: Facts, b: Facts): boolean {
  const id = (h: Facts) => Array.from(h.messageId).join(',');
  return id(a) === id(b) && a.encryptionContext[PUBLIC_KEY] !== undefined && a.encryptionContext[PUBLIC_KEY] === b.encryptionContext[PUBLIC_KEY];
}
