/**
 * A supervisor console in plain HTML and a little script: its own contact list beside
 * `<callseal-player>`, configured with mountPlayer (the key broker, the user's ID token in the
 * token the player's worker sends, the Service Worker served at ../callseal-sw.js).
 * `?players=2` shows two players side by side; the contact list opens into the one chosen.
 * `?provider=page`: the console gives the player URLs and keys itself (objectSource, keyProvider).
 */
import { mountPlayer, type CallsealPlayer } from 'callseal/player';
import { Account, brokerUrl } from '../account';
import { logPlayerEvents } from '../events';

const account = new Account();
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const list = $<HTMLUListElement>('contacts');
const status = $('list-status');
const slot = $('slot');
const lang = $<HTMLSelectElement>('lang');
const toggle = $<HTMLButtonElement>('toggle-player');
const target = $<HTMLSelectElement>('target');

const search = new URLSearchParams(location.search);
const fromPage = search.get('provider') === 'page' ? account.pageProviders() : undefined;
const count = Math.max(1, Math.min(2, Number(search.get('players') ?? 1)));
const options = () => (fromPage
  ? { objectSource: fromPage.objectSource, keyProvider: fromPage.keyProvider, serviceWorker: '../callseal-sw.js' }
  : { broker: { url: brokerUrl, token: account.token }, serviceWorker: '../callseal-sw.js' });
const addPlayers = () => {
  const first = mountPlayer($('player') ?? slot, options());
  const more = Array.from({ length: count - 1 }, () => mountPlayer(slot, options()));
  for (const p of [first, ...more]) p.setAttribute('lang', lang.value);
  return [first, ...more];
};
let players: CallsealPlayer[] = addPlayers();
target.parentElement!.hidden = count < 2;
target.replaceChildren(...players.map((_, i) => new Option(`Player ${i + 1}`, String(i))));
const log = $<HTMLOListElement>('events');
logPlayerEvents(slot, log);
// With page providers: whether every key array the console handed over was wiped by the player.
if (fromPage) {
  slot.addEventListener('callseal-ready', () => {
    const li = document.createElement('li');
    li.dataset.type = 'keys-provided';
    li.dataset.wiped = String(fromPage.provided.length > 0 && fromPage.provided.every((k) => k.every((b) => b === 0)));
    li.textContent = `${fromPage.provided.length} key(s) provided, wiped: ${li.dataset.wiped}`;
    log.append(li);
  });
}

$('signin').addEventListener('click', async () => {
  await account.signIn();
  $('whoami').textContent = `Signed in as ${account.name}`;
  for (const p of players) p.configure(options());
  const contacts = await account.contacts();
  status.textContent = `${contacts.length} contacts`;
  list.replaceChildren(...contacts.map((c) => {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.contact = c.id;
    b.textContent = `${c.title} · ${c.agent || c.queue}`;
    b.addEventListener('click', () => {
      for (const other of list.querySelectorAll('button')) other.toggleAttribute('aria-current', other === b);
      void players[Number(target.value) || 0]?.open(c);
    });
    li.append(b);
    return li;
  }));
});

lang.addEventListener('change', () => { for (const p of players) p.setAttribute('lang', lang.value); });

// Removing the element closes its readers and ends its decrypt worker; adding one back starts afresh.
toggle.addEventListener('click', () => {
  if (players.length) {
    for (const p of players) p.remove();
    players = [];
    toggle.textContent = 'Add the player';
  } else {
    players = addPlayers();
    toggle.textContent = 'Remove the player';
  }
});
