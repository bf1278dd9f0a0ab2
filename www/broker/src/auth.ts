/**
 * Sign-in: every API request carries `Authorization: Bearer <token>`, a JWT from the configured
 * OpenID Connect issuer, verified with `jose`:
 *   - signature against the issuer's JWKS (from its discovery document, or CALLSEAL_OIDC_JWKS_URL),
 *     with an algorithm of the allow-list only (never `none`, never an HMAC: the keys are public);
 *   - `iss` is the issuer; `exp` present and not passed, `nbf` (when present) reached, both with
 *     the configured clock tolerance;
 *   - audience: an ID token's `aud` holds the client id (and `azp` is it when `aud` lists others);
 *     a Cognito access token (`token_use: access`, no `aud`) has `client_id` equal to it; any other
 *     `token_use` is refused.
 * The verified claims name the user and role (users.ts). The token itself is never logged or
 * audited, and no error message quotes it.
 */
import type { IncomingMessage } from 'node:http';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { OidcConfig } from './config.js';
import { BrokerError } from './errors.js';
import { type User, userFromClaims } from './users.js';

const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/i;
const MAX_TOKEN_CHARS = 8192;
const FETCH_TIMEOUT_MS = 5000;

export class Authenticator {
  private keys?: Promise<JWTVerifyGetKey>;

  constructor(private readonly oidc: OidcConfig) {}

  /** The signed-in user of a request, or a refusal: InvalidToken (401), AccessDenied (no role), IdentityProviderUnavailable. */
  async identify(req: IncomingMessage): Promise<User> {
    const header = req.headers.authorization;
    if (!header) throw new BrokerError('InvalidToken', 'no bearer token: sign in and send Authorization: Bearer <ID token>');
    const token = header.length <= MAX_TOKEN_CHARS ? BEARER.exec(header)?.[1] : undefined;
    if (!token) throw new BrokerError('InvalidToken', 'the Authorization header is not "Bearer <JWT>"');
    const claims = await this.verify(token);
    return userFromClaims(claims, this.oidc.groupsClaim);
  }

  private async verify(token: string): Promise<JWTPayload> {
    const getKey = await this.jwks();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, getKey, {
        issuer: this.oidc.issuer,
        algorithms: this.oidc.algorithms,
        clockTolerance: this.oidc.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (err) {
      throw refusal(err);
    }
    checkAudience(payload, this.oidc.clientId);
    return payload;
  }

  /** The issuer's key set (fetched lazily, cached and refreshed by jose; a failed discovery is retried on the next request). */
  private jwks(): Promise<JWTVerifyGetKey> {
    this.keys ??= this.discover().catch((err) => {
      this.keys = undefined;
      throw err;
    });
    return this.keys;
  }

  private async discover(): Promise<JWTVerifyGetKey> {
    let jwksUrl = this.oidc.jwksUrl;
    if (!jwksUrl) {
      const where = `${this.oidc.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
      let meta: { issuer?: unknown; jwks_uri?: unknown };
      try {
        const res = await fetch(where, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error' });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        meta = await res.json() as typeof meta;
      } catch (err) {
        throw new BrokerError('IdentityProviderUnavailable', `the identity provider's discovery document could not be read (${(err as Error).name})`);
      }
      if (meta.issuer !== this.oidc.issuer || typeof meta.jwks_uri !== 'string') {
        throw new BrokerError('IdentityProviderUnavailable', 'the identity provider\'s discovery document names another issuer or no jwks_uri');
      }
      jwksUrl = meta.jwks_uri;
    }
    return createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: FETCH_TIMEOUT_MS, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
  }
}

/** The audience rule of ID tokens and of Cognito access tokens (see the module comment). */
function checkAudience(claims: JWTPayload, clientId: string) {
  const use = claims.token_use;
  if (use === 'access') {
    if (claims.client_id !== clientId) throw new BrokerError('InvalidToken', 'the access token was issued to another client (client_id)');
    return;
  }
  if (use !== undefined && use !== 'id') throw new BrokerError('InvalidToken', 'the token is neither an ID token nor an access token (token_use)');
  const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
  if (!aud.includes(clientId)) throw new BrokerError('InvalidToken', 'the token is for another audience (aud)');
  if (aud.length > 1 && claims.azp !== clientId) throw new BrokerError('InvalidToken', 'the token lists several audiences and another authorized party (azp)');
}

/** jose's refusal as the broker's: the key set unreachable is the provider's fault (503), anything else the token's (401). */
function refusal(err: unknown): BrokerError {
  if (err instanceof BrokerError) return err;
  if (err instanceof errors.JWKSTimeout || !(err instanceof errors.JOSEError)) {
    return new BrokerError('IdentityProviderUnavailable', `the identity provider's keys could not be read (${(err as Error).name})`);
  }
  const claim = err instanceof errors.JWTClaimValidationFailed ? ` (${err.claim})` : '';
  return new BrokerError('InvalidToken', `the bearer token is not valid: ${err.code}${claim}`);
}
