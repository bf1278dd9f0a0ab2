/**
 * Who a verified token names, and what role that gives: the token's groups claim (e.g. `groups`
 * of the local identity provider, `cognito:groups` of Amazon Cognito) names callseal's roles, each
 * with its policy in www/broker/policies/<Role>.json. A user in several role groups gets the first
 * in ROLES' order; a user in none is refused.
 *
 * The user's scope (Amazon Connect's routing profile queues and agent hierarchy group of a security
 * profile) comes as session tags, in the claim AWS STS reads them from when a role is assumed with
 * a web identity token: `"https://aws.amazon.com/tags": {"principal_tags": {"Queue": ["Billing"]}}`.
 * They are the session's aws:PrincipalTag/<key> keys, which the role policies compare with the
 * contact's tags.
 */
import type { JWTPayload } from 'jose';
import { BrokerError } from './errors.js';

/** The roles, most privileged first. */
export const ROLES = ['Administrator', 'Supervisor', 'QualityAnalyst', 'Agent'] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  /** The name in the audit's session ARN: preferred_username (or Cognito's username), else sub. */
  name: string;
  /** The token's `sub`. */
  subject: string;
  role: Role;
  /** Session tags (aws:PrincipalTag/<key>): one string value per key. */
  principalTags: Record<string, string>;
}

export const PRINCIPAL_TAGS_CLAIM = 'https://aws.amazon.com/tags';
/** IAM's session tag limits: 50 tags, keys 1..128 and values 0..256 of these characters, no aws: keys. */
const MAX_TAGS = 50;
const TAG_KEY = /^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/iu;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

/** Claims naming the user, first present wins (OIDC, then Cognito ID token, then Cognito access token). */
const NAME_CLAIMS = ['preferred_username', 'cognito:username', 'username', 'sub'];
/** The characters of an IAM role session name (the audit's session ARN ends with the user's name). */
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/** The user a verified token's claims describe; refused when they name no user or no callseal role. */
export function userFromClaims(claims: JWTPayload, groupsClaim: string): User {
  const subject = claims.sub;
  if (typeof subject !== 'string' || !subject) throw new BrokerError('InvalidToken', 'the token has no subject (sub)');
  const name = NAME_CLAIMS.map((c) => claims[c]).find((v): v is string => typeof v === 'string' && v !== '');
  if (!name || !SESSION_NAME.test(name)) throw new BrokerError('InvalidToken', 'the token names no usable user (2 to 64 of A-Z a-z 0-9 _+=,.@-)');
  const raw = claims[groupsClaim];
  const groups = Array.isArray(raw) ? raw.filter((g): g is string => typeof g === 'string') : typeof raw === 'string' ? [raw] : [];
  const role = ROLES.find((r) => groups.includes(r));
  if (!role) throw new BrokerError('AccessDenied', `${name} is in no callseal role group (${ROLES.join(', ')})`);
  return { name, subject, role, principalTags: principalTagsOf(claims[PRINCIPAL_TAGS_CLAIM]) };
}

/**
 * The session tags of the tags claim, as STS takes them: `principal_tags` maps each key to a list of
 * one value. A claim STS would refuse is refused here too (InvalidToken): tags decide what a
 * user may hear, so none are dropped or guessed.
 */
function principalTagsOf(claim: unknown): Record<string, string> {
  if (claim === undefined) return {};
  const bad = (why: string) => new BrokerError('InvalidToken', `the token's session tags (${PRINCIPAL_TAGS_CLAIM}) ${why}`);
  const tags = (claim as { principal_tags?: unknown } | null)?.principal_tags;
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) throw bad('have no principal_tags object');
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS) throw bad(`number more than ${MAX_TAGS}`);
  const out: Record<string, string> = {};
  for (const [key, values] of entries) {
    if (!TAG_KEY.test(key)) throw bad('have a key IAM does not accept');
    if (!Array.isArray(values) || values.length !== 1 || typeof values[0] !== 'string' || !TAG_VALUE.test(values[0])) {
      throw bad(`give ${key.slice(0, 128)} other than one value IAM accepts`);
    }
    if (Object.keys(out).some((k) => k.toLowerCase() === key.toLowerCase())) throw bad(`name ${key.slice(0, 128)} twice (tag keys are case-insensitive)`);
    out[key] = values[0];
  }
  return out;
}

/** IAM names of a user's session: the role they assume and the session ARN CloudTrail would log. */
export function principalOf(user: User, accountId: string) {
  const roleName = `callseal-${user.role}`;
  return {
    roleArn: `arn:aws:iam::${accountId}:role/${roleName}`,
    sessionArn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${user.name}`,
    roleName,
  };
}
