/**
 * The recordings the broker knows: the listing object (callseal/index.json) that the pipeline
 * (here scripts/samples/make-samples.mjs) writes next to the ciphertexts. Each object entry carries
 * the encryption context it was encrypted under: the broker's authority for "does this context
 * belong to the object being asked for". A production deployment would read the same from its
 * contact database; the shape is what matters.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { BrokerError } from './errors.js';

export interface CatalogObject {
  id: string;
  kind: 'recording' | 'transcript';
  format: string;
  contentType: string;
  key: string;
  plaintextLength: number;
  ciphertextLength: number;
  suiteId: string;
  frameLength: number;
  encryptionContext: Record<string, string>;
}

export interface CatalogContact {
  contactId: string;
  title: string;
  queue: string;
  agent?: string;
  channel: string;
  initiationTimestamp: string;
  disconnectTimestamp: string;
  durationMillis: number;
  objects: CatalogObject[];
}

interface Index {
  version: number;
  generation: string;
  contacts: CatalogContact[];
}

const CACHE_MS = 5_000;

export class Catalog {
  private cached?: { at: number; index: Index };

  constructor(private readonly s3: S3Client, private readonly bucket: string, private readonly key: string) {}

  async contacts(): Promise<CatalogContact[]> {
    return (await this.load()).contacts;
  }

  async object(id: string): Promise<CatalogObject | undefined> {
    for (const c of (await this.load()).contacts) {
      const o = c.objects.find((x) => x.id === id);
      if (o) return o;
    }
    return undefined;
  }

  private async load(): Promise<Index> {
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached.index;
    let text: string;
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key }));
      text = await res.Body!.transformToString('utf8');
    } catch (err) {
      // What failed (endpoint, address, the store's message) is for the operator's log only.
      const e = err as { name?: string; message?: string };
      console.error(`[broker] reading the listing s3://${this.bucket}/${this.key} failed: ${e.name ?? ''} ${e.message ?? ''}`);
      throw new BrokerError('StorageUnavailable', e.name === 'NoSuchKey' ? 'the listing of recordings does not exist yet' : 'the listing of recordings cannot be read');
    }
    let index: Index;
    try {
      index = JSON.parse(text) as Index;
    } catch {
      throw new BrokerError('StorageUnavailable', 'the listing of recordings is not valid JSON');
    }
    if (index?.version !== 1 || !Array.isArray(index.contacts)) throw new BrokerError('StorageUnavailable', 'the listing of recordings has an unknown shape');
    this.cached = { at: Date.now(), index };
    return index;
  }
}
