// The local stack's identity provider: oidc-provider (OpenID Connect), started by up.sh.
//   - its signing key (RS256) and cookie keys are made at start, in memory: a restarted provider
//     has new keys (tokens it issued before no longer verify)
//   - one public client, `callseal-player`: Authorization Code + PKCE (S256) only, no secret, its
//     redirect URIs <page origin>/player/signin.html for each allowed page origin
//   - the demo users of scripts/stack/idp-users.json (name, groups, principal tags), each with a
//     random password made once per stack in <stack>/idp/users.json (mode 600); `groups` (the
//     key broker's role) and `https://aws.amazon.com/tags` (the user's session tags: which queue or
//     agent hierarchy a supervisor oversees) are claims of the ID token (scope `groups`)
//   - its own login form (no development interactions): user name + password, every sign-in
// Settings: CALLSEAL_BIND, CALLSEAL_IDP_PORT, CALLSEAL_ALLOWED_ORIGINS, CALLSEAL_STACK_DIR.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { CLIENT_ID, REDIRECT_PATH, SCOPE } from './idp-client.mjs';

/** The claim AWS STS reads session tags from (AssumeRoleWithWebIdentity): {principal_tags: {Key: [value]}}. */
const PRINCIPAL_TAGS_CLAIM = 'https://aws.amazon.com/tags';
const need = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required (scripts/stack/up.sh sets it)`);
  return v;
};

/**
 * The demo users of idp-users.json with their passwords: a password is made once per user and
 * stack and kept in <stack>/idp/users.json; names, groups and tags are always idp-users.json's.
 */
export function demoUsers(stack) {
  const file = join(stack, 'idp', 'users.json');
  const stored = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const defined = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'idp-users.json'), 'utf8'));
  const users = Object.fromEntries(Object.entries(defined).map(([login, u]) => [login, {
    ...u, password: Object.hasOwn(stored, login) ? stored[login].password : randomBytes(12).toString('base64url'),
  }]));
  if (JSON.stringify(users) !== JSON.stringify(stored)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify(users, null, 2) + '\n', { mode: 0o600 });
  }
  return users;
}

const digest = (s) => createHash('sha256').update(String(s)).digest();
const passwordMatches = (user, password) => user !== undefined && timingSafeEqual(digest(user.password), digest(password));

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The login page: no script, no style; the form posts to this page only. */
function loginPage(uid, { login = '', error = '' } = {}) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<title>Sign in · callseal demo</title></head>
<body>
<h1>Sign in to callseal (demo identity provider)</h1>
${error ? `<p role="alert" id="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" autocomplete="off">
<p><label>User name <input id="login" name="login" required value="${escapeHtml(login)}" autofocus></label></p>
<p><label>Password <input id="password" name="password" type="password" required></label></p>
<p><button id="submit" type="submit">Sign in</button></p>
</form>
</body></html>`;
}

async function readForm(req, max = 4096) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > max) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

export async function startIdp({ host, port, origins, stack }) {
  const issuer = `http://${host}:${port}`;
  const users = demoUsers(stack);
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };

  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: origins.map((o) => `${o}${REDIRECT_PATH}`),
    }],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'profile', 'groups'],
    claims: { openid: ['sub'], profile: ['preferred_username', 'name'], groups: ['groups', PRINCIPAL_TAGS_CLAIM] },
    conformIdTokenClaims: false, // the ID token carries the scopes' claims (groups): the broker reads them there
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    clientBasedCORS: (_ctx, origin) => origins.includes(origin),
    ttl: { AuthorizationCode: 60, IdToken: 3600, AccessToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
    async findAccount(_ctx, sub) {
      const user = Object.hasOwn(users, sub) ? users[sub] : undefined;
      if (!user) return undefined;
      return {
        accountId: sub,
        claims: async () => ({
          sub, preferred_username: sub, name: user.name, groups: user.groups,
          // Session tags as AWS STS takes them from a web identity token (the user's scope).
          ...(user.principalTags ? { [PRINCIPAL_TAGS_CLAIM]: { principal_tags: user.principalTags } } : {}),
        }),
      };
    },
    // The player is this provider's own (first-party) client: it is granted the scopes it asks for
    // without a consent screen.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope(SCOPE);
      await grant.save();
      return grant;
    },
  });

  const pageHeaders = {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // form-action covers the redirects after the form's POST too: they end at the page origins.
    'content-security-policy': `default-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self' ${origins.join(' ')}`,
  };
  const callback = provider.callback();
  const server = createServer(async (req, res) => {
    const m = /^\/interaction\/([A-Za-z0-9_-]{1,64})(\/login)?$/.exec(new URL(req.url, issuer).pathname);
    if (!m) return callback(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      if (details.uid !== m[1]) throw new Error('interaction mismatch');
      if (req.method === 'GET' && !m[2]) {
        res.writeHead(200, pageHeaders).end(loginPage(details.uid));
        return;
      }
      if (req.method !== 'POST' || !m[2]) {
        res.writeHead(405, pageHeaders).end();
        return;
      }
      const form = await readForm(req);
      const login = form.get('login') ?? '';
      const user = Object.hasOwn(users, login) ? users[login] : undefined;
      if (!passwordMatches(user, form.get('password') ?? '')) {
        res.writeHead(401, pageHeaders).end(loginPage(details.uid, { login, error: 'Wrong user name or password.' }));
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
    } catch (err) {
      res.writeHead(400, pageHeaders).end(`<!doctype html><title>Sign-in failed</title><p>Sign-in failed (${escapeHtml(err.name ?? 'Error')}): start again from the player.</p>`);
    }
  });
  await new Promise((ok, fail) => { server.once('error', fail); server.listen(port, host, ok); });
  return { issuer, server };
}

// Run as a program (up.sh): `node scripts/stack/idp.mjs`
if (import.meta.url === `file://${process.argv[1]}`) {
  const origins = need('CALLSEAL_ALLOWED_ORIGINS').split(',').map((o) => o.trim()).filter(Boolean);
  const { issuer } = await startIdp({
    host: need('CALLSEAL_BIND'), port: Number(need('CALLSEAL_IDP_PORT')), origins, stack: need('CALLSEAL_STACK_DIR'),
  });
  console.error(`[idp] ${issuer}  client ${CLIENT_ID}  users ${Object.keys(demoUsers(need('CALLSEAL_STACK_DIR'))).join(', ')}`);
}
