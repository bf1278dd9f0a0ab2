/**
 * What both demo consoles (plain/, react/) do besides embedding the player: sign the supervisor
 * in (the local identity provider's pop-up, www/lib/signin.ts) and list the contacts the key
 * broker lets them see. A real console has its own; the player only needs the broker's URL and
 * the user's ID token to send it.
 */
import { Broker, type Contact } from '../lib/broker';
import type { PlayerOptions } from 'callseal/player';
import { SignIn, type SignedIn } from '../lib/signin';

export const brokerUrl = new URL(import.meta.env.VITE_CALLSEAL_BROKER_URL || 'http://127.0.0.1:8787/').href;

const signIn = new SignIn(
  new URL(import.meta.env.VITE_CALLSEAL_OIDC_ISSUER || 'http://127.0.0.1:8336'),
  import.meta.env.VITE_CALLSEAL_OIDC_CLIENT_ID || 'callseal-player',
  // The redirect URI the provider knows: the player page's landing page, on this origin (the
  // consoles are www/hosts/<name>/).
  new URL('../../player/signin.html', location.href).href,
);

export class Account {
  private user?: SignedIn;

  get name(): string | undefined { return this.user?.name; }

  /** The ID token the player's worker sends the broker. */
  token = (): string => this.user?.token ?? '';

  async signIn(): Promise<void> {
    this.user = await signIn.signIn();
  }

  contacts(): Promise<Contact[]> {
    return new Broker(brokerUrl, this.token()).contacts();
  }

  /**
   * The player's objectSource and keyProvider run by the console itself, on the page (here with
   * the broker's client; a console would call its own services). `provided`: the key arrays
   * handed to the player (it zero-fills each once copied into its worker).
   */
  pageProviders(): Pick<PlayerOptions, 'objectSource' | 'keyProvider'> & { provided: Uint8Array[] } {
    const provided: Uint8Array[] = [];
    return {
      provided,
      objectSource: async (o) => ({ url: (await new Broker(brokerUrl, this.token()).objectUrl(o.id)).url, expiresAt: Date.now() + 60_000 }),
      keyProvider: async (r) => {
        const key = await new Broker(brokerUrl, this.token()).unwrapRequest(r.objectId, r, r.dataKeyLength);
        provided.push(key);
        return key;
      },
    };
  }
}
