/**
 * Authorisation: the user's role policies (www/broker/policies/<Role>.json, IAM identity policies)
 * evaluated by callseal's own policy engine, its `PolicyEvaluator` from the npm package built into
 * pkg/ (scripts/build-wasm.sh): each role's policy set compiled once, and again with the key's
 * policy and grants whenever KMS's answer changes, so a request evaluates without parsing policies. Reading an object is one question, `mayRead`, asked
 * alike by the listing, the URL route and the unwrap route; it needs all of
 *   connect:DescribeContact on its contact's ARN, with the contact's queue and agent hierarchy as
 *     aws:ResourceTag/<key> (catalog.ts contactTags) and the user's session tags as
 *     aws:PrincipalTag/<key> (the role policy: which contacts a supervisor oversees; the listing
 *     shows only the contacts this allows),
 *   s3:GetObject on the object's ARN (the role policy), and
 *   kms:Decrypt on the key with the encryption context as kms:EncryptionContext:* keys (the key
 *   policy and the key's grants, read from KMS, together with the role policy: IAM counts only
 *   where the key policy lets the account delegate to it; a grant to the user's role allows on its
 *   own, within its constraints).
 * Only the decision 'Allow' grants; 'ExplicitDeny', 'ImplicitDeny' or an engine failure refuse.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { KeyAccessRules } from './aws.js';
import type { BrokerConfig } from './config.js';
import { type CatalogContact, contactTags } from './catalog.js';
import { importCallseal, localEntry } from './callseal.js';
import { BrokerError } from './errors.js';
import { ROLES, type Role, type User, principalOf } from './users.js';
import type { Decision as EvaluationResult, EvaluationRequest, PolicyEvaluator, PolicySet } from 'callseal/policy';

/** What the broker puts in a request's context: strings and lists of strings. */
type ContextValue = string | string[];
/** callseal's PolicyEvaluator (the package's `callseal/policy`): a policy set compiled once. */
type EvaluatorClass = typeof PolicyEvaluator;
type Evaluator = PolicyEvaluator;

export interface Decision {
  allowed: boolean;
  decision: EvaluationResult['decision'];
  action: string;
  resource: string;
}

/** Whether a user may read one object: both answers, and the first that refused. */
export interface ReadDecision {
  allowed: boolean;
  /** 'Allow', or the decision of the first check that refused (connect:DescribeContact, s3:GetObject, kms:Decrypt). */
  decision: EvaluationResult['decision'];
  contact: Decision;
  read: Decision;
  decrypt: Decision;
}

/** The role policies with this deployment's names filled in (policy text, as the engine takes it). */
export function rolePolicies(config: BrokerConfig): Record<Role, string> {
  const fill = (text: string) => text
    .replaceAll('{{ACCOUNT_ID}}', config.accountId)
    .replaceAll('{{REGION}}', config.region)
    .replaceAll('{{BUCKET}}', config.bucket)
    .replaceAll('{{CONNECT_INSTANCE_ID}}', config.connectInstanceId)
    .replaceAll('{{KMS_KEY_ARN}}', config.kmsKeyArn);
  return Object.fromEntries(ROLES.map((role) => [role, fill(readFileSync(join(config.policyDir, `${role}.json`), 'utf8'))])) as Record<Role, string>;
}

let engine: Promise<EvaluatorClass> | undefined;

/**
 * callseal's PolicyEvaluator: the module CALLSEAL_POLICY_MODULE names when it is set (that one
 * only), else the installed package ('callseal/policy', then 'callseal'), else the local build in
 * pkg/ (its Node entry). Loaded once.
 */
export function loadEvaluator(config: BrokerConfig): Promise<EvaluatorClass> {
  engine ??= importCallseal<EvaluatorClass>('PolicyEvaluator', config.policyModule
    ? [pathToFileURL(resolve(config.policyModule)).href]
    : ['callseal/policy', 'callseal', localEntry('policy'), localEntry('index')]);
  engine.catch(() => { engine = undefined; }); // retry on the next request (pkg may appear later)
  return engine;
}

export class Authorizer {
  private readonly policies: Record<Role, string>;
  /** Each role's policy, compiled alone (connect: and s3: requests). */
  private readonly alone = new Map<Role, Evaluator>();
  /** Each role's policy compiled with the key's policy and grants of `rules` (kms: requests). */
  private withKey?: { rules: KeyAccessRules; byRole: Map<Role, Evaluator> };

  /** `keyAccess` gives the KMS key's current key policy and grants (aws.ts KeyAccess). */
  constructor(private readonly config: BrokerConfig, private readonly keyAccess: () => Promise<KeyAccessRules>) {
    this.policies = rolePolicies(config);
  }

  /** Request context keys IAM would set for this user's session (plus the caller's extras). */
  private baseContext(user: User, sourceIp: string): Record<string, ContextValue> {
    const p = principalOf(user, this.config.accountId);
    const tags = Object.entries(user.principalTags).map(([k, v]) => [`aws:PrincipalTag/${k}`, v]);
    return {
      ...Object.fromEntries(tags),
      'aws:PrincipalArn': p.roleArn,
      'aws:PrincipalAccount': this.config.accountId,
      'aws:PrincipalType': 'AssumedRole',
      'aws:userid': `${p.roleName}:${user.name}`,
      'aws:username': user.name,
      'aws:CurrentTime': new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      'aws:SourceIp': sourceIp,
      'aws:SecureTransport': 'false',
    };
  }

