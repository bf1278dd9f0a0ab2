/**
 * The playback page: lists contacts from the key broker, plays the chosen encrypted recording
 * through the Service Worker (which asks the decrypt worker for verified plaintext ranges) and
 * shows its Contact Lens transcript in sync. The page itself never holds a data key; it only
 * relays range requests from the Service Worker to the decrypt worker.
 */
import { Broker, BrokerError, type Contact, type ObjectRef } from '../lib/broker';
import { explain, toWire, type Explained, type WireError } from '../lib/errors';
import { isFatalMediaError } from '../lib/media-error';
import { SignIn, type SignedIn } from '../lib/signin';
import { ContactLensError } from '../lib/contact-lens';
import { transcriptOf, turnAt, type Transcript } from '../lib/transcript';
import { i18n, pickLocale, translatePage } from '../lib/i18n/index';
import type { FromWorker, Stage, SwControl, SwToPage, ToWorker } from './protocol';

// --------------------------------------------------------------------------------------------
// Configuration and elements
// --------------------------------------------------------------------------------------------

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
const clock = L.clock;
translatePage(document, L);

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const el = {
  whoami: $('whoami'),
  signin: $<HTMLButtonElement>('signin'),
  signout: $<HTMLButtonElement>('signout'),
  reload: $<HTMLButtonElement>('reload'),
  listStatus: $('list-status'),
  list: $<HTMLUListElement>('contact-list'),
  deck: $('deck'),
  empty: $('empty'),
  now: $('now'),
  title: $('now-title'),
  meta: $('now-meta'),
  error: $('error'),
  errorTitle: $('error-title'),
  errorAdvice: $('error-advice'),
  errorAction: $<HTMLButtonElement>('error-action'),
  errorDetail: $('error-detail'),
  stages: $<HTMLOListElement>('stages'),
  canvas: $<HTMLCanvasElement>('ranges'),
  marks: $('marks'),
  seek: $<HTMLInputElement>('seek'),
  timeCur: $('time-cur'),
  timeTotal: $('time-total'),
  back: $<HTMLButtonElement>('back'),
  play: $<HTMLButtonElement>('play'),
  fwd: $<HTMLButtonElement>('fwd'),
  speed: $<HTMLSelectElement>('speed'),
  format: $<HTMLSelectElement>('format'),
  channels: $<HTMLFieldSetElement>('channels'),
  progress: $('progress-text'),
  audio: $<HTMLAudioElement>('audio'),
  trStatus: $('tr-status'),
  trCategories: $('tr-categories'),
  turns: $<HTMLOListElement>('turns'),
  follow: $<HTMLInputElement>('follow'),
  help: $<HTMLDialogElement>('help'),
  helpOpen: $<HTMLButtonElement>('help-open'),
};

/** The signed-in user: the ID token lives in this page's memory only (and in the worker's requests). */
let auth: SignedIn | undefined;

// --------------------------------------------------------------------------------------------
// Workers
// --------------------------------------------------------------------------------------------

const worker = new Worker(new URL('./decrypt.worker.ts', import.meta.url), { type: 'module', name: 'callseal-decrypt' });
const toWorker = (m: ToWorker, transfer: Transferable[] = []) => worker.postMessage(m, transfer);

/** Resolves once a Service Worker controls this page (so <audio> requests reach it). */
const swReady: Promise<void> = (async () => {
  if (!('serviceWorker' in navigator)) throw new Error('this browser has no Service Workers (private window?)');
  const sw = navigator.serviceWorker;
  // Relay the Service Worker's range requests to the decrypt worker, with their reply port.
  sw.onmessage = (e: MessageEvent<SwToPage>) => {
    if (e.data?.type === 'range' && e.ports[0]) toWorker(e.data.request, [e.ports[0]]);
    if (e.data?.type === 'need-port') connectSw();
  };
  // Built: player/sw.js (see vite.config.ts); dev server: the TypeScript source as a module.
  const url = import.meta.env.DEV ? './sw.ts' : './sw.js';
  await sw.register(url, { scope: './', type: import.meta.env.DEV ? 'module' : 'classic', updateViaCache: 'none' });
  const reg = await sw.ready;
  // The first visit (and a hard reload) leaves the page uncontrolled until the worker claims it.
  for (let waited = 0; !sw.controller; waited += 100) {
    if (waited > 10_000) throw new Error('the Service Worker did not take control of the page');
    reg.active?.postMessage({ type: 'claim' });
    await new Promise((r) => { sw.addEventListener('controllerchange', r, { once: true }); setTimeout(r, 100); });
  }
  connectSw();
  performance.mark('callseal-init:sw-ready');
})();

