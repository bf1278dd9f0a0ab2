/**
 * Broker settings, all from environment variables. Local stack: `set -a; . .stack/stack.env`
 * (scripts/demo.sh does this). Real AWS: leave CALLSEAL_KMS_ENDPOINT and CALLSEAL_S3_ENDPOINT unset
 * and give the process credentials through the SDK's default chain (instance role, SSO, env).
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The role policies shipped with the broker. */
const POLICY_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../policies');

/** The OpenID Connect issuer whose tokens sign users in (auth.ts). */
export interface OidcConfig {
  issuer: string;
  /** The client the tokens are issued to: an ID token's `aud`, a Cognito access token's `client_id`. */
  clientId: string;
  /** The issuer's JWKS; unset: the `jwks_uri` of its discovery document. */
  jwksUrl?: string;
  /** The claim listing the user's groups (`groups`; Amazon Cognito: `cognito:groups`). */
  groupsClaim: string;
  /** Signature algorithms accepted (asymmetric only). */
  algorithms: string[];
  clockToleranceSeconds: number;
}

export interface BrokerConfig {
  host: string;
  port: number;
  region: string;
  accountId: string;
  kmsKeyArn: string;
  kmsEndpoint?: string;
  s3Endpoint?: string;
  s3ForcePathStyle: boolean;
  bucket: string;
  /** Where the Connect instance's objects are (`connect/<instance alias>/`): the sealed ones are listed. */
  connectPrefix: string;
  /** Where each contact's record is (`<prefix><contact-id>.json`, the contact trace record's fields). */
  contactRecordsPrefix: string;
  connectInstanceId: string;
  allowedOrigins: string[];
  urlExpirySeconds: number;
  unwrapPerMinute: number;
  requestsPerMinute: number;
  /** Requests with a missing or invalid token, per source address (guessing tokens is throttled). */
  refusedPerMinute: number;
  /** The same, from all source addresses together (rotating addresses are throttled too). */
  refusedGlobalPerMinute: number;
  /** Refusals beyond the full records of a window are counted and summarised when it closes. */
  auditWindowSeconds: number;
  /** Where the audit records also go in CloudTrail's log file format (unset: nowhere), and how often. */
  cloudTrailBucket?: string;
  cloudTrailSeconds: number;
  /** One user given the keys of this many distinct objects within the window: an alert record. */
  bulkUnwrapThreshold: number;
  bulkUnwrapWindowSeconds: number;
  maxBodyBytes: number;
  /** Bounds on time: connecting to an AWS endpoint, one attempt of a call, a whole request. */
  awsConnectTimeoutMs: number;
  awsAttemptTimeoutMs: number;
  requestDeadlineMs: number;
  /** KMS calls in flight at once, and how many more may wait for a slot. */
  kmsConcurrency: number;
  kmsQueue: number;
  /** A user's unwrapped data keys kept this long (0: not kept; 300 at most) and how many. */
  keyCacheSeconds: number;
  keyCacheEntries: number;
  /** Where the audit records are written: the file auditLogPath, or S3 objects under s3://auditBucket/auditPrefix (audit-s3.ts). */
  auditSink: 'file' | 's3';
  auditLogPath: string;
  auditBucket?: string;
  auditPrefix: string;
  policyModule?: string;
  /** The role policies, <Role>.json (www/broker/policies unless CALLSEAL_POLICY_DIR is set). */
  policyDir: string;
  hsts: boolean;
  oidc: OidcConfig;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (!v) throw new Error(`${name} is required (local stack: source .stack/stack.env)`);
  return v;
}

