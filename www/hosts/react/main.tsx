/**
 * A supervisor console in React: its own contact list (state) beside `<callseal-player>`, which
 * React renders like any element; a ref hands it its options (mountPlayer) and listens to its
 * events. The language and the player's presence are React state.
 */
import { StrictMode, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { mountPlayer, type CallsealPlayer, type Contact } from 'callseal/player';
import { Account, brokerUrl } from '../account';
import { logPlayerEvents } from '../events';

const account = new Account();
const options = () => ({ broker: { url: brokerUrl, token: account.token }, serviceWorker: '../callseal-sw.js' });

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'callseal-player': React.DetailedHTMLProps<React.HTMLAttributes<CallsealPlayer>, CallsealPlayer> & { channel?: string; theme?: string };
    }
  }
}

/** A click on a contact (a new object each time: clicking the same contact again reopens it). */
interface OpenRequest { contact: Contact }

/** The player: configured once mounted; React removes the element (and the player closes) when it unmounts. */
function Player({ request, lang, signedIn }: { request?: OpenRequest; lang: string; signedIn: boolean }) {
  const ref = useRef<CallsealPlayer>(null);
  useEffect(() => { if (ref.current) mountPlayer(ref.current, options()); }, [signedIn]);
  useEffect(() => { if (request) void ref.current?.open(request.contact); }, [request]);
  return <callseal-player ref={ref} id="player" lang={lang} />;
}

function Console() {
  const [name, setName] = useState<string>();
  const [contacts, setContacts] = useState<Contact[]>([]);
  const [request, setRequest] = useState<OpenRequest>();
  const [lang, setLang] = useState('en');
  const [shown, setShown] = useState(true);
  const slot = useRef<HTMLElement>(null);
  const events = useRef<HTMLOListElement>(null);
  useEffect(() => { if (slot.current && events.current) logPlayerEvents(slot.current, events.current); }, []);

  const signIn = async () => {
    await account.signIn();
    setName(account.name);
    setContacts(await account.contacts());
  };

  return (
    <>
      <header className="top">
        <h1>Supervisor console <span className="sub">React</span></h1>
        <button id="signin" type="button" onClick={() => void signIn()}>Sign in</button>
        <span id="whoami" role="status">{name ? `Signed in as ${name}` : ''}</span>
        <label>Language{' '}
          <select id="lang" value={lang} onChange={(e) => setLang(e.target.value)}>
            <option value="en">English</option>
            <option value="id">Bahasa Indonesia</option>
          </select>
        </label>
        <button id="toggle-player" type="button" onClick={() => setShown(!shown)}>{shown ? 'Remove the player' : 'Add the player'}</button>
      </header>
      <main className="console">
        <nav aria-labelledby="contacts-h">
          <h2 id="contacts-h">Contacts</h2>
          <p id="list-status" role="status">{name ? `${contacts.length} contacts` : 'Sign in to see the contacts.'}</p>
          <ul id="contacts">
            {contacts.map((c) => (
              <li key={c.id}>
                <button type="button" data-contact={c.id} aria-current={request?.contact.id === c.id ? 'true' : undefined} onClick={() => setRequest({ contact: c })}>
                  {c.title} · {c.agent || c.queue}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <section id="slot" ref={slot} aria-label="Recording">
          {shown && <Player request={request} lang={lang} signedIn={!!name} />}
        </section>
        <aside aria-labelledby="events-h">
          <h2 id="events-h">Player events</h2>
          <ol id="events" ref={events} aria-live="polite" />
        </aside>
      </main>
    </>
  );
}

createRoot(document.getElementById('root')!).render(<StrictMode><Console /></StrictMode>);
