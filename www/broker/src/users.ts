/**
 * Who is asking. DEMO ONLY: the user is picked by the `X-Callseal-User` header (the page offers a
 * user switcher) from three fixed demo users. A real deployment replaces `identify` with its SSO:
 * verify the session (OIDC ID token / SAML assertion / IAM Identity Center) here and map the
 * verified groups to roles. Nothing else in the broker needs to change.
 */
import type { IncomingMessage } from 'node:http';
import { BrokerError } from './errors.js';

export type Role = 'Administrator' | 'Supervisor' | 'Agent';

export interface User {
  name: string;
  role: Role;
}

/** The demo users (as in the seeds' RBAC roles). */
export const DEMO_USERS: Readonly<Record<string, User>> = Object.freeze({
  alice: { name: 'alice', role: 'Supervisor' },
  bob: { name: 'bob', role: 'Agent' },
  carol: { name: 'carol', role: 'Administrator' },
});

export const USER_HEADER = 'x-callseal-user';

/** The requesting user, or a refusal (UnknownUser) when the header is missing or names nobody. */
export function identify(req: IncomingMessage, claimed?: unknown): User {
  const header = req.headers[USER_HEADER];
  const name = Array.isArray(header) ? undefined : header?.trim().toLowerCase();
  if (!name) throw new BrokerError('UnknownUser', `no user: send the ${USER_HEADER} header (demo sign-in)`);
  const user = Object.hasOwn(DEMO_USERS, name) ? DEMO_USERS[name] : undefined;
  if (!user) throw new BrokerError('UnknownUser', `unknown user "${name.slice(0, 64)}"`);
  if (claimed !== undefined && claimed !== user.name) {
    throw new BrokerError('IdentityMismatch', 'the "user" field does not match the signed-in user');
  }
  return user;
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
