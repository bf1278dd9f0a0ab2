/**
 * Authorisation: the user's role policies (www/broker/policies/<Role>.json, IAM identity policies)
 * evaluated by callseal's own policy engine, `evaluate(request, policies)` from the npm package
 * built into pkg/ (scripts/build-wasm.sh). The broker asks two questions per object:
 *   s3:GetObject on the object's ARN       before it signs a URL,
 *   kms:Decrypt on the key, with the message's encryption context as kms:EncryptionContext:* keys,
 *                                           before it unwraps a data key.
 * Only the decision 'Allow' grants; 'ExplicitDeny', 'ImplicitDeny' or an engine failure refuse.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BrokerConfig } from './config.js';
import { importCallseal, localEntry } from './callseal.js';
import { BrokerError } from './errors.js';
import { type Role, type User, principalOf } from './users.js';

export type ContextValue = string | string[];

/** What callseal's evaluate takes (see pkg-config/src/lib/policy.ts). */
export interface EvaluationRequest {
  principal: string;
  action: string;
  resource: string;
  context: Record<string, ContextValue>;
}
export interface EvaluationResult {
  decision: 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';
  [more: string]: unknown;
}
type Evaluate = (request: EvaluationRequest, policies: { identity: string[] }) => EvaluationResult | Promise<EvaluationResult>;

export interface Decision {
  allowed: boolean;
  decision: EvaluationResult['decision'];
  action: string;
  resource: string;
}

const here = dirname(fileURLToPath(import.meta.url));
export const POLICY_DIR = resolve(here, '../policies');

/** The role policies with this deployment's names filled in (policy text, as the engine takes it). */
export function rolePolicies(config: BrokerConfig): Record<Role, string> {
  const fill = (text: string) => text
    .replaceAll('{{ACCOUNT_ID}}', config.accountId)
    .replaceAll('{{REGION}}', config.region)
    .replaceAll('{{BUCKET}}', config.bucket)
    .replaceAll('{{CONNECT_INSTANCE_ID}}', config.connectInstanceId)
    .replaceAll('{{KMS_KEY_ARN}}', config.kmsKeyArn);
  const load = (role: Role) => fill(readFileSync(join(POLICY_DIR, `${role}.json`), 'utf8'));
  return { Administrator: load('Administrator'), Supervisor: load('Supervisor'), Agent: load('Agent') };
}

let engine: Promise<Evaluate> | undefined;

/**
 * callseal's evaluate: the module CALLSEAL_POLICY_MODULE names when it is set (that one only),
 * else the installed package ('callseal/policy', then 'callseal'), else the local build in pkg/
 * (its Node entry). Loaded once.
 */
export function loadEvaluate(config: BrokerConfig): Promise<Evaluate> {
  engine ??= importCallseal<Evaluate>('evaluate', config.policyModule
    ? [pathToFileURL(resolve(config.policyModule)).href]
    : ['callseal/policy', 'callseal', localEntry('policy'), localEntry('index')]);
  engine.catch(() => { engine = undefined; }); // retry on the next request (pkg may appear later)
  return engine;
}

export class Authorizer {
  private readonly policies: Record<Role, string>;

  constructor(private readonly config: BrokerConfig) {
    this.policies = rolePolicies(config);
  }

  /** Request context keys IAM would set for this user's session (plus the caller's extras). */
  private baseContext(user: User, sourceIp: string): Record<string, ContextValue> {
    const p = principalOf(user, this.config.accountId);
    return {
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

  async check(user: User, action: string, resource: string, sourceIp: string, extra: Record<string, ContextValue> = {}): Promise<Decision> {
    let evaluate: Evaluate;
    try {
      evaluate = await loadEvaluate(this.config);
    } catch (err) {
      // Where it looked (file-system paths) is for the operator, not the caller.
      console.error(`[broker] ${(err as Error).message}`);
      throw new BrokerError('PolicyEngineUnavailable', "callseal's policy engine is not available to the broker (build it: make build)");
    }
    const request: EvaluationRequest = {
      principal: principalOf(user, this.config.accountId).sessionArn,
      action,
      resource,
      context: { ...this.baseContext(user, sourceIp), ...extra },
    };
    let result: EvaluationResult;
    try {
      result = await evaluate(request, { identity: [this.policies[user.role]] });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      console.error(`[broker] policy evaluation of ${action} failed: ${e.code ?? ''} ${e.message ?? String(err)}`);
      throw new BrokerError('PolicyEngineUnavailable', `the policy engine could not evaluate ${action}${e.code ? ` (${e.code})` : ''}`);
    }
    return { allowed: result?.decision === 'Allow', decision: result?.decision ?? 'ImplicitDeny', action, resource };
  }

  /** s3:GetObject on one object of the bucket. */
  readObject(user: User, key: string, sourceIp: string) {
    return this.check(user, 's3:GetObject', `arn:aws:s3:::${this.config.bucket}/${key}`, sourceIp);
  }

  /** kms:Decrypt on the recordings key under an encryption context. */
  decrypt(user: User, encryptionContext: Record<string, string>, sourceIp: string) {
    const extra: Record<string, ContextValue> = {
      'kms:CallerAccount': this.config.accountId,
      'kms:EncryptionAlgorithm': 'SYMMETRIC_DEFAULT',
      'kms:EncryptionContextKeys': Object.keys(encryptionContext),
    };
    for (const [k, v] of Object.entries(encryptionContext)) extra[`kms:EncryptionContext:${k}`] = v;
    return this.check(user, 'kms:Decrypt', this.config.kmsKeyArn, sourceIp, extra);
  }

  /** connect:SearchContacts on the instance (the listing). */
  listContacts(user: User, sourceIp: string) {
    const c = this.config;
    return this.check(user, 'connect:SearchContacts', `arn:aws:connect:${c.region}:${c.accountId}:instance/${c.connectInstanceId}`, sourceIp);
  }
}