/** Connects the Service Worker straight to the decrypt worker (range requests skip this thread). */
function connectSw(): void {
  const controller = navigator.serviceWorker.controller;
  if (!controller) return;
  const { port1, port2 } = new MessageChannel();
  toWorker({ type: 'sw-port' }, [port1]);
  const msg: SwControl = { type: 'port' };
  controller.postMessage(msg, [port2]);
}

/**
 * Readiness: the page is settled once the contact list is shown, the decrypt worker has its wasm,
 * the Service Worker controls the page and the unwrap's preflight is cached (warmUp): what a
 * supervisor sees before clicking a contact.
 * Marked as `<html data-ready="true">` and the mark `callseal-init:settled` (benchmarks and tests
 * wait for it before they click, as the unencrypted baseline starts from a loaded page).
 */
const settled = { list: false, wasm: false, sw: false, warm: false };
function settle(part: keyof typeof settled, done = true): void {
  settled[part] = done;
  const all = settled.list && settled.wasm && settled.sw;
  if (all && document.documentElement.dataset.ready !== 'true') performance.mark('callseal-init:settled');
  document.documentElement.dataset.ready = String(all);
}
swReady.then(() => settle('sw'), () => {});

/**
 * The unwrap's CORS preflight, cached by the browser ahead of the click (and again before the
 * broker's 600 s Access-Control-Max-Age runs out while the page stays open).
 */
let warmTimer: ReturnType<typeof setInterval> | undefined;
function warmUp(): void {
  const token = auth?.token;
  if (!token) return;
  const send = () => toWorker({ type: 'warm', brokerBase, token });
  send();
  clearInterval(warmTimer);
  warmTimer = setInterval(send, 540_000);
}

// --------------------------------------------------------------------------------------------
// State
// --------------------------------------------------------------------------------------------

interface Session {
  contact: Contact;
  recording: ObjectRef;
  /** Position to resume at once playable (format switch). */
  resumeAt: number;
  stream: string;
  opened: boolean;
  started: boolean;
  plaintextLength: number;
  ciphertextLength: number;
  channels: number;
  transcript?: Transcript;
  turnEls: HTMLButtonElement[];
  activeTurn: number;
  fetched: [number, number][];
  decrypted: [number, number][];
  failed: boolean;
  /** The browser refused to start playing without a gesture (autoplay policy). */
  playRefused?: boolean;
  /** Runs once the recording opened or failed (loads the transcript). */
  afterOpen?: () => void;
}

let contacts: Contact[] = [];
let session: Session | undefined;
let transcriptReq = 0;
const STAGES: Stage[] = ['url', 'header', 'key', 'verify', 'ready'];

// --------------------------------------------------------------------------------------------
// Contact list
// --------------------------------------------------------------------------------------------

const broker = () => new Broker(brokerBase, auth?.token ?? '');

