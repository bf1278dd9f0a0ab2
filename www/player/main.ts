/**
 * The stand-alone player page: signs the supervisor in, lists the contacts the key broker lets
 * them see, and plays the chosen one in `<callseal-player>` (callseal/player), whose decrypt
 * worker asks the broker for URLs and keys with the user's ID token. The page never holds a data key.
 */
import { mountPlayer } from 'callseal/player';
import { Broker, BrokerError, type Contact } from '../lib/broker';
import { explain, toWire } from '../lib/errors';
import { SignIn, type SignedIn } from '../lib/signin';
import { i18n, pickLocale, translatePage } from '../lib/i18n/index';

/** The key broker: set at build time with VITE_CALLSEAL_BROKER_URL (default: the local stack's). */
const brokerBase = new URL(import.meta.env.VITE_CALLSEAL_BROKER_URL || 'http://127.0.0.1:8787/').href;
/**
 * Sign-in: the OpenID Connect issuer and client id, set at build time with VITE_CALLSEAL_OIDC_ISSUER
 * and VITE_CALLSEAL_OIDC_CLIENT_ID (default: the local stack's provider, scripts/stack/idp.mjs).
 * The provider redirects to signin.html beside this page.
 */
const signIn = new SignIn(
  new URL(import.meta.env.VITE_CALLSEAL_OIDC_ISSUER || 'http://127.0.0.1:8336'),
  import.meta.env.VITE_CALLSEAL_OIDC_CLIENT_ID || 'callseal-player',
  new URL('signin.html', location.href).href,
);

/** The page's language: `?lang=` (en, id), else the browser's languages; English when neither is known. */
const L = i18n(pickLocale([new URLSearchParams(location.search).get('lang'), ...navigator.languages]));
const msg = L.m;
translatePage(document, L);

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const el = {
  whoami: $('whoami'),
  signin: $<HTMLButtonElement>('signin'),
  signout: $<HTMLButtonElement>('signout'),
  reload: $<HTMLButtonElement>('reload'),
  listStatus: $('list-status'),
  list: $<HTMLUListElement>('contact-list'),
};

/** The signed-in user: the ID token lives in this page's memory only (and in the worker's requests). */
let auth: SignedIn | undefined;
const token = () => auth?.token ?? '';
const broker = () => new Broker(brokerBase, token());

/** The player's options: the broker once signed in (nothing is asked of it before). */
const options = () => ({ serviceWorker: './sw.js', broker: auth ? { url: brokerBase, token } : undefined });
const player = mountPlayer($('player'), options());
player.setAttribute('lang', L.locale);

/**
 * Readiness: `<html data-ready="true">` (mark `callseal-init:settled` by the player) once the
 * contact list is shown and the player has settled (its worker's wasm loaded, the Service Worker
 * in control): what a supervisor sees before clicking a contact; benchmarks and tests wait for it.
 */
let listShown = false;
function settle(): void {
  document.documentElement.dataset.ready = String(listShown && player.dataset.ready === 'true');
}
player.addEventListener('callseal-settled', settle);
player.addEventListener('callseal-error', (e) => {
  if (e.detail.code === 'no-service-worker') el.listStatus.textContent = msg['list.noServiceWorker'](e.detail.cause.message);
});

async function loadContacts(): Promise<void> {
  listShown = false;
  settle();
  el.list.replaceChildren();
  if (!auth) {
    el.listStatus.textContent = msg['list.signIn'];
    return;
  }
  el.listStatus.textContent = msg['list.loading'];
  el.reload.disabled = true;
  try {
    const contacts = await broker().contacts();
    el.listStatus.textContent = contacts.length ? msg['list.count'](L.number(contacts.length), L.one(contacts.length)) : msg['list.none'];
    el.list.append(...contacts.map(contactItem));
    listShown = true;
    settle();
  } catch (e) {
    const x = explain(toWire(e), msg);
    if (e instanceof BrokerError && e.status === 401) { auth = undefined; showAccount(); } // expired or refused: sign in again
    el.listStatus.textContent = e instanceof BrokerError && (e.status === 401 || e.status === 403)
      ? `${x.title}. ${x.advice}` : msg['list.failed'](`${x.title}. ${x.advice}`);
    el.listStatus.dataset.error = x.kind;
  } finally {
    el.reload.disabled = false;
  }
}

function contactItem(c: Contact): HTMLLIElement {
  const li = document.createElement('li');
  const b = document.createElement('button');
  b.type = 'button';
  b.dataset.contact = c.id;
  const bits = [c.startedAt && L.date(c.startedAt), c.durationSeconds ? L.clock(c.durationSeconds) : '', c.recordings.map((r) => r.format.toUpperCase()).join('/'), c.agent].filter(Boolean);
  b.append(span('title', c.title), span('meta', bits.join(' · ')));
  if (c.recordings.length && c.recordings.every((r) => !r.mayRead)) b.append(span('badge', msg['list.mayNotPlay']));
  b.addEventListener('click', () => {
    for (const other of el.list.querySelectorAll('button')) other.toggleAttribute('aria-current', other === b);
    b.setAttribute('aria-current', 'true');
    void player.open(c);
  });
  li.append(b);
  return li;
}

function span(cls: string, text: string): HTMLSpanElement {
  const s = document.createElement('span');
  s.className = cls;
  s.textContent = text;
  return s;
}

/** Shows who is signed in (name and role, as the broker knows them) or the sign-in button. */
function showAccount(role?: string): void {
  el.whoami.textContent = auth ? msg['account.as'](auth.name, role ?? '') : msg['account.none'];
  el.signin.hidden = auth !== undefined;
  el.signout.hidden = auth === undefined;
}

el.signin.addEventListener('click', () => {
  el.signin.disabled = true;
  el.whoami.textContent = msg['account.signingIn'];
  signIn.signIn().then(async (signed) => {
    auth = signed;
    player.configure(options()); // warms the unwrap's preflight with the token
    showAccount();
    const me = await broker().me().catch(() => undefined);
    showAccount(me?.role);
    await loadContacts();
  }, (e: Error) => {
    showAccount();
    el.whoami.textContent = msg['account.failed'](e.message);
  }).finally(() => { el.signin.disabled = false; });
});
el.signout.addEventListener('click', () => {
  auth = undefined;
  player.close();
  player.configure(options());
  showAccount();
  void loadContacts();
});
el.reload.addEventListener('click', () => void loadContacts());

// Keys and readers go away with the page; nothing decrypted outlives it.
addEventListener('pagehide', () => player.close());

showAccount();
void loadContacts();