  /**
   * The role's compiled policy set, alone or with the key's `rules`; compiled on first use. A
   * new `rules` (KMS's answer read again) replaces the sets compiled with the previous one, which
   * are freed: callers evaluate at once, synchronously, so none is in use.
   */
  private compiled(Compiled: EvaluatorClass, role: Role, key?: KeyAccessRules): Evaluator {
    const identity = [this.policies[role]];
    if (!key) {
      let e = this.alone.get(role);
      if (!e) this.alone.set(role, e = new Compiled({ identity }));
      return e;
    }
    if (this.withKey?.rules !== key) {
      for (const e of this.withKey?.byRole.values() ?? []) e.free();
      this.withKey = { rules: key, byRole: new Map() };
    }
    let e = this.withKey.byRole.get(role);
    // The SDK types ListGrants' entries with every field optional; the engine refuses an entry it
    // cannot fully read (MALFORMED_POLICY), so they go in as the entries the package's type names.
    const grants = key.grants as PolicySet['grants'];
    if (!e) this.withKey.byRole.set(role, e = new Compiled({ identity, kmsKeyPolicy: key.policy, grants }));
    return e;
  }

  private async check(
    user: User, action: string, resource: string, sourceIp: string,
    extra: Record<string, ContextValue> = {}, key?: KeyAccessRules,
  ): Promise<Decision> {
    let Compiled: EvaluatorClass;
    try {
      Compiled = await loadEvaluator(this.config);
    } catch (err) {
      // Where it looked (file-system paths) is for the operator, not the caller.
      console.error(`[broker] ${(err as Error).message}`);
      throw new BrokerError('PolicyEngineUnavailable', "callseal's policy engine is not available to the broker (build it: make build)");
    }
    const request: EvaluationRequest = {
      principal: principalOf(user, this.config.accountId).sessionArn,
      action,
      resource,
      ...(resource.startsWith('arn:aws:s3:::') ? { resourceAccount: this.config.accountId } : {}),
      context: { ...this.baseContext(user, sourceIp), ...extra },
    };
    let result: EvaluationResult;
    try {
      // Compiled (or found) and evaluated in one synchronous step.
      result = this.compiled(Compiled, user.role, key).evaluate(request);
    } catch (err) {
      const e = err as { code?: string; message?: string };
      console.error(`[broker] policy evaluation of ${action} failed: ${e.code ?? ''} ${e.message ?? String(err)}`);
      throw new BrokerError('PolicyEngineUnavailable', `the policy engine could not evaluate ${action}${e.code ? ` (${e.code})` : ''}`);
    }
    return { allowed: result?.decision === 'Allow', decision: result?.decision ?? 'ImplicitDeny', action, resource };
  }

  /**
   * May `user` read the object of `contact` stored at `key`, encrypted under `encryptionContext`:
   * connect:DescribeContact on the contact, s3:GetObject on the object and kms:Decrypt of its data
   * key under that context. The one check behind the listing's mayRead, a pre-signed URL and an
   * unwrap.
   */
  async mayRead(
    user: User, contact: CatalogContact, key: string, encryptionContext: Record<string, string>, sourceIp: string,
  ): Promise<ReadDecision> {
    const [described, read, decrypt] = await Promise.all([
      this.describeContact(user, contact, sourceIp),
      this.readObject(user, key, sourceIp),
      this.decrypt(user, encryptionContext, sourceIp),
    ]);
    const refused = [described, read, decrypt].find((d) => !d.allowed);
    return { allowed: !refused, decision: refused?.decision ?? 'Allow', contact: described, read, decrypt };
  }

  /**
   * connect:DescribeContact on one contact, its queue and agent hierarchy as the contact's tags:
   * whether the user's scope covers it (the listing shows only such contacts).
   */
  describeContact(user: User, contact: CatalogContact, sourceIp: string) {
    const c = this.config;
    const tags = Object.entries(contactTags(contact.contactRecord)).map(([k, v]) => [`aws:ResourceTag/${k}`, v]);
    return this.check(user, 'connect:DescribeContact',
      `arn:aws:connect:${c.region}:${c.accountId}:instance/${c.connectInstanceId}/contact/${contact.contactId}`, sourceIp,
      Object.fromEntries(tags));
  }

  /** s3:GetObject on one object of the bucket (an S3 ARN names no account: the broker's). */
  private readObject(user: User, key: string, sourceIp: string) {
    return this.check(user, 's3:GetObject', `arn:aws:s3:::${this.config.bucket}/${key}`, sourceIp);
  }

  /** kms:Decrypt on the recordings key under an encryption context, with the key's key policy and grants. */
  private async decrypt(user: User, encryptionContext: Record<string, string>, sourceIp: string) {
    const extra: Record<string, ContextValue> = {
      'kms:CallerAccount': this.config.accountId,
      'kms:EncryptionAlgorithm': 'SYMMETRIC_DEFAULT',
      'kms:EncryptionContextKeys': Object.keys(encryptionContext),
    };
    for (const [k, v] of Object.entries(encryptionContext)) extra[`kms:EncryptionContext:${k}`] = v;
    return this.check(user, 'kms:Decrypt', this.config.kmsKeyArn, sourceIp, extra, await this.keyAccess());
  }

  /** connect:SearchContacts on the instance (the listing). */
  listContacts(user: User, sourceIp: string) {
    const c = this.config;
    return this.check(user, 'connect:SearchContacts', `arn:aws:connect:${c.region}:${c.accountId}:instance/${c.connectInstanceId}`, sourceIp);
  }
}
