// Sign-in at the key broker: only a verified bearer token names a user.
//  - against the stack's identity provider (scripts/stack/idp.mjs): tokens got by a real
//    Authorization Code + PKCE sign-in (its login form posted over HTTP) give each demo user the
//    role of their group; a header naming a user gives nobody anything;
//  - against an issuer this test holds the key of (a JWKS served here), tokens that differ from a
//    good one (accepted: the control) in one way each are refused with 401: another key, alg none,
//    HS256 keyed with the issuer's public key, an algorithm off the allow-list, wrong iss, wrong
//    aud, expired, nbf in the future; Cognito-shaped access tokens (token_use, client_id) too;
//  - real Amazon Cognito-shaped tokens from moto's user pool (on the stack's moto server): the
//    access and ID tokens of the broker's app client give the cognito:groups role, another
//    client's are refused;
//  - no token's text reaches the audit log or the broker's stderr.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { ensureStack, startBroker, readAudit, api, tokenOf } from './helpers.mjs';
import { idpUsers, signIn } from '../support/oidc.mjs';
import { stackDir } from '../../scripts/stack/stack-env.mjs';

const CLIENT = 'callseal-player';
let env, broker, own;
/** Every token sent in this file: none may appear in a log. */
const sent = new Set();
/** Brokers stopped before the log check: their audit and stderr, kept for it. */
const stoppedLogs = [];
const call = (b, path, token, headers = {}) => {
  if (token) sent.add(token);
  return api(b.url, path, { token, headers });
};