async function loadContacts(): Promise<void> {
  settle('list', false);
  settle('warm', false);
  el.list.replaceChildren();
  if (!auth) {
    el.listStatus.textContent = msg['list.signIn'];
    return;
  }
  el.listStatus.textContent = msg['list.loading'];
  el.reload.disabled = true;
  try {
    contacts = await broker().contacts();
    el.listStatus.textContent = contacts.length ? msg['list.count'](L.number(contacts.length), L.one(contacts.length)) : msg['list.none'];
    for (const c of contacts) {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.contact = c.id;
      const title = span('title', c.title);
      const bits = [c.startedAt && L.date(c.startedAt), c.durationSeconds ? clock(c.durationSeconds) : '', c.recordings.map((r) => r.format.toUpperCase()).join('/'), c.agent].filter(Boolean);
      b.append(title, span('meta', bits.join(' · ')));
      if (c.recordings.length && c.recordings.every((r) => !r.mayRead)) b.append(span('badge', msg['list.mayNotPlay']));
      b.addEventListener('click', () => void openContact(c));
      if (session?.contact.id === c.id) b.setAttribute('aria-current', 'true');
      li.append(b);
      el.list.append(li);
    }
    settle('list');
    warmUp();
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

// --------------------------------------------------------------------------------------------
// Opening a contact
// --------------------------------------------------------------------------------------------

function closeSession(): void {
  if (!session) return;
  toWorker({ type: 'close', stream: session.stream });
  session = undefined;
  el.audio.pause();
  el.audio.removeAttribute('src');
  el.audio.load(); // drops the element's buffered plaintext
}

async function openContact(c: Contact, format?: string, resumeAt = 0): Promise<void> {
  // This recording's marks only (the page's start-up marks, callseal-init:*, stay).
  for (const m of performance.getEntriesByType('mark')) if (m.name.startsWith('callseal:')) performance.clearMarks(m.name);
  performance.mark('callseal:open');
  const previous = session;
  closeSession();
  const recording = c.recordings.find((r) => r.format === format) ?? c.recordings[0];
  if (!recording) {
    el.empty.hidden = false;
    el.now.hidden = true;
    el.empty.textContent = msg['play.noRecording'];
    return;
  }
  const s: Session = {
    contact: c, recording, resumeAt, stream: crypto.randomUUID(), opened: false, started: false, plaintextLength: 0, ciphertextLength: 0,
    channels: 0, turnEls: [], activeTurn: -1, fetched: [], decrypted: [], failed: false,
  };
  session = s;
  // The worker starts at once (pre-signed URL, header, key): it needs neither the page's
  // rendering below nor the Service Worker.
  toWorker({ type: 'open', stream: s.stream, target: target(recording) });
  el.format.replaceChildren(...c.recordings.map((r) => new Option(r.format.toUpperCase(), r.format, false, r === recording)));
  el.format.disabled = c.recordings.length < 2;
  for (const b of el.list.querySelectorAll('button')) {
    if (b.dataset.contact === c.id) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  }
  el.empty.hidden = true;
  el.now.hidden = false;
  el.title.textContent = c.title;
  el.meta.textContent = [c.startedAt && L.date(c.startedAt), c.queue, c.agent].filter(Boolean).join(' · ');
  hideError();
  setStage('url');
  setControls(false);
  el.seek.max = String(c.durationSeconds || 0);
  el.seek.value = '0';
  el.timeCur.textContent = clock(0);
  el.timeTotal.textContent = clock(c.durationSeconds);
  el.progress.textContent = msg['play.opening'];
  document.body.dataset.state = 'opening';
  drawRanges();
  renderTranscript(undefined, c.transcript ? msg['tr.decrypting'] : msg['tr.none']);

  // The transcript waits for the recording to play (or fail): first audio does not queue behind it.
  const transcriptAfterOpen = c.transcript ? () => loadTranscript(s, previous) : undefined;
  s.afterOpen = transcriptAfterOpen;
  try {
    await swReady;
  } catch (e) {
    return fail(s, { source: 'other', code: 'NO_SERVICE_WORKER', status: 0, message: String((e as Error).message) });
  }
  if (session !== s) return;
  // The element starts loading now, while the worker is still opening the recording: its first
  // request waits in the Service Worker until the stream is open (no byte before the reader has
  // authenticated it), so the element's and the Service Worker's start-up are off the critical
  // path. play() from the click itself (user activation).
  el.audio.src = new URL(`./stream/${encodeURIComponent(s.stream)}`, location.href).href;
  el.audio.playbackRate = Number(el.speed.value);
  if (s.resumeAt > 0) el.audio.currentTime = s.resumeAt;
  void el.audio.play().catch((e: Error) => {
    if (session !== s || s.failed || e.name !== 'NotAllowedError') return; // switched, failed, or aborted
    s.playRefused = true;
    if (s.opened) { el.progress.textContent = msg['play.ready']; runAfterOpen(s); }
  });
}

function target(o: ObjectRef) {
  // The listing's pre-signed URL while it is fresh enough (else the worker asks the broker).
  const url = o.presigned && Date.now() < o.presigned.usableUntil ? o.presigned.url : undefined;
  return { brokerBase, token: auth?.token ?? '', objectId: o.id, size: o.size, expectedContext: o.expectedContext, url, keyRequest: o.keyRequest };
}

function loadTranscript(s: Session, previous?: Session): void {
  // Same contact in another format: the transcript is already decrypted.
  if (previous?.contact.id === s.contact.id && previous.transcript) {
    s.transcript = previous.transcript;
    renderTranscript(s);
    return;
  }
  const req = ++transcriptReq;
  const onMessage = (e: MessageEvent<FromWorker>) => {
    const m = e.data;
    if (m.type !== 'transcript' || m.req !== req) return;
    worker.removeEventListener('message', onMessage);
    if (session !== s) return;
    if (m.error) {
      const x = explain(m.error, msg);
      renderTranscript(undefined, msg['tr.failed'](x.title));
      el.trStatus.dataset.error = x.kind;
      return;
    }
    try {
      s.transcript = transcriptOf(JSON.parse(m.text ?? ''));
      renderTranscript(s);
    } catch (e) {
      renderTranscript(undefined, e instanceof ContactLensError && e.code === 'TRANSCRIBE_CALL_ANALYTICS'
        ? msg['tr.transcribe']
        : e instanceof ContactLensError && e.code === 'UNSUPPORTED_VERSION' ? msg['tr.version'] : msg['tr.invalid']);
      if (e instanceof ContactLensError) el.trStatus.dataset.error = e.code;
    }
  };
  worker.addEventListener('message', onMessage);
  toWorker({ type: 'transcript', req, target: target(s.contact.transcript!) });
}

worker.addEventListener('message', (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  if (m.type === 'mark' && m.stream === undefined) {
    performance.mark(`callseal-init:${m.name}`, { startTime: m.at - performance.timeOrigin });
    if (m.name === 'worker-wasm') settle('wasm');
    if (m.name === 'broker-warm') settle('warm');
    return;
  }
  if (m.type === 'transcript' || !session || m.stream !== session.stream) return;
  const s = session;
  switch (m.type) {
    case 'stage':
      setStage(m.stage);
      performance.mark(`callseal:${m.stage}`, { startTime: m.at - performance.timeOrigin });
      break;
    case 'mark':
      performance.mark(`callseal:${m.name}`, { startTime: m.at - performance.timeOrigin });
      break;
    case 'opened': {
      s.opened = true;
      s.plaintextLength = m.plaintextLength;
      s.ciphertextLength = m.ciphertextLength;
      s.channels = m.format.channels;
      setStage('ready');
      performance.mark('callseal:ready');
      // The transcript once audio plays (its fetch, unwrap and signature check would share the
      // decrypt worker with the element's first reads), or soon anyway (paused, autoplay refused).
      if (s.playRefused || s.resumeAt > 0) runAfterOpen(s);
      else setTimeout(() => runAfterOpen(s), 1500);
      el.meta.textContent = [el.meta.textContent, m.format.label, msg['play.suite'](m.suite), msg['play.encryptedSize'](L.bytes(m.ciphertextLength))]
        .filter(Boolean).join(' · ');
      el.channels.disabled = m.format.channels !== 2;
      el.channels.title = m.format.channels === 2 ? '' : msg['play.mono'];
      setControls(true);
      if (!s.started) el.progress.textContent = s.playRefused ? msg['play.ready'] : msg['play.buffering'];
      break;
    }
    case 'progress':
      s.fetched = m.fetched;
      s.decrypted = m.decrypted;
      drawRanges();
      if (performance.now() < noticeUntil) break; // a channel or speed notice stays readable a while
      el.progress.textContent = msg['play.progress'](
        s.ciphertextLength ? msg['play.ofTotal'](L.bytes(m.fetchedBytes), L.bytes(s.ciphertextLength)) : L.bytes(m.fetchedBytes),
        s.plaintextLength ? msg['play.ofTotal'](L.bytes(m.decryptedBytes), L.bytes(s.plaintextLength)) : L.bytes(m.decryptedBytes));
      break;
    case 'error':
      fail(s, m.error);
      break;
  }
});

/** A status the user caused (channel, speed): download progress does not replace it for 3 s. */
let noticeUntil = 0;
function notice(text: string): void {
  el.progress.textContent = text;
  noticeUntil = performance.now() + 3000;
}

function runAfterOpen(s: Session): void {
  const f = s.afterOpen;
  s.afterOpen = undefined;
  f?.();
}

function fail(s: Session, error: WireError): void {
  if (session !== s || s.failed) return;
  if (!s.opened) runAfterOpen(s);
  s.failed = true;
  const x = explain(error, msg);
  showError(x);
  el.audio.pause();
  if (x.kind === 'tampered' || !s.opened) {
    // Nothing more from this object (or nothing to play: it never opened): stop the stream and
    // drop what the element buffered.
    toWorker({ type: 'close', stream: s.stream });
    el.audio.removeAttribute('src');
    el.audio.load();
    setControls(false);
  }
  document.body.dataset.state = 'error';
  el.progress.textContent = '';
}

// --------------------------------------------------------------------------------------------
// Transcript
// --------------------------------------------------------------------------------------------

/** Categories' points of interest and redacted spans, placed along the seek bar. */
function renderMarks(t: Transcript | undefined): void {
  const duration = Number(el.seek.max) || 0;
  el.marks.replaceChildren(...(duration > 0 ? t?.marks ?? [] : []).map((m) => {
    const mark = span(`mark ${m.kind}`, '');
    mark.dataset.kind = m.kind;
    mark.dataset.begin = String(m.begin);
    mark.style.left = `${Math.min(100, (m.begin / duration) * 100)}%`;
    mark.style.width = `${Math.max(0, (Math.min(m.end, duration) - m.begin) / duration) * 100}%`;
    mark.title = m.kind === 'category' ? msg['mark.category'](m.label, clock(m.begin), clock(m.end)) : msg['mark.redacted'](clock(m.begin), clock(m.end));
    return mark;
  }));
}

function renderTranscript(s: Session | undefined, status = ''): void {
  renderMarks(undefined);
  el.turns.replaceChildren();
  el.trCategories.replaceChildren();
  el.trCategories.hidden = true;
  delete el.trStatus.dataset.error;
  if (!s?.transcript) { el.trStatus.textContent = status; return; }
  const t = s.transcript;
  el.trStatus.textContent = [msg['tr.turns'](L.number(t.turns.length), L.one(t.turns.length)), t.redactedOutput ? msg['tr.redacted'] : ''].filter(Boolean).join(' · ');
  if (t.categories.length) {
    el.trCategories.hidden = false;
    el.trCategories.append(...t.categories.map((c) => span('', c.name)));
  }
  renderMarks(t);
  s.turnEls = t.turns.map((turn, i) => {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.className = `turn ${turn.role.toLowerCase()}`;
    b.dataset.index = String(i);
    b.dataset.begin = String(turn.begin);
    const who = msg[`role.${turn.role}`];
    const time = document.createElement('time');
    time.textContent = clock(turn.begin);
    time.dateTime = `PT${turn.begin.toFixed(1)}S`;
    const text = span('text', '');
    for (const seg of turn.segments) {
      if (seg.kind === 'text') { text.append(seg.text); continue; }
      const mark = span(seg.kind, seg.text);
      mark.title = seg.kind === 'pii' ? msg['tr.piiTitle'] : msg['tr.issueTitle'];
      text.append(mark);
    }
    const said = turn.sentiment === 'POSITIVE' || turn.sentiment === 'NEGATIVE' || turn.sentiment === 'MIXED' ? msg[`sentiment.${turn.sentiment}`] : '';
    const sentiment = span(`sentiment ${turn.sentiment.toLowerCase()}`, said);
    b.append(span('who', who), time, sentiment, text);
    b.setAttribute('aria-label', msg['tr.turnLabel'](who, clock(turn.begin), turn.segments.map((x) => (x.kind === 'pii' ? msg['tr.piiSpoken'] : x.text)).join('')));
    b.addEventListener('click', () => seekTo(turn.begin, true));
    li.append(b);
    el.turns.append(li);
    return b;
  });
  s.activeTurn = -1;
  syncTranscript();
}

function syncTranscript(): void {
  const s = session;
  if (!s?.transcript) return;
  const i = turnAt(s.transcript.turns, el.audio.currentTime);
  if (i === s.activeTurn) return;
  s.turnEls[s.activeTurn]?.removeAttribute('aria-current');
  s.activeTurn = i;
  const b = s.turnEls[i];
  if (!b) return;
  b.setAttribute('aria-current', 'true');
  if (el.follow.checked && document.activeElement?.closest('.turns') == null) {
    b.scrollIntoView({ block: 'nearest', behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
  }
}

// --------------------------------------------------------------------------------------------
// Playback controls
// --------------------------------------------------------------------------------------------

function setControls(on: boolean): void {
  for (const b of [el.play, el.back, el.fwd, el.seek]) b.disabled = !on;
}

function seekTo(t: number, play = false): void {
  if (!session?.opened || session.failed) return;
  const d = Number.isFinite(el.audio.duration) ? el.audio.duration : session.contact.durationSeconds || Infinity;
  el.audio.currentTime = Math.max(0, Math.min(t, d - 0.05));
  if (play) void el.audio.play().catch(() => {});
  syncTranscript();
}

function togglePlay(): void {
  if (!session?.opened || session.failed) return;
  if (el.audio.paused) void el.audio.play().catch(() => {});
  else el.audio.pause();
}

el.play.addEventListener('click', togglePlay);
el.back.addEventListener('click', () => seekTo(el.audio.currentTime - 10));
el.fwd.addEventListener('click', () => seekTo(el.audio.currentTime + 10));
el.seek.addEventListener('input', () => seekTo(Number(el.seek.value)));
el.format.addEventListener('change', () => {
  if (session) void openContact(session.contact, el.format.value, el.audio.currentTime);
});
el.speed.addEventListener('change', () => { el.audio.playbackRate = Number(el.speed.value); });
el.channels.addEventListener('change', () => setChannel(selectedChannel()));

const audio = el.audio;
audio.addEventListener('play', () => { el.play.textContent = msg['play.pause']; el.play.setAttribute('aria-pressed', 'true'); });
audio.addEventListener('pause', () => { el.play.textContent = msg['play.play']; el.play.setAttribute('aria-pressed', 'false'); });
audio.addEventListener('playing', () => {
  if (!session) return;
  if (!session.started) performance.mark('callseal:playing');
  session.started = true;
  runAfterOpen(session);
  document.body.dataset.state = 'playing';
  tick();
});
for (const type of ['loadstart', 'loadedmetadata', 'loadeddata', 'canplay', 'play']) {
  audio.addEventListener(type, () => { if (session && !session.started) performance.mark(`callseal:el-${type}`); });
}
audio.addEventListener('waiting', () => { if (session && !session.failed) document.body.dataset.state = 'buffering'; });
audio.addEventListener('durationchange', () => {
  if (!Number.isFinite(audio.duration)) return;
  el.seek.max = String(audio.duration);
  el.timeTotal.textContent = clock(audio.duration);
  renderMarks(session?.transcript);
});
audio.addEventListener('timeupdate', () => { updateTime(); syncTranscript(); });
audio.addEventListener('error', () => {
  const s = session;
  if (!s || !audio.getAttribute('src')) return;
  const code = audio.error?.code, message = audio.error?.message || 'media error', at = audio.currentTime;
  // A decryption failure reaches the element as a network error: let the worker's precise
  // error (tampered, expired...) arrive first. Meanwhile playback shows whether the error stopped it.
  setTimeout(() => {
    if (session !== s || s.failed) return;
    const playing = !audio.paused && audio.currentTime > at;
    if (isFatalMediaError({ code, playing })) fail(s, { source: 'media', code: `MEDIA_ERR_${code ?? 0}`, status: 0, message });
    else console.warn(`callseal player: media error MEDIA_ERR_${code} (${message}); playback goes on`);
  }, 400);
});
audio.addEventListener('ended', () => { document.body.dataset.state = 'ended'; });

function updateTime(): void {
  if (document.activeElement !== el.seek) el.seek.value = String(audio.currentTime);
  el.seek.setAttribute('aria-valuetext', msg['play.ofTotal'](clock(audio.currentTime), el.timeTotal.textContent ?? ''));
  el.timeCur.textContent = clock(audio.currentTime);
}

/** Smooth highlight and position while playing (timeupdate fires only ~4 times a second). */
function tick(): void {
  if (audio.paused) return;
  updateTime();
  syncTranscript();
  requestAnimationFrame(tick);
}

// --------------------------------------------------------------------------------------------
// Channels: Connect records the customer on the left, the agent on the right.
// --------------------------------------------------------------------------------------------

type Channel = 'both' | 'agent' | 'customer';
let graph: { ctx: AudioContext; gains: GainNode[] } | undefined;

function selectedChannel(): Channel {
  return (el.channels.querySelector<HTMLInputElement>('input:checked')?.value ?? 'both') as Channel;
}

function setChannel(ch: Channel): void {
  for (const r of el.channels.querySelectorAll<HTMLInputElement>('input')) r.checked = r.value === ch;
  if (ch === 'both' && !graph) return; // plain stereo output; no graph needed
  if (!graph) {
    const ctx = new AudioContext();
    const src = ctx.createMediaElementSource(audio);
    const split = ctx.createChannelSplitter(2);
    const merge = ctx.createChannelMerger(2);
    src.connect(split);
    // gains[in * 2 + out]: input channel (0 = left/customer, 1 = right/agent) to output ear.
    const gains = [0, 1].flatMap((inCh) => [0, 1].map((outCh) => {
      const g = ctx.createGain();
      split.connect(g, inCh);
      g.connect(merge, 0, outCh);
      return g;
    }));
    merge.connect(ctx.destination);
    graph = { ctx, gains };
  }
  void graph.ctx.resume();
  // Soloing a side plays it in both ears.
  const m = ch === 'both' ? [1, 0, 0, 1] : ch === 'customer' ? [1, 1, 0, 0] : [0, 0, 1, 1];
  graph.gains.forEach((g, i) => g.gain.setTargetAtTime(m[i]!, graph!.ctx.currentTime, 0.015));
  notice(ch === 'both' ? msg['play.both'] : ch === 'agent' ? msg['play.agentOnly'] : msg['play.customerOnly']);
}

// --------------------------------------------------------------------------------------------
// Keyboard
// --------------------------------------------------------------------------------------------

document.addEventListener('keydown', (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey || el.help.open) return;
  const t = e.target as HTMLElement;
  const typing = t.closest('select, textarea, input:not([type="range"]):not([type="radio"]):not([type="checkbox"])');
  if (typing) return;
  const onControl = t.closest('button, input, a, summary');
  const s = session;
  const turns = s?.transcript?.turns ?? [];
  let handled = true;
  switch (e.key) {
    case ' ':
      if (onControl && t !== el.seek) { handled = false; break; } // Space activates the focused control
      togglePlay(); break;
    case 'k': case 'K': togglePlay(); break;
    case 'j': case 'J': seekTo(audio.currentTime - 10); break;
    case 'l': case 'L': seekTo(audio.currentTime + 10); break;
    case 'ArrowLeft': if (t === el.seek) { handled = false; break; } seekTo(audio.currentTime - 5); break;
    case 'ArrowRight': if (t === el.seek) { handled = false; break; } seekTo(audio.currentTime + 5); break;
    case 'Home': if (t === el.seek) { handled = false; break; } seekTo(0); break;
    case 'n': case 'N': { const next = turns[turnAt(turns, audio.currentTime) + 1]; if (next) seekTo(next.begin); break; }
    case 'p': case 'P': {
      const i = turnAt(turns, audio.currentTime);
      const cur = turns[i];
      const prev = cur && audio.currentTime - cur.begin < 1.5 ? turns[i - 1] : cur;
      if (prev) seekTo(prev.begin);
      break;
    }
    case '<': case ',': stepSpeed(-1); break;
    case '>': case '.': stepSpeed(1); break;
    case '1': if (!el.channels.disabled) setChannel('both'); break;
    case '2': if (!el.channels.disabled) setChannel('agent'); break;
    case '3': if (!el.channels.disabled) setChannel('customer'); break;
    case '?': el.help.showModal(); break;
    default: handled = false;
  }
  if (handled) e.preventDefault();
});

function stepSpeed(dir: number): void {
  const i = Math.max(0, Math.min(el.speed.options.length - 1, el.speed.selectedIndex + dir));
  el.speed.selectedIndex = i;
  audio.playbackRate = Number(el.speed.value);
  notice(msg['play.speed'](L.number(Number(el.speed.value))));
}

el.helpOpen.addEventListener('click', () => el.help.showModal());

// --------------------------------------------------------------------------------------------
// Errors, stages, progress drawing
// --------------------------------------------------------------------------------------------

function showError(x: Explained): void {
  el.error.hidden = false;
  el.error.dataset.error = x.kind;
  el.errorTitle.textContent = x.title;
  el.errorAdvice.textContent = x.advice;
  el.errorDetail.textContent = x.detail;
  el.errorAction.parentElement!.hidden = x.action === 'none';
  el.errorAction.textContent = x.action === 'reload-list' ? msg['error.reloadList'] : msg['error.retry'];
  el.errorAction.onclick = () => {
    if (x.action === 'reload-list') { closeSession(); showEmpty(); void loadContacts(); }
    else if (session) void openContact(session.contact);
  };
  for (const li of el.stages.querySelectorAll('li[aria-current]')) li.classList.add('failed');
}

function hideError(): void {
  el.error.hidden = true;
  delete el.error.dataset.error;
}

function showEmpty(): void {
  el.now.hidden = true;
  el.empty.hidden = false;
  renderTranscript(undefined, '');
  document.body.dataset.state = 'idle';
}

function setStage(stage: Stage): void {
  const at = STAGES.indexOf(stage);
  el.stages.querySelectorAll('li').forEach((li, i) => {
    li.classList.toggle('done', i < at || stage === 'ready');
    li.classList.remove('failed');
    if (i === at && stage !== 'ready') li.setAttribute('aria-current', 'step');
    else li.removeAttribute('aria-current');
  });
}

function drawRanges(): void {
  const c = el.canvas;
  const dpr = devicePixelRatio || 1;
  const w = Math.max(1, Math.round(c.clientWidth * dpr)), h = Math.max(1, Math.round(c.clientHeight * dpr));
  if (c.width !== w || c.height !== h) { c.width = w; c.height = h; }
  const g = c.getContext('2d');
  if (!g) return;
  g.clearRect(0, 0, w, h);
  const css = getComputedStyle(document.documentElement);
  const paint = (ranges: [number, number][], color: string, y: number, hh: number) => {
    g.fillStyle = color;
    for (const [a, b] of ranges) g.fillRect(Math.floor(a * w), y, Math.max(1, Math.ceil((b - a) * w)), hh);
  };
  if (!session) return;
  paint(session.fetched, css.getPropertyValue('--fetched').trim(), 0, h);
  paint(session.decrypted, css.getPropertyValue('--decrypted').trim(), Math.round(h * 0.25), Math.round(h * 0.5));
}
new ResizeObserver(drawRanges).observe(el.canvas);

// --------------------------------------------------------------------------------------------
// Helpers and start-up
// --------------------------------------------------------------------------------------------

function span(cls: string, text: string): HTMLSpanElement {
  const s = document.createElement('span');
  if (cls) s.className = cls;
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
  clearInterval(warmTimer);
  closeSession();
  showEmpty();
  showAccount();
  void loadContacts();
});
el.reload.addEventListener('click', () => void loadContacts());

// Keys and readers go away with the page; nothing decrypted outlives it.
addEventListener('pagehide', () => closeSession());

document.body.dataset.state = 'idle';
swReady.catch((e: Error) => { el.listStatus.textContent = msg['list.noServiceWorker'](e.message); });
showAccount();
void loadContacts();
