// Signing in to the local stack's identity provider (scripts/stack/idp.mjs) over HTTP, as a
// browser would: Authorization Code + PKCE (oauth4webapi builds the request, checks the answer
// and redeems the code), the provider's login form filled and posted, its cookies kept between
// the redirects. Returns the token endpoint's answer (id_token, access_token) and the ID token's
// claims as oauth4webapi validated them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as oauth from 'oauth4webapi';
import { CLIENT_ID, REDIRECT_PATH, SCOPE } from '../../scripts/stack/idp-client.mjs';

/** The demo users and their passwords (made by the provider at its first start). */
export const idpUsers = (stack) => JSON.parse(readFileSync(join(stack, 'idp', 'users.json'), 'utf8'));

/** The redirect URI of the player on a page origin (one the provider registered). */
export const redirectUriFor = (origin) => `${origin}${REDIRECT_PATH}`;

/** A minimal cookie jar: name=value pairs per response, sent back on every request. */
function cookieJar() {
  const jar = new Map();
  return {
    header: () => [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
    take(res) {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const i = pair.indexOf('=');
        jar.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
      }
    },
  };
}

/**
 * Signs `login` in with `password`; throws when the provider refuses. `origin` is the page origin
 * whose redirect URI the code is sent to (never visited: the code is read from the redirect).
 */
export async function signIn({ issuer, login, password, origin }) {
  const issuerUrl = new URL(issuer);
  const opts = { [oauth.allowInsecureRequests]: true };
  const as = await oauth.processDiscoveryResponse(issuerUrl, await oauth.discoveryRequest(issuerUrl, opts));
  const client = { client_id: CLIENT_ID };
  const redirectUri = redirectUriFor(origin);
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const auth = new URL(as.authorization_endpoint);
  for (const [k, v] of Object.entries({
    client_id: CLIENT_ID, redirect_uri: redirectUri, response_type: 'code', scope: SCOPE, state, nonce, prompt: 'login',
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  })) auth.searchParams.set(k, v);

  const jar = cookieJar();
  const go = async (url, init = {}) => {
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...init.headers, cookie: jar.header() } });
    jar.take(res);
    return res;
  };
  // /auth -> 303 to the login form
  let res = await go(auth);
  let url = new URL(res.headers.get('location'), issuer);
  res = await go(url);
  if (res.status !== 200) throw new Error(`the login form answered ${res.status}`);
  const action = /<form method="post" action="([^"]+)"/.exec(await res.text())?.[1];
  if (!action) throw new Error('no login form');
  res = await go(new URL(action, url), {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ login, password }).toString(),
  });
  if (res.status === 401) throw new Error(`the identity provider refused the password of ${login}`);
  // login -> /auth/<uid> (resume) -> the redirect URI with ?code
  for (let hops = 0; hops < 5; hops++) {
    url = new URL(res.headers.get('location') ?? '', issuer);
    if (url.href.startsWith(redirectUri)) break;
    res = await go(url);
  }
  if (!url.href.startsWith(redirectUri)) throw new Error(`the sign-in did not come back to ${redirectUri}`);
  const params = oauth.validateAuthResponse(as, client, url, state);
  const tokens = await oauth.processAuthorizationCodeResponse(as, client,
    await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, verifier, opts),
    { expectedNonce: nonce });
  return { ...tokens, claims: oauth.getValidatedIdTokenClaims(tokens) };
}

/** The ID token of a demo user of the stack whose settings are `env` (stack.env) and folder `stack`. */
export async function idToken(env, stack, login) {
  const origin = env.CALLSEAL_ALLOWED_ORIGINS.split(',')[0];
  return (await signIn({ issuer: env.CALLSEAL_OIDC_ISSUER, login, password: idpUsers(stack)[login].password, origin })).id_token;
}

/**
 * Signs `login` in on an open player page (Playwright) as a person does: the Sign in button opens
 * the provider's form in a pop-up, filled and sent; the pop-up closes itself once back.
 */
export async function signInPlayer(page, stack, login) {
  const { password } = idpUsers(stack)[login];
  const [popup] = await Promise.all([page.context().waitForEvent('page'), page.click('#signin')]);
  await popup.waitForSelector('#login', { timeout: 20_000 });
  await popup.fill('#login', login);
  await popup.fill('#password', password);
  await Promise.all([popup.waitForEvent('close', { timeout: 20_000 }), popup.click('#submit')]);
}
