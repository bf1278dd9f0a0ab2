/**
 * The sign-in pop-up's landing page (the redirect URI): hands its URL (the authorization code and
 * state) to the player that opened the sign-in, over a same-origin BroadcastChannel, and closes.
 * The player redeems the code with its PKCE verifier (www/lib/signin.ts).
 */
import { SIGNIN_CHANNEL } from '../lib/signin-channel';

const channel = new BroadcastChannel(SIGNIN_CHANNEL);
channel.postMessage({ type: SIGNIN_CHANNEL, url: location.href });
channel.close();
history.replaceState(null, '', location.pathname);
window.close();
