/**
 * Sign-in of the pages: OpenID Connect Authorization Code + PKCE (S256) with oauth4webapi, in a
 * pop-up window so that nothing has to outlive a page load: the code verifier, state, nonce and
 * the ID token stay in this page's memory (no storage, no cookie of the page's own). The pop-up
 * goes to the provider's sign-in, comes back to `signin.html` beside the page, which hands its URL
 * (the code and state) over a same-origin BroadcastChannel and closes. Only the answer carrying
 * this attempt's state is taken; the code is redeemed here with the verifier; the ID token's
 * claims are checked (iss, aud, exp, nonce) by oauth4webapi, and its signature by the key broker,
 * which it is sent to as `Authorization: Bearer`.
 */
import * as oauth from 'oauth4webapi';
import { SIGNIN_CHANNEL } from './signin-channel';

export interface SignedIn {
  /** The ID token (a JWT) the key broker verifies. */
  token: string;
  /** `preferred_username`, else `sub`. */
  name: string;
  /** Epoch ms after which the token is expired. */
  expiresAt: number;
}

const SCOPE = 'openid profile groups';
const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];

export class SignIn {
  private server?: Promise<oauth.AuthorizationServer>;
  private readonly client: oauth.Client;
  /** http is allowed for a provider on a loopback host only (the local stack). */
  private readonly options: { [oauth.allowInsecureRequests]?: boolean };

  constructor(readonly issuer: URL, clientId: string, readonly redirectUri: string) {
    this.client = { client_id: clientId };
    this.options = { [oauth.allowInsecureRequests]: issuer.protocol === 'http:' && LOOPBACK.includes(issuer.hostname) };
  }

  private discover(): Promise<oauth.AuthorizationServer> {
    this.server ??= oauth.discoveryRequest(this.issuer, this.options)
      .then((res) => oauth.processDiscoveryResponse(this.issuer, res))
      .catch((e) => { this.server = undefined; throw e; });
    return this.server;
  }

  /**
   * Signs in; call from a click (the pop-up is opened at once, before anything is awaited, so
   * that the browser allows it). Rejects when the pop-up is blocked or closed, or the provider
   * or the token exchange refuses.
   */
  async signIn(): Promise<SignedIn> {
    const popup = window.open('about:blank', SIGNIN_CHANNEL, 'popup,width=480,height=640');
    if (!popup) throw new Error('the sign-in window was blocked: allow pop-ups for this page');
    const channel = new BroadcastChannel(SIGNIN_CHANNEL);
    try {
      const as = await this.discover();
      const verifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const nonce = oauth.generateRandomNonce();
      const url = new URL(as.authorization_endpoint!);
      const params = {
        client_id: this.client.client_id, redirect_uri: this.redirectUri, response_type: 'code', scope: SCOPE,
        state, nonce, prompt: 'login', code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      };
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      const back = new Promise<URL>((resolve, reject) => {
        channel.onmessage = (e: MessageEvent<{ type?: string; url?: string }>) => {
          if (e.data?.type !== SIGNIN_CHANNEL || typeof e.data.url !== 'string') return;
          const answer = new URL(e.data.url);
          if (answer.searchParams.get('state') === state) resolve(answer); // another tab's attempt is not ours
        };
        const closed = setInterval(() => {
          if (popup.closed) { clearInterval(closed); setTimeout(() => reject(new Error('the sign-in window was closed')), 500); }
        }, 500);
      });
      popup.location.href = url.href;
      const callback = oauth.validateAuthResponse(as, this.client, await back, state);
      const tokens = await oauth.processAuthorizationCodeResponse(as, this.client,
        await oauth.authorizationCodeGrantRequest(as, this.client, oauth.None(), callback, this.redirectUri, verifier, this.options),
        { expectedNonce: nonce });
      const claims = oauth.getValidatedIdTokenClaims(tokens)!;
      const name = typeof claims.preferred_username === 'string' ? claims.preferred_username : claims.sub;
      return { token: tokens.id_token!, name, expiresAt: claims.exp * 1000 };
    } finally {
      channel.close();
      if (!popup.closed) popup.close();
    }
  }
}
