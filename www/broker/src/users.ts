/**
 * Who a verified token names, and what role that gives: the token's groups claim (e.g. `groups`
 * of the local identity provider, `cognito:groups` of Amazon Cognito) names callseal's roles, each
 * with its policy in www/broker/policies/<Role>.json. A user in several role groups gets the first
 * in ROLES' order; a user in none is refused.
 */
import type { JWTPayload } from 'jose';
import { BrokerError } from './errors.js';

/** The roles, most privileged first. */
export const ROLES = ['Administrator', 'Supervisor', 'Agent'] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  /** The name in the audit's session ARN: preferred_username (or Cognito's username), else sub. */
  name: string;
  /** The token's `sub`. */
  subject: string;
  role: Role;
}

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
  return { name, subject, role };
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
