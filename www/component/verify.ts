/**
 * The footer signature of a recording being played, checked in the background (issue 17): the
 * reader plays frames authenticated by the data key, which every authorised reader holds; only
 * the signature shows that the recording's writer made them. callseal's `verifySignature` hashes
 * the ciphertext as stored (no key, no decryption), read here through a source of its own at low
 * fetch priority, so playback's requests go first.
 */
import type { MessageHeader, VerifiedMessageHeader } from 'callseal/decrypt';
import { HttpRangeSource } from '../lib/range-source';

const PUBLIC_KEY = 'aws-crypto-public-key';

export interface BackgroundCheck {
  url: string;
  size: number;
  /** The header the reader verified with the data key. */
  header: VerifiedMessageHeader;
  refreshUrl: () => Promise<string>;
  signal: AbortSignal;
}

/** Resolves once the signature verified; rejects with callseal's SIGNATURE_INVALID (or a fetch error) otherwise. */
export async function verifyInBackground(c: BackgroundCheck): Promise<void> {
  const { verifySignature } = await import('callseal/decrypt');
  const source = new HttpRangeSource(c.url, { size: c.size, refreshUrl: c.refreshUrl, signal: c.signal, priority: 'low' });
  const signed = await verifySignature({ size: c.size, read: (offset, length) => source.readUncached(offset, length) }, { signal: c.signal });
  // The check read the header again, unauthenticated: it must be the one the reader verified
  // (same message, same signing key), or the signature says nothing about what plays.
  if (!sameMessage(signed, c.header)) {
    throw Object.assign(new Error('the signature check read another header than the one played'), { name: 'CallsealError', code: 'SIGNATURE_INVALID' });
  }
}

type Facts = Pick<MessageHeader, 'messageId' | 'encryptionContext'>;

function sameMessage(a: Facts, b: Facts): boolean {
  const id = (h: Facts) => Array.from(h.messageId).join(',');
  return id(a) === id(b) && a.encryptionContext[PUBLIC_KEY] !== undefined && a.encryptionContext[PUBLIC_KEY] === b.encryptionContext[PUBLIC_KEY];
}