function int(env: NodeJS.ProcessEnv, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer in ${min}..${max}, got ${raw}`);
  return n;
}

/** Asymmetric JWS algorithms only: an HMAC "verified" with a public key proves nothing. */
const SIGNATURE_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** An https URL, or http on a loopback host (the local stack). */
function secureUrl(name: string, value: string): string {
  const u = new URL(value);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname))) {
    throw new Error(`${name} must be an https URL (http only on a loopback host): ${value}`);
  }
  return value;
}

function loadOidc(env: NodeJS.ProcessEnv): OidcConfig {
  const algorithms = (env.CALLSEAL_OIDC_ALGORITHMS ?? 'RS256,ES256').split(',').map((a) => a.trim()).filter(Boolean);
  for (const a of algorithms) {
    if (!SIGNATURE_ALGORITHMS.includes(a)) throw new Error(`CALLSEAL_OIDC_ALGORITHMS: "${a}" is not one of ${SIGNATURE_ALGORITHMS.join(', ')}`);
  }
  return {
    issuer: secureUrl('CALLSEAL_OIDC_ISSUER', required(env, 'CALLSEAL_OIDC_ISSUER')),
    clientId: required(env, 'CALLSEAL_OIDC_CLIENT_ID'),
    jwksUrl: env.CALLSEAL_OIDC_JWKS_URL ? secureUrl('CALLSEAL_OIDC_JWKS_URL', env.CALLSEAL_OIDC_JWKS_URL) : undefined,
    groupsClaim: env.CALLSEAL_OIDC_GROUPS_CLAIM || 'groups',
    algorithms,
    clockToleranceSeconds: int(env, 'CALLSEAL_OIDC_CLOCK_TOLERANCE_SECONDS', 30, 0, 300),
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): BrokerConfig {
  const kmsKeyArn = required(env, 'CALLSEAL_KMS_KEY_ARN');
  if (!/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/.test(kmsKeyArn)) {
    throw new Error(`CALLSEAL_KMS_KEY_ARN must be a key ARN (not an alias): ${kmsKeyArn}`);
  }
  const origins = (env.CALLSEAL_ALLOWED_ORIGINS ?? 'http://localhost:5173,http://127.0.0.1:5173,http://localhost:4173,http://127.0.0.1:4173')
    .split(',').map((o) => o.trim()).filter(Boolean);
  for (const o of origins) {
    if (o === '*' || new URL(o).origin !== o) throw new Error(`CALLSEAL_ALLOWED_ORIGINS: "${o}" is not an exact origin`);
  }
  const auditSink = env.CALLSEAL_AUDIT_SINK || 'file';
  if (auditSink !== 'file' && auditSink !== 's3') throw new Error(`CALLSEAL_AUDIT_SINK must be file or s3, got ${auditSink}`);
  return {
    host: env.CALLSEAL_BROKER_HOST ?? '127.0.0.1',
    port: int(env, 'CALLSEAL_BROKER_PORT', 8787, 0, 65535),
    region: env.AWS_REGION ?? kmsKeyArn.split(':')[3],
    accountId: env.CALLSEAL_ACCOUNT_ID ?? kmsKeyArn.split(':')[4],
    kmsKeyArn,
    kmsEndpoint: env.CALLSEAL_KMS_ENDPOINT || undefined,
    s3Endpoint: env.CALLSEAL_S3_ENDPOINT || undefined,
    s3ForcePathStyle: env.CALLSEAL_S3_FORCE_PATH_STYLE === 'true',
    bucket: required(env, 'CALLSEAL_BUCKET'),
    connectPrefix: env.CALLSEAL_CONNECT_PREFIX ?? 'connect/',
    contactRecordsPrefix: env.CALLSEAL_CONTACT_RECORDS_PREFIX ?? 'callseal/contact-records/',
    connectInstanceId: required(env, 'CALLSEAL_CONNECT_INSTANCE_ID'),
    allowedOrigins: origins,
    urlExpirySeconds: int(env, 'CALLSEAL_URL_EXPIRY_SECONDS', 300, 10, 3600),
    unwrapPerMinute: int(env, 'CALLSEAL_UNWRAP_PER_MINUTE', 60, 1, 100_000),
    requestsPerMinute: int(env, 'CALLSEAL_REQUESTS_PER_MINUTE', 600, 1, 1_000_000),
    refusedPerMinute: int(env, 'CALLSEAL_REFUSED_PER_MINUTE', 30, 1, 100_000),
    refusedGlobalPerMinute: int(env, 'CALLSEAL_REFUSED_GLOBAL_PER_MINUTE', 600, 1, 1_000_000),
    auditWindowSeconds: int(env, 'CALLSEAL_AUDIT_WINDOW_SECONDS', 60, 1, 3600),
    cloudTrailBucket: env.CALLSEAL_CLOUDTRAIL_BUCKET || undefined,
    cloudTrailSeconds: int(env, 'CALLSEAL_CLOUDTRAIL_SECONDS', 300, 1, 3600),
    bulkUnwrapThreshold: int(env, 'CALLSEAL_BULK_UNWRAP_THRESHOLD', 50, 1, 1_000_000),
    bulkUnwrapWindowSeconds: int(env, 'CALLSEAL_BULK_UNWRAP_WINDOW_SECONDS', 600, 1, 86_400),
    maxBodyBytes: int(env, 'CALLSEAL_MAX_BODY_BYTES', 16 * 1024, 1024, 1024 * 1024),
    awsConnectTimeoutMs: int(env, 'CALLSEAL_AWS_CONNECT_TIMEOUT_MS', 1000, 10, 60_000),
    awsAttemptTimeoutMs: int(env, 'CALLSEAL_AWS_ATTEMPT_TIMEOUT_MS', 2000, 10, 60_000),
    requestDeadlineMs: int(env, 'CALLSEAL_REQUEST_DEADLINE_MS', 5000, 100, 60_000),
    kmsConcurrency: int(env, 'CALLSEAL_KMS_CONCURRENCY', 32, 1, 10_000),
    kmsQueue: int(env, 'CALLSEAL_KMS_QUEUE', 256, 0, 100_000),
    keyCacheSeconds: int(env, 'CALLSEAL_KEY_CACHE_SECONDS', 300, 0, 300),
    keyCacheEntries: int(env, 'CALLSEAL_KEY_CACHE_ENTRIES', 10_000, 1, 1_000_000),
    auditSink,
    auditLogPath: env.CALLSEAL_AUDIT_LOG ?? '.stack/audit/broker-audit.jsonl',
    auditBucket: auditSink === 's3' ? required(env, 'CALLSEAL_AUDIT_BUCKET') : undefined,
    auditPrefix: env.CALLSEAL_AUDIT_PREFIX ?? 'callseal-audit/',
    policyModule: env.CALLSEAL_POLICY_MODULE || undefined,
    policyDir: env.CALLSEAL_POLICY_DIR || POLICY_DIR,
    hsts: env.CALLSEAL_HSTS === 'true',
    oidc: loadOidc(env),
  };
}
