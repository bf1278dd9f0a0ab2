/**
 * The playground's whole state: the policy tabs and the request. Kept in the URL fragment
 * (lz-string compressed, so a link carries it and no server ever sees it) and in localStorage.
 */
import { compressToEncodedURIComponent, decompressFromEncodedURIComponent } from 'lz-string';
import type { EvaluationRequest, PolicySet, PolicyType } from 'callseal/policy';

/** What a tab holds: the validator's policy type plus the evaluator's slot for it. */
export type PolicyKind = 'identity' | 'boundary' | 'session' | 'resource' | 'kms-key' | 'trust' | 'scp' | 'rcp';

export interface KindInfo {
  /** The type `validatePolicy` checks it as. */
  policyType: PolicyType;
}

/** Each kind's label is the message `kind.<kind>` (i18n/). */
export const KINDS: Record<PolicyKind, KindInfo> = {
  identity: { policyType: 'identity' },
  'kms-key': { policyType: 'kms-key' },
  resource: { policyType: 'resource' },
  trust: { policyType: 'trust' },
  scp: { policyType: 'scp' },
  rcp: { policyType: 'rcp' },
  boundary: { policyType: 'identity' },
  session: { policyType: 'identity' },
};

export const isKind = (v: unknown): v is PolicyKind => typeof v === 'string' && Object.hasOwn(KINDS, v);

export interface TabState {
  name: string;
  kind: PolicyKind;
  text: string;
}

export interface RequestState {
  principal: string;
  action: string;
  resource: string;
  resourceAccount: string;
  /** [key, value] rows; a value written as a JSON array is a multi-valued key. */
  context: [string, string][];
}

export interface PlaygroundState {
  v: 1;
  tabs: TabState[];
  active: number;
  request: RequestState;
}

const STORAGE_KEY = 'callseal.playground.v1';
const HASH_PREFIX = '#s=';

// ------------------------------------------------------------------------------------------
// Reading: whatever comes from a link or storage is untrusted input, checked field by field.
// ------------------------------------------------------------------------------------------

const str = (v: unknown, max = 100_000): string | undefined => (typeof v === 'string' && v.length <= max ? v : undefined);

function readTab(v: unknown): TabState | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const name = str(o.name, 80);
  const text = str(o.text, 200_000);
  if (name === undefined || text === undefined || !isKind(o.kind)) return undefined;
  return { name, kind: o.kind, text };
}

function readRequest(v: unknown): RequestState | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const context: [string, string][] = [];
  if (Array.isArray(o.context)) {
    for (const row of o.context.slice(0, 100)) {
      if (Array.isArray(row) && typeof row[0] === 'string' && typeof row[1] === 'string') context.push([row[0], row[1]]);
    }
  }
  return {
    principal: str(o.principal, 2048) ?? '',
    action: str(o.action, 256) ?? '',
    resource: str(o.resource, 2048) ?? '',
    resourceAccount: str(o.resourceAccount, 64) ?? '',
    context,
  };
}

/** Parses a state from its JSON form; undefined when it is not one. */
export function readState(v: unknown): PlaygroundState | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  if (o.v !== 1 || !Array.isArray(o.tabs)) return undefined;
  const tabs = o.tabs.slice(0, 20).map(readTab).filter((t): t is TabState => t !== undefined);
  const request = readRequest(o.request);
  if (tabs.length === 0 || !request) return undefined;
  const active = typeof o.active === 'number' && Number.isInteger(o.active) && o.active >= 0 && o.active < tabs.length ? o.active : 0;
  return { v: 1, tabs, active, request };
}

function parse(json: string | null): PlaygroundState | undefined {
  if (!json) return undefined;
  try {
    return readState(JSON.parse(json));
  } catch {
    return undefined;
  }
}

/** The state a link carries in its fragment, if any. */
export function stateFromHash(hash: string): PlaygroundState | undefined {
  if (!hash.startsWith(HASH_PREFIX)) return undefined;
  return parse(decompressFromEncodedURIComponent(hash.slice(HASH_PREFIX.length)));
}

export function stateFromStorage(): PlaygroundState | undefined {
  try {
    return parse(localStorage.getItem(STORAGE_KEY));
  } catch {
    return undefined; // storage disabled
  }
}

// ------------------------------------------------------------------------------------------
// Writing
// ------------------------------------------------------------------------------------------

export function hashOf(state: PlaygroundState): string {
  return HASH_PREFIX + compressToEncodedURIComponent(JSON.stringify(state));
}

/** Writes the state to the URL (replacing the history entry) and to localStorage. */
export function persist(state: PlaygroundState): void {
  const hash = hashOf(state);
  if (location.hash !== hash) history.replaceState(null, '', hash);
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
  } catch {
    // storage full or disabled: the link still carries the state
  }
}

// ------------------------------------------------------------------------------------------
// To the evaluator
// ------------------------------------------------------------------------------------------

/** Where each tab went in the PolicySet, by the evaluator's policy label ("identity[0]", "kmsKeyPolicy"...). */
export interface Assembled {
  policies: PolicySet;
  /** Evaluator label -> tab index. */
  labels: Map<string, number>;
  /** Tabs left out: a second tab for a slot that takes one policy (e.g. a second KMS key policy). */
  skipped: { tab: number; slot: SingleSlot }[];
}

/** The evaluator's slots that take one policy. */
export type SingleSlot = 'resource' | 'kmsKeyPolicy' | 'boundary' | 'session';

export function assemblePolicies(tabs: readonly TabState[]): Assembled {
  const policies: PolicySet = {};
  const labels = new Map<string, number>();
  const skipped: Assembled['skipped'] = [];
  const single = (slot: SingleSlot, text: string, i: number): void => {
    if (policies[slot] !== undefined) {
      skipped.push({ tab: i, slot });
      return;
    }
    policies[slot] = text;
    labels.set(slot, i);
  };
  tabs.forEach((tab, i) => {
    switch (tab.kind) {
      case 'identity':
        labels.set(`identity[${(policies.identity ??= []).length}]`, i);
        policies.identity.push(tab.text);
        break;
      case 'scp':
        labels.set(`scps[${(policies.scps ??= []).length}]`, i);
        policies.scps.push(tab.text);
        break;
      case 'rcp':
        labels.set(`rcps[${(policies.rcps ??= []).length}]`, i);
        policies.rcps.push(tab.text);
        break;
      case 'kms-key':
        single('kmsKeyPolicy', tab.text, i);
        break;
      // A role's trust policy is the resource policy of the role (for sts:AssumeRole requests).
      case 'resource':
      case 'trust':
        single('resource', tab.text, i);
        break;
      case 'boundary':
        single('boundary', tab.text, i);
        break;
      case 'session':
        single('session', tab.text, i);
        break;
    }
  });
  return { policies, labels, skipped };
}

/** A context value as typed: a JSON array of strings is multi-valued; anything else a string. */
export function contextValue(text: string): string | string[] {
  const t = text.trim();
  if (t.startsWith('[')) {
    try {
      const v: unknown = JSON.parse(t);
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
    } catch {
      // not an array: the text itself
    }
  }
  return text;
}

export function toRequest(r: RequestState): EvaluationRequest {
  const context: Record<string, string | string[]> = {};
  for (const [k, v] of r.context) if (k.trim()) context[k.trim()] = contextValue(v);
  return {
    principal: r.principal.trim(),
    action: r.action.trim(),
    resource: r.resource.trim(),
    ...(r.resourceAccount.trim() ? { resourceAccount: r.resourceAccount.trim() } : {}),
    context,
  };
}
