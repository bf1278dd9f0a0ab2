/**
 * The recordings the broker knows: the sealed objects themselves. Every `<key>.esdk` under the
 * Connect instance's prefix (`CALLSEAL_CONNECT_PREFIX`, `connect/<instance alias>/`) that the sealer
 * wrote (`callseal seal`, src/sealer) is read by Amazon Connect's key layout, the one the sealer
 * binds encryption contexts by (callseal's `classifyConnectKey`, src/connect.rs): its contact, kind,
 * format, whether it is Contact Lens's redacted output, its id and its place in the contact's
 * listing. Its HeadObject metadata gives the plaintext's length, the suite and the frame length.
 * The encryption context an object must carry is the broker's own, from the key and its settings
 * (instance id, contact, kind, format): the broker's authority for "does this context belong to the
 * object being asked for"; nothing the object's bytes say is trusted for it.
 *
 * Each contact carries what Amazon Connect's contact record says of it (`contactRecord`: the
 * contact trace record's Queue and Agent fields, DescribeContact gives the same), read from
 * `<CALLSEAL_CONTACT_RECORDS_PREFIX><contact-id>.json`: its queue and its agent's hierarchy groups,
 * which decide which supervisors may hear it (the objects in S3 carry neither). A contact without
 * a record has no tags, so only a role whose scope needs none sees it.
 */
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { importCallseal, localEntry } from './callseal.js';
import type { BrokerConfig } from './config.js';
import { BrokerError } from './errors.js';

export type ObjectKind = 'recording' | 'screen-recording' | 'transcript' | 'chat-transcript';

export interface CatalogObject {
  id: string;
  kind: ObjectKind;
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

/** The contact trace record's fields the broker reads (queue name, agent hierarchy groups, times). */
export interface ContactRecord {
  Channel?: string;
  InitiationTimestamp?: string;
  DisconnectTimestamp?: string;
  Queue?: { Name?: string };
  Agent?: { Username?: string; HierarchyGroups?: Partial<Record<HierarchyLevel, { GroupName?: string }>> };
  /** Contact attributes; `title` names the contact in the listing. */
  Attributes?: Record<string, string>;
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

/** What callseal's `classifyConnectKey` says of a key. */
interface ConnectObject {
  contactId: string;
  kind: ObjectKind;
  format: string;
  redacted: boolean;
  objectId: string;
  contentType: string;
  rank: number;
}
type Classify = (key: string) => ConnectObject | { reason: string };

const SEALED_SUFFIX = '.esdk';
const CACHE_MS = 5_000;
const MAX_OBJECTS = 100_000;
/** HeadObject requests in flight while the listing is read (only new or changed objects are asked). */
const HEADS_AT_ONCE = 16;

/** Runs `f` on every item, at most `n` at a time. */
async function inTurn<T>(items: T[], n: number, f: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await f(items[next++]);
  }));
}

let classifier: Promise<Classify> | undefined;
function loadClassify(): Promise<Classify> {
  classifier ??= importCallseal<Classify>('classifyConnectKey', ['callseal/policy', 'callseal', localEntry('policy')]);
  classifier.catch(() => { classifier = undefined; }); // pkg/ may be rebuilt meanwhile: retry later
  return classifier;
}

interface Sealed { etag: string; object?: CatalogObject; contactId?: string; rank: number }

export class Catalog {
  private cached?: { at: number; contacts: CatalogContact[] };
  private loading?: Promise<CatalogContact[]>;
  /** HeadObject answers by key, kept while the listing shows the same ETag. */
  private readonly heads = new Map<string, Sealed>();

  constructor(private readonly s3: S3Client, private readonly config: Pick<BrokerConfig, 'bucket' | 'connectPrefix' | 'contactRecordsPrefix' | 'connectInstanceId'>) {}

  async contacts(): Promise<CatalogContact[]> {
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached.contacts;
    this.loading ??= this.load().finally(() => { this.loading = undefined; });
    return this.loading;
  }

  /** The object with this id and the contact it belongs to. */
  async object(id: string): Promise<{ contact: CatalogContact; object: CatalogObject } | undefined> {
    for (const contact of await this.contacts()) {
      const object = contact.objects.find((x) => x.id === id);
      if (object) return { contact, object };
    }
    return undefined;
  }