/** An issuer whose signing key this test holds: its JWKS on a local port, a broker trusting it. */
async function ownIssuer() {
  const rs = await generateKeyPair('RS256', { extractable: true });
  const ps = await generateKeyPair('PS256', { extractable: true });
  const jwks = { keys: [
    { ...(await exportJWK(rs.publicKey)), kid: 'rs', alg: 'RS256', use: 'sig' },
    { ...(await exportJWK(ps.publicKey)), kid: 'ps', alg: 'PS256', use: 'sig' },
  ] };
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${server.address().port}`;
  const issuer = `${base}/issuer`;
  const settings = { CALLSEAL_OIDC_ISSUER: issuer, CALLSEAL_OIDC_JWKS_URL: `${base}/jwks`, CALLSEAL_OIDC_CLIENT_ID: CLIENT, CALLSEAL_REFUSED_PER_MINUTE: '1000' };
  const b = await startBroker(env, settings);
  const now = Math.floor(Date.now() / 1000);
  const good = { sub: 'u-1', preferred_username: 'dana', groups: ['Supervisor'], aud: CLIENT, iss: issuer, iat: now, exp: now + 600 };
  /** A token with `claims` (over the good ones; undefined removes one), signed as `how` says. */
  const mint = async (claims = {}, { key = rs.privateKey, alg = 'RS256', kid = 'rs' } = {}) => {
    const payload = Object.fromEntries(Object.entries({ ...good, ...claims }).filter(([, v]) => v !== undefined));
    return new SignJWT(payload).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(key);
  };
  return { issuer, settings, broker: b, mint, publicPem: await exportSPKI(rs.publicKey), now, close: async () => { await b.stop(); server.close(); } };
}

before(async () => {
  ({ env } = ensureStack());
  broker = await startBroker(env);
  own = await ownIssuer();
});
after(async () => {
  await broker?.stop();
  await own?.close();
});

describe('the stack\'s identity provider', () => {
  test('a header naming a user makes nobody anyone: X-Callseal-User: carol is refused (401), and ignored beside a token', async () => {
    for (const path of ['/api/me', '/api/recordings']) {
      const r = await call(broker, path, undefined, { 'x-callseal-user': 'carol' });
      assert.equal(r.status, 401, `${path}: ${r.text}`);
      assert.equal(r.json.error.code, 'InvalidToken');
      assert.match(r.headers.get('www-authenticate'), /^Bearer error="invalid_token"/);
    }
    const bob = await tokenOf('bob');
    sent.add(bob);
    const r = await call(broker, '/api/me', bob, { 'x-callseal-user': 'carol' });
    assert.deepEqual(r.json, { user: 'bob', role: 'Agent' });
  });

  test('a real Authorization Code + PKCE sign-in gives each demo user the role of their group', async () => {
    const roles = {};
    for (const user of ['alice', 'bob', 'carol']) {
      const token = await tokenOf(user);
      sent.add(token);
      const r = await call(broker, '/api/me', token);
      assert.equal(r.status, 200, r.text);
      roles[user] = r.json.role;
      assert.equal(r.json.user, user);
    }
    assert.deepEqual(roles, { alice: 'Supervisor', bob: 'Agent', carol: 'Administrator' });
    // The provider's ID tokens live one hour (how long a revoked user keeps access).
    const claims = JSON.parse(Buffer.from((await tokenOf('alice')).split('.')[1], 'base64url'));
    assert.equal(claims.exp - claims.iat, 3600);
    // The sign-in itself checks the password.
    await assert.rejects(
      signIn({ issuer: env.CALLSEAL_OIDC_ISSUER, login: 'carol', password: `${idpUsers(stackDir()).alice.password}`, origin: env.CALLSEAL_ALLOWED_ORIGINS.split(',')[0] }),
      /refused the password of carol/);
  });

  test('a token of the stack\'s provider is refused by a broker that trusts another issuer', async () => {
    const alice = await tokenOf('alice');
    sent.add(alice);
    const r = await call(own.broker, '/api/me', alice);
    assert.equal(r.status, 401);
    assert.equal(r.json.error.code, 'InvalidToken');
  });
});

describe('forged and misdirected tokens (an issuer whose key the test holds)', () => {
  test('control: the good token is accepted', async () => {
    const r = await call(own.broker, '/api/me', await own.mint());
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { user: 'dana', role: 'Supervisor' });
  });

  test('another key, alg none, HS256 keyed with the public key, an algorithm off the allow-list -> 401', async () => {
    const { privateKey: otherKey } = await generateKeyPair('RS256');
    const good = await own.mint();
    const [h, p] = good.split('.');
    const hs256Header = Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'rs', typ: 'JWT' })).toString('base64url');
    const hmac = (secret) => createHmac('sha256', secret).update(`${hs256Header}.${p}`).digest('base64url');
    const forged = {
      'another key (same kid)': await own.mint({}, { key: otherKey }),
      'alg none': new UnsecuredJWT(JSON.parse(Buffer.from(p, 'base64url'))).encode(),
      'alg none, kept header kid': `${Buffer.from(JSON.stringify({ alg: 'none', kid: 'rs' })).toString('base64url')}.${p}.`,
      'HS256 keyed with the public key (PEM)': `${hs256Header}.${p}.${hmac(own.publicPem)}`,
      'HS256 keyed with the public key (JWK JSON)': `${hs256Header}.${p}.${hmac(JSON.stringify({ kty: 'RSA' }))}`,
      'PS256 (in the JWKS, not on the allow-list)': await own.mint({}, { key: (await generateKeyPair('PS256')).privateKey, alg: 'PS256', kid: 'ps' }),
      'signature of another payload': `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url')), groups: ['Administrator'] })).toString('base64url')}.${good.split('.')[2]}`,
      'not a JWT': 'not-a-token',
    };
    for (const [what, token] of Object.entries(forged)) {
      const r = await call(own.broker, '/api/me', token);
      assert.equal(r.status, 401, `${what}: ${r.text}`);
      assert.equal(r.json.error.code, 'InvalidToken', what);
    }
  });

  test('wrong iss, wrong aud, expired, nbf in the future, no exp -> 401; a few seconds of clock skew are tolerated', async () => {
    const now = Math.floor(Date.now() / 1000);
    const refused = {
      'wrong iss': { iss: `${own.issuer}-other` },
      'no iss': { iss: undefined },
      'wrong aud': { aud: 'another-client' },
      'no aud': { aud: undefined },
      'several audiences, azp another': { aud: [CLIENT, 'another-client'], azp: 'another-client' },
      'expired (2 minutes ago)': { exp: now - 120, iat: now - 720 },
      'nbf in the future (2 minutes)': { nbf: now + 120 },
      'no exp': { exp: undefined },
      'token_use refresh': { token_use: 'refresh' },
    };
    for (const [what, claims] of Object.entries(refused)) {
      const r = await call(own.broker, '/api/me', await own.mint(claims));
      assert.equal(r.status, 401, `${what}: ${r.text}`);
      assert.equal(r.json.error.code, 'InvalidToken', what);
    }
    for (const claims of [{ exp: now - 5 }, { nbf: now + 5 }, { aud: [CLIENT, 'x'], azp: CLIENT }, { token_use: 'id' }]) {
      const r = await call(own.broker, '/api/me', await own.mint(claims));
      assert.equal(r.status, 200, `${JSON.stringify(claims)}: ${r.text}`);
    }
  });

  test('Cognito-shaped access tokens: token_use access with the client_id (no aud) is accepted; another client_id is not', async () => {
    const cognito = { aud: undefined, token_use: 'access', client_id: CLIENT, username: 'erin', preferred_username: undefined, 'cognito:groups': ['Agent'] };
    const ownGroups = await startBroker(env, { ...own.settings, CALLSEAL_OIDC_GROUPS_CLAIM: 'cognito:groups' });
    try {
      const ok = await call(ownGroups, '/api/me', await own.mint(cognito));
      assert.equal(ok.status, 200, ok.text);
      assert.deepEqual(ok.json, { user: 'erin', role: 'Agent' });
      for (const [what, claims] of Object.entries({
        'another client_id': { ...cognito, client_id: 'another-client' },
        'no client_id': { ...cognito, client_id: undefined },
        'an access token with only the aud': { ...cognito, client_id: undefined, aud: CLIENT },
      })) {
        const r = await call(ownGroups, '/api/me', await own.mint(claims));
        assert.equal(r.status, 401, `${what}: ${r.text}`);
      }
    } finally {
      await ownGroups.stop();
    }
  });

  test('groups map to roles: the most privileged role group wins; no role group -> 403', async () => {
    const role = async (groups) => (await call(own.broker, '/api/me', await own.mint({ groups }))).json;
    assert.equal((await role(['Agent', 'Supervisor'])).role, 'Supervisor');
    assert.equal((await role(['Administrator', 'Agent'])).role, 'Administrator');
    assert.equal((await role('Agent')).role, 'Agent');
    assert.equal((await role(['administrator', 'Admins'])).error.code, 'AccessDenied');
    assert.equal((await role(undefined)).error.code, 'AccessDenied');
    const badName = await call(own.broker, '/api/me', await own.mint({ preferred_username: 'dana/../carol' }));
    assert.equal(badName.status, 401);
  });

  test('session tags (https://aws.amazon.com/tags) in the shape STS takes them, or 401', async () => {
    const me = async (tags) => call(own.broker, '/api/me', await own.mint({ 'https://aws.amazon.com/tags': tags }));
    assert.equal((await me({ principal_tags: { Queue: ['Billing'], AgentHierarchy: ['Northwind Mobile/Customer Care'] } })).status, 200);
    for (const bad of [
      ['Billing'], { principal_tags: ['Queue'] }, { principal_tags: { Queue: 'Billing' } },
      { principal_tags: { Queue: ['Billing', 'Retention'] } }, { principal_tags: { Queue: [7] } },
      { principal_tags: { 'aws:Queue': ['Billing'] } }, { principal_tags: { Queue: ['Billing'], queue: ['Retention'] } },
      { principal_tags: { Queue: ['a\u202eb'] } }, { principal_tags: { Queue: ['x'.repeat(257)] } },
      { principal_tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`T${i}`, ['v']])) },
    ]) {
      const r = await me(bad);
      assert.equal(r.status, 401, JSON.stringify(bad).slice(0, 80));
      assert.equal(r.json.error.code, 'InvalidToken');
    }
  });
});

