/**
 * The recordings the broker knows: the listing object (callseal/index.json) that the pipeline
 * (here scripts/samples/make-samples.mjs) writes next to the ciphertexts. Each object entry carries
 * the encryption context it was encrypted under: the broker's authority for "does this context
 * belong to the object being asked for". Each contact carries what Amazon Connect's contact record
 * says of it (`contactRecord`, the contact trace record's Queue and Agent fields; DescribeContact
 * gives the same): its queue and its agent's hierarchy groups, which decide which supervisors may
 * hear it (the objects in S3 carry neither). A production deployment would read the same from
 * its contact records; the shape is what matters.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { BrokerError } from './errors.js';

export interface CatalogObject {
  id: string;
  kind: 'recording' | 'transcript';
  format: string;
  /** Contact Lens's redacted output (PII silent or [PII]); false: the recording or transcript as made. */
  redacted: boolean;
  contentType: string;
  key: string;
  plaintextLength: number;
  ciphertextLength: number;
  suiteId: string;
  frameLength: number;
  encryptionContext: Record<string, string>;
}

/** The contact trace record's fields the broker reads (queue name, agent hierarchy groups). */
export interface ContactRecord {
  Queue?: { Name?: string };
  Agent?: { Username?: string; HierarchyGroups?: Partial<Record<HierarchyLevel, { GroupName?: string }>> };
}
const LEVELS = ['Level1', 'Level2', 'Level3', 'Level4', 'Level5'] as const;
type HierarchyLevel = (typeof LEVELS)[number];

/**
 * A contact's tags as the role policies see them (aws:ResourceTag/<key> of the contact's ARN):
 * `Queue`, its queue's name, and `AgentHierarchy`, its agent's hierarchy group names from level 1
 * down, joined by '/' (a group's contacts are those whose path is the group's or under it). A
 * field the record lacks is no tag, which no condition on it matches.
 */
export function contactTags(record: ContactRecord | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  const queue = record?.Queue?.Name;
  if (typeof queue === 'string' && queue) tags.Queue = queue;
  const groups: string[] = [];
  for (const level of LEVELS) {
    const name = record?.Agent?.HierarchyGroups?.[level]?.GroupName;
    if (typeof name !== 'string' || !name || name.includes('/')) break;
    groups.push(name);
  }
  if (groups.length) tags.AgentHierarchy = groups.join('/');
  return tags;
}

export interface CatalogContact {
  contactId: string;
  title: string;
  contactRecord?: ContactRecord;
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

  /** The object with this id and the contact it belongs to. */
  async object(id: string): Promise<{ contact: CatalogContact; object: CatalogObject } | undefined> {
    for (const contact of (await this.load()).contacts) {
      const object = contact.objects.find((x) => x.id === id);
      if (object) return { contact, object };
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