  private async load(): Promise<CatalogContact[]> {
    const classify = await loadClassify().catch((err: Error) => {
      console.error(`[broker] ${err.message}`);
      throw new BrokerError('StorageUnavailable', 'the listing of recordings cannot be read');
    });
    const listed = await this.storage('listing', () => this.listSealed());
    const seen = new Set<string>();
    const byContact = new Map<string, CatalogObject[]>();
    const ranks = new Map<CatalogObject, number>();
    await inTurn(listed, HEADS_AT_ONCE, async ({ key, etag, size }) => {
      seen.add(key);
      let s = this.heads.get(key);
      if (!s || s.etag !== etag) {
        s = await this.storage('listing', () => this.describe(classify, key, etag, size));
        this.heads.set(key, s);
      }
      if (!s.object || !s.contactId) return;
      const objects = byContact.get(s.contactId) ?? [];
      if (objects.some((o) => o.id === s.object!.id)) {
        console.error(`[broker] ${key}: a second object with id ${s.object.id} is not listed`);
        return;
      }
      objects.push(s.object);
      ranks.set(s.object, s.rank);
      byContact.set(s.contactId, objects);
    });
    for (const key of this.heads.keys()) if (!seen.has(key)) this.heads.delete(key);

    const contacts = await Promise.all([...byContact].map(async ([contactId, objects]) => {
      const record = await this.storage('contact record', () => this.contactRecord(contactId));
      const initiation = record?.InitiationTimestamp ?? '';
      const disconnect = record?.DisconnectTimestamp ?? '';
      const duration = Date.parse(disconnect) - Date.parse(initiation);
      return {
        contactId,
        title: record?.Attributes?.title ?? contactId,
        contactRecord: record,
        agent: record?.Agent?.Username,
        channel: record?.Channel ?? '',
        initiationTimestamp: initiation,
        disconnectTimestamp: disconnect,
        durationMillis: Number.isFinite(duration) && duration > 0 ? duration : 0,
        objects: objects.sort((x, y) => ranks.get(x)! - ranks.get(y)! || x.id.localeCompare(y.id)),
      } satisfies CatalogContact;
    }));
    contacts.sort((x, y) => x.initiationTimestamp.localeCompare(y.initiationTimestamp) || x.contactId.localeCompare(y.contactId));
    this.cached = { at: Date.now(), contacts };
    return contacts;
  }

  /** Every sealed object's key, ETag and size under the Connect prefix. */
  private async listSealed() {
    const out: { key: string; etag: string; size: number }[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: this.config.connectPrefix, ContinuationToken }));
      for (const o of page.Contents ?? []) {
        if (o.Key?.endsWith(SEALED_SUFFIX) && out.length < MAX_OBJECTS) out.push({ key: o.Key, etag: o.ETag ?? '', size: o.Size ?? 0 });
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return out;
  }

  /** One sealed object as listed: its key read by Connect's layout, its metadata from HeadObject. */
  private async describe(classify: Classify, key: string, etag: string, size: number): Promise<Sealed> {
    const facts = classify(key.slice(0, -SEALED_SUFFIX.length));
    if ('reason' in facts) {
      console.error(`[broker] ${key} is not listed: ${facts.reason}`);
      return { etag, rank: 0 };
    }
    const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: key }));
    const m = head.Metadata ?? {};
    if (m['callseal-envelope'] !== 'aws-encryption-sdk') {
      console.error(`[broker] ${key} is not listed: no callseal-envelope metadata (not written by the sealer)`);
      return { etag, rank: 0 };
    }
    return {
      etag,
      contactId: facts.contactId,
      rank: facts.rank,
      object: {
        id: facts.objectId,
        kind: facts.kind,
        format: facts.format,
        redacted: facts.redacted,
        contentType: facts.contentType,
        key,
        plaintextLength: Number(m['callseal-plaintext-length'] ?? 0),
        ciphertextLength: head.ContentLength ?? size,
        suiteId: m['callseal-suite-id'] ?? '',
        frameLength: Number(m['callseal-frame-length'] ?? 0),
        encryptionContext: {
          'aws:connect:instance-id': this.config.connectInstanceId,
          'aws:connect:contact-id': facts.contactId,
          'callseal:kind': facts.kind,
          'callseal:format': facts.format,
        },
      },
    };
  }

  /** The contact's record, or undefined when there is none. */
  private async contactRecord(contactId: string): Promise<ContactRecord | undefined> {
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: `${this.config.contactRecordsPrefix}${contactId}.json` }));
      const record = JSON.parse(await res.Body!.transformToString('utf8')) as ContactRecord;
      return record && typeof record === 'object' ? record : undefined;
    } catch (err) {
      const e = err as { name?: string };
      if (e.name === 'NoSuchKey' || e.name === 'NotFound') return undefined;
      if (err instanceof SyntaxError) {
        console.error(`[broker] the contact record of ${contactId} is not JSON`);
        return undefined;
      }
      throw err;
    }
  }

  private async storage<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (err) {
      // What failed (endpoint, address, the store's message) is for the operator's log only.
      const e = err as { name?: string; message?: string };
      console.error(`[broker] reading the ${what} in s3://${this.config.bucket}/${this.config.connectPrefix} failed: ${e.name ?? ''} ${e.message ?? ''}`);
      throw new BrokerError('StorageUnavailable', 'the listing of recordings cannot be read');
    }
  }
}