/** moto's Cognito (cognito-idp) on the stack's moto server: AWS JSON 1.1 calls, unsigned (moto reads the service from the credential scope). */
const MOTO_AUTH = 'AWS4-HMAC-SHA256 Credential=test/20260101/us-west-2/cognito-idp/aws4_request, SignedHeaders=host, Signature=0';
async function cognito(action, body) {
  const r = await fetch(`${env.CALLSEAL_KMS_ENDPOINT}/`, {
    method: 'POST', body: JSON.stringify(body),
    headers: { 'x-amz-target': `AWSCognitoIdentityProviderService.${action}`, 'content-type': 'application/x-amz-json-1.1', authorization: MOTO_AUTH },
  });
  const text = await r.text();
  assert.ok(r.ok, `${action}: ${r.status} ${text}`);
  return JSON.parse(text || '{}');
}

test('Amazon Cognito tokens (moto\'s user pool): the access token (token_use access, client_id) and the ID token give the cognito:groups role; another app client\'s are refused', async () => {
  const { UserPool: pool } = await cognito('CreateUserPool', { PoolName: 'callseal-signin-test' });
  const clientOf = async (name) => (await cognito('CreateUserPoolClient', { UserPoolId: pool.Id, ClientName: name, ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] })).UserPoolClient.ClientId;
  const [player, other] = [await clientOf('player'), await clientOf('other')];
  await cognito('AdminCreateUser', { UserPoolId: pool.Id, Username: 'dave', MessageAction: 'SUPPRESS', TemporaryPassword: 'Temp-Passw0rd!' });
  await cognito('AdminSetUserPassword', { UserPoolId: pool.Id, Username: 'dave', Password: 'Real-Passw0rd!', Permanent: true });
  await cognito('CreateGroup', { UserPoolId: pool.Id, GroupName: 'Supervisor' });
  await cognito('AdminAddUserToGroup', { UserPoolId: pool.Id, Username: 'dave', GroupName: 'Supervisor' });
  const signInTo = async (ClientId) => (await cognito('AdminInitiateAuth', {
    UserPoolId: pool.Id, ClientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'dave', PASSWORD: 'Real-Passw0rd!' },
  })).AuthenticationResult;
  // The pool's JWKS as moto serves it, served again on a plain local URL (moto answers it only
  // to requests naming cognito-idp, which jose's fetch does not).
  const jwks = await (await fetch(`${env.CALLSEAL_KMS_ENDPOINT}/${pool.Id}/.well-known/jwks.json`, { headers: { authorization: MOTO_AUTH } })).text();
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const b = await startBroker(env, {
    CALLSEAL_OIDC_ISSUER: `https://cognito-idp.us-west-2.amazonaws.com/${pool.Id}`,
    CALLSEAL_OIDC_JWKS_URL: `http://127.0.0.1:${server.address().port}/jwks.json`,
    CALLSEAL_OIDC_CLIENT_ID: player, CALLSEAL_OIDC_GROUPS_CLAIM: 'cognito:groups',
  });
  try {
    const mine = await signInTo(player);
    const claims = JSON.parse(Buffer.from(mine.AccessToken.split('.')[1], 'base64url'));
    assert.deepEqual([claims.token_use, claims.client_id, claims.aud], ['access', player, undefined]);
    for (const token of [mine.AccessToken, mine.IdToken]) {
      const r = await call(b, '/api/me', token);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json, { user: 'dave', role: 'Supervisor' });
    }
    const theirs = await signInTo(other);
    for (const token of [theirs.AccessToken, theirs.IdToken]) {
      const r = await call(b, '/api/me', token);
      assert.equal(r.status, 401, r.text);
      assert.equal(r.json.error.code, 'InvalidToken');
    }
  } finally {
    await b.stop();
    stoppedLogs.push(['audit (Cognito)', readFileSync(b.auditPath, 'utf8')], ['stderr (Cognito)', b.log()]);
    server.close();
  }
});

test('no token text in the audit log or on stderr', async () => {
  assert.ok(sent.size >= 20, `${sent.size} tokens sent`);
  const logs = [
    ['audit (stack issuer)', readFileSync(broker.auditPath, 'utf8')],
    ['audit (own issuer)', readFileSync(own.broker.auditPath, 'utf8')],
    ['stderr (stack issuer)', broker.log()],
    ['stderr (own issuer)', own.broker.log()],
    ...stoppedLogs,
  ];
  assert.ok(readAudit(own.broker.auditPath).some((r) => r.errorCode === 'InvalidToken'), 'refusals are audited');
  for (const token of sent) {
    const parts = token.split('.').filter((x) => x.length >= 16);
    for (const [where, text] of logs) {
      for (const part of parts) assert.ok(!text.includes(part), `${where} holds a token part`);
    }
  }
});
