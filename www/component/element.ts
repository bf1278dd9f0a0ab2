/**
 * `<callseal-player>`: plays one contact's encrypted recording at a time, with its Contact Lens
 * transcript. Each element has its own decrypt worker (keys and readers live there only), its
 * own link to the Service Worker and no state shared with other players; removing the element
 * closes its readers and ends its worker (and with it the worker's wasm memory).
 */
import type { Contact, ObjectRef } from '../lib/broker';
import { explain, toWire, type Explained, type WireError } from '../lib/errors';
import { isFatalMediaError, seekStalls } from '../lib/media-error';
import { ContactLensError } from '../lib/contact-lens';
import { transcriptOf, turnAt } from '../lib/transcript';
import { i18n, pickLocale, translate, type I18n } from '../lib/i18n/index';
import type { FromWorker, ObjectTarget, Stage, ToWorker } from './protocol';
import { buildView, type View } from './view';
import { TranscriptView } from './transcript-view';
import { CHANNELS, ChannelMixer, type Channel } from './channels';
import { drawRanges } from './ranges';
import { shortcut } from './keyboard';
import { linkServiceWorker, type SwLink } from './sw-link';
import type { PlayerErrorDetail, PlayerEventMap, PlayerOptions } from './types';

interface Session {
  contact: Contact;
  /** What plays; none for a chat, whose transcript is all there is. */
  recording?: ObjectRef;
  /** Position to resume at once playable (format switch). */
  resumeAt: number;
  stream: string;
  opened: boolean;
  started: boolean;
  plaintextLength: number;
  ciphertextLength: number;
  fetched: [number, number][];
  decrypted: [number, number][];
  failed: boolean;
  /** The browser refused to start playing without a gesture (autoplay policy). */
  playRefused?: boolean;
  /** Runs once the recording opened or failed (loads the transcript). */
  afterOpen?: () => void;
  /** Played from memory (no Service Worker): the decrypted recording's Blob URL, revoked on close. */
  blobUrl?: string;
  /** A media error the element played on through (e.g. Firefox without an audio output): its code and message. */
  playedThrough?: string;
}

/** What `opened` tells of a recording: from the worker's range reader, or of a whole object. */
type Opened = Pick<Extract<FromWorker, { type: 'opened' }>, 'plaintextLength' | 'ciphertextLength' | 'format' | 'suite'>;

/**
 * Without a Service Worker, a recording up to this many bytes is fetched whole, decrypted with its
 * signature checked and played from memory; a longer one is refused (`no-service-worker`).
 */
export const WHOLE_OBJECT_MAX = 32 * 1024 * 1024;

const STAGES: Stage[] = ['url', 'header', 'key', 'verify', 'ready'];

export class CallsealPlayer extends HTMLElement {
  static readonly observedAttributes = ['lang', 'channel', 'theme'];

  private readonly v: View;
  private readonly tr: TranscriptView;
  private readonly mixer: ChannelMixer;
  private readonly id_ = crypto.randomUUID();
  private options: PlayerOptions = {};
  /** configure() was called: the Service Worker's URL is known. */
  private configured = false;
  private worker?: Worker;
  private sw?: SwLink;
  private session?: Session;
  private objectReq = 0;
  private warmTimer?: ReturnType<typeof setInterval>;
  private noticeUntil = 0;
  private L: I18n = i18n('en');
  private readonly onDocumentKey = (e: KeyboardEvent) => this.onKey(e);

  constructor() {
    super();
    this.v = buildView(this);
    this.tr = new TranscriptView(this.v, (t) => this.seekTo(t, true));
    this.mixer = new ChannelMixer(this.v.audio);
    this.wireControls();
    this.wireAudio();
  }

  // ------------------------------------------------------------------------------------------
  // Lifecycle and attributes
  // ------------------------------------------------------------------------------------------

  connectedCallback(): void {
    this.relabel();
    if (!this.dataset.state) this.setState('idle');
    if (this.getAttribute('keyboard') === 'page') this.ownerDocument.addEventListener('keydown', this.onDocumentKey);
    else this.addEventListener('keydown', this.onDocumentKey);
    this.start();
    if (this.configured) this.link();
  }

  disconnectedCallback(): void {
    this.close();
    this.ownerDocument.removeEventListener('keydown', this.onDocumentKey);
    this.removeEventListener('keydown', this.onDocumentKey);
    clearInterval(this.warmTimer);
    this.sw?.unlink();
    this.sw = undefined;
    // The worker's readers are closed (close above) and its memory goes with it.
    this.worker?.terminate();
    this.worker = undefined;
    this.mixer.close();
    delete this.dataset.ready;
  }

  attributeChangedCallback(name: string): void {
    if (name === 'lang') this.relabel();
    if (name === 'channel') this.applyChannel();
  }

  /** Sets where objects and keys come from (see PlayerOptions); applies to the next `open`. */
  configure(options: PlayerOptions): void {
    const swChanged = this.options.serviceWorker !== options.serviceWorker;
    this.options = { ...options };
    this.configured = true;
    if (swChanged) { this.sw?.unlink(); this.sw = undefined; }
    if (this.isConnected) { this.start(); this.link(); this.warmUp(); }
  }

  get currentTime(): number {
    return this.v.audio.currentTime;
  }

  set currentTime(t: number) {
    this.seek(t);
  }

  get duration(): number {
    const a = this.v.audio;
    return Number.isFinite(a.duration) ? a.duration : this.session?.contact.durationSeconds ?? 0;
  }

  get channel(): Channel {
    const c = this.getAttribute('channel');
    return CHANNELS.includes(c as Channel) ? (c as Channel) : 'both';
  }

  set channel(c: Channel) {
    this.setAttribute('channel', c);
  }

  // ------------------------------------------------------------------------------------------
  // API
  // ------------------------------------------------------------------------------------------

  /** Opens `contact`'s recording (the first format, or `format`) and starts playing it. */
  async open(contact: Contact, format?: string, resumeAt = 0): Promise<void> {
    for (const m of performance.getEntriesByType('mark')) if (m.name.startsWith('callseal:')) performance.clearMarks(m.name);
    performance.mark('callseal:open');
    const previous = this.session;
    const v = this.v, msg = this.L.m, clock = this.L.clock;
    this.closeSession();
    const recording = contact.recordings.find((r) => r.format === format) ?? contact.recordings[0];
    v.empty.hidden = true;
    v.now.hidden = false;
    v.title.textContent = contact.title;
    v.meta.textContent = [contact.startedAt && this.L.date(contact.startedAt), contact.queue, contact.agent].filter(Boolean).join(' · ');
    this.hideError();
    if (!recording && contact.transcript) return this.openChat(contact, previous);
    if (!recording) {
      this.tr.render(this.L, undefined, '');
      this.showError(this.explainLocal('no-contact', msg['play.noRecording']));
      return;
    }
    const s: Session = {
      contact, recording, resumeAt, stream: crypto.randomUUID(), opened: false, started: false, plaintextLength: 0, ciphertextLength: 0,
      fetched: [], decrypted: [], failed: false,
    };
    this.session = s;
    const worker = this.start();
    const sw = this.link();
    let target: ObjectTarget;
    try {
      target = await this.target(recording);
    } catch (e) {
      return this.fail(s, toWire(e));
    }
    if (this.session !== s) return;
    v.format.replaceChildren(...contact.recordings.map((r) => new Option(r.format.toUpperCase(), r.format, false, r === recording)));
    v.format.disabled = contact.recordings.length < 2;
    this.setStage('url');
    this.setControls(false);
    v.seek.max = String(contact.durationSeconds || 0);
    v.seek.value = '0';
    v.timeCur.textContent = clock(0);
    v.timeTotal.textContent = clock(contact.durationSeconds);
    v.progress.textContent = msg['play.opening'];
    v.verified.hidden = true;
    this.setState('opening');
    this.redraw();
    this.tr.render(this.L, undefined, contact.transcript ? msg['tr.decrypting'] : msg['tr.none']);
    // The transcript waits for the recording to play (or fail): first audio does not queue behind it.
    s.afterOpen = contact.transcript ? () => this.loadTranscript(s, previous) : undefined;

    // The path is decided before the worker asks for the key (one unwrap per playback): by range
    // through the Service Worker, else the whole object (playWhole). The link is made when the
    // element connects, so it has usually settled by the first open.
    let streams: string;
    try {
      streams = await sw.ready;
    } catch (e) {
      return this.playWhole(s, target, { source: 'other', code: 'NO_SERVICE_WORKER', status: 0, message: String((e as Error).message) });
    }
    if (this.session !== s) return;
    worker.postMessage({ type: 'open', stream: s.stream, target } satisfies ToWorker);
    // The element starts loading now, while the worker is still opening the recording: its first
    // request waits in the Service Worker until the stream is open (no byte before the reader has
    // authenticated it). play() from the caller's gesture (user activation).
    this.startAudio(s, `${streams}${encodeURIComponent(s.stream)}`);
  }

  /**
   * Without a Service Worker the element cannot be answered ranges of plaintext: a recording of
   * at most WHOLE_OBJECT_MAX bytes is fetched whole and decrypted by `decrypt` (its footer
   * signature checked before any byte is released), then played from memory through a Blob URL;
   * a longer one is refused with `no-service-worker`.
   */
  private async playWhole(s: Session, target: ObjectTarget, noSw: WireError): Promise<void> {
    const size = s.recording?.size;
    if (size === undefined || size > WHOLE_OBJECT_MAX) {
      const why = size === undefined ? 'its size is not listed' : `${this.L.bytes(size)} is more than ${this.L.bytes(WHOLE_OBJECT_MAX)}`;
      return this.fail(s, { ...noSw, message: `${noSw.message}; without one a recording is played from memory only when small enough (${why})` });
    }
    this.setStage('verify');
    const m = await this.requestObject(target, 'bytes');
    if (this.session !== s) { m.bytes?.fill(0); return; }
    if (!m.bytes) return this.fail(s, m.error ?? noSw);
    const format = m.format!;
    s.blobUrl = URL.createObjectURL(new Blob([m.bytes as Uint8Array<ArrayBuffer>], { type: format.mime })); // a copy
    const plaintextLength = m.bytes.length;
    m.bytes.fill(0);
    this.onOpened(s, { plaintextLength, ciphertextLength: size, format, suite: m.suite ?? '' });
    this.signatureState(s, 'verified', { reusedBytes: 0, fetchedBytes: size });
    this.startAudio(s, s.blobUrl);
  }

  /** Points the element at `src` and plays (from the caller's gesture: user activation). */
  private startAudio(s: Session, src: string): void {
    const v = this.v, a = v.audio;
    a.src = src;
    a.playbackRate = Number(v.speed.value);
    if (s.resumeAt > 0) a.currentTime = s.resumeAt;
    void a.play().catch((e: Error) => {
      if (this.session !== s || s.failed || e.name !== 'NotAllowedError') return;
      s.playRefused = true;
      if (s.opened) { v.progress.textContent = this.L.m['play.ready']; this.runAfterOpen(s); }
    });
  }

  /** A contact without a recording (a chat): its transcript, rendered as a conversation, and no audio. */
  private openChat(contact: Contact, previous?: Session): void {
    const v = this.v, msg = this.L.m;
    const s: Session = {
      contact, resumeAt: 0, stream: crypto.randomUUID(), opened: false, started: false, plaintextLength: 0, ciphertextLength: 0,
      fetched: [], decrypted: [], failed: false,
    };
    this.session = s;
    this.start();
    v.format.replaceChildren();
    v.format.disabled = true;
    this.setControls(false);
    v.seek.max = '0';
    v.seek.value = '0';
    v.timeCur.textContent = v.timeTotal.textContent = this.L.clock(0);
    v.progress.textContent = msg['play.chat'];
    v.verified.hidden = true;
    this.setState('chat');
    this.redraw();
    this.tr.render(this.L, undefined, msg['tr.decrypting']);
    void this.loadTranscript(s, previous);
  }

  play(): Promise<void> {
    if (!this.session?.opened || this.session.failed) return Promise.resolve();
    return this.v.audio.play();
  }

  pause(): void {
    this.v.audio.pause();
  }

  seek(t: number): void {
    this.seekTo(t);
  }

  /** Stops playback, closes the reader (its key wiped) and drops what the element buffered. */
  close(): void {
    this.closeSession();
    this.v.now.hidden = true;
    this.v.empty.hidden = false;
    this.tr.render(this.L, undefined, '');
    this.setState('idle');
  }

  // ------------------------------------------------------------------------------------------
  // Worker, Service Worker, host-provided objects and keys
  // ------------------------------------------------------------------------------------------

  /** The decrypt worker, made once while connected. */
  private start(): Worker {
    if (!this.worker) {
      // The package's layout: player.js beside player/decrypt.worker.js (bundlers follow this URL).
      this.worker = new Worker(new URL('./player/decrypt.worker.js', import.meta.url), { type: 'module', name: 'callseal-decrypt' });
      this.worker.addEventListener('message', (e: MessageEvent<FromWorker>) => this.onWorker(e.data));
    }
    return this.worker;
  }

  /** The Service Worker link, made once while connected (after configure, or at the first open). */
  private link(): SwLink {
    if (!this.sw) {
      const worker = this.start();
      const url = new URL(this.options.serviceWorker ?? 'callseal-sw.js', this.ownerDocument.baseURI).href;
      this.sw = linkServiceWorker(url, this.id_, (m, transfer = []) => worker.postMessage(m, transfer));
      this.sw.ready.then(() => this.settle('sw'), () => undefined);
    }
    return this.sw;
  }

  private toWorker(m: ToWorker, transfer: Transferable[] = []): void {
    this.worker?.postMessage(m, transfer);
  }

  private async brokerAccess() {
    const b = this.options.broker;
    return b ? { base: new URL(b.url, this.ownerDocument.baseURI).href, token: await b.token() } : undefined;
  }

  private async target(o: ObjectRef): Promise<ObjectTarget> {
    const { objectSource, keyProvider } = this.options;
    const broker = await this.brokerAccess();
    if (!broker && (!objectSource || !keyProvider)) {
      throw Object.assign(new Error('no broker, objectSource or keyProvider configured (mountPlayer options)'), { name: 'NotConfigured' });
    }
    // The listing's pre-signed URL while it is fresh enough (unless the host gives URLs itself).
    const listed = !objectSource && o.presigned && Date.now() < o.presigned.usableUntil ? o.presigned : undefined;
    return {
      objectId: o.id, size: o.size, expectedContext: o.expectedContext, keyRequest: o.keyRequest,
      url: listed?.url, urlExpiresAt: listed?.usableUntil, broker, fromPage: { url: !!objectSource, key: !!keyProvider },
    };
  }

  /** Answers the worker's question with the host's objectSource or keyProvider. */
  private async answer(m: Extract<FromWorker, { type: 'ask' }>): Promise<void> {
    try {
      if (m.what === 'url') {
        const s = this.session;
        const ref = [...(s?.contact.recordings ?? []), ...(s?.contact.transcript ? [s.contact.transcript] : [])].find((r) => r.id === m.objectId);
        if (!ref || !this.options.objectSource) throw Object.assign(new Error(`no object ${m.objectId} open`), { name: 'FetchError', status: 404, s3Code: '' });
        const u = await this.options.objectSource(ref);
        this.toWorker({ type: 'answer', req: m.req, url: { url: u.url, expiresAt: u.expiresAt } });
      } else {
        if (!this.options.keyProvider) throw new Error('no keyProvider');
        const key = await this.options.keyProvider({ objectId: m.objectId, ...m.request, dataKeyLength: m.dataKeyLength });
        const own = key.slice();
        key.fill(0);
        this.toWorker({ type: 'answer', req: m.req, key: own }, [own.buffer]);
      }
    } catch (e) {
      this.toWorker({ type: 'answer', req: m.req, error: toWire(e) });
    }
  }

  /** The unwrap's CORS preflight, cached ahead of the click (and again before the broker's 600 s max-age runs out). */
  private warmUp(): void {
    clearInterval(this.warmTimer);
    if (!this.options.broker) return;
    const send = () => void this.brokerAccess().then((broker) => { if (broker) this.toWorker({ type: 'warm', broker }); });
    send();
    this.warmTimer = setInterval(send, 540_000);
  }

  /**
   * Settled: the worker has its wasm and the Service Worker controls the page (`data-ready` on
   * the element, mark `callseal-init:settled`): what a supervisor's first click finds.
   */
  private readonly settled = { wasm: false, sw: false };
  private settle(part: keyof CallsealPlayer['settled']): void {
    this.settled[part] = true;
    if (this.settled.wasm && this.settled.sw && this.dataset.ready !== 'true') {
      this.dataset.ready = 'true';
      performance.mark('callseal-init:settled');
      this.emit('callseal-settled', undefined);
    }
  }

  private onWorker(m: FromWorker): void {
    if (m.type === 'ask') { void this.answer(m); return; }
    if (m.type === 'mark' && m.stream === undefined) {
      performance.mark(`callseal-init:${m.name}`, { startTime: m.at - performance.timeOrigin });
      if (m.name === 'worker-wasm') this.settle('wasm');
      return;
    }
    const s = this.session;
    if (m.type === 'object' || !s || m.stream !== s.stream) return;
    const v = this.v, msg = this.L.m, L = this.L;
    switch (m.type) {
      case 'stage':
        this.setStage(m.stage);
        performance.mark(`callseal:${m.stage}`, { startTime: m.at - performance.timeOrigin });
        break;
      case 'mark':
        performance.mark(`callseal:${m.name}`, { startTime: m.at - performance.timeOrigin });
        break;
      case 'opened':
        this.onOpened(s, m);
        break;
      case 'progress':

        s.fetched = m.fetched;
        s.decrypted = m.decrypted;
        this.redraw();
        if (performance.now() < this.noticeUntil) break; // a channel or speed notice stays readable a while
        v.progress.textContent = msg['play.progress'](
          s.ciphertextLength ? msg['play.ofTotal'](L.bytes(m.fetchedBytes), L.bytes(s.ciphertextLength)) : L.bytes(m.fetchedBytes),
          s.plaintextLength ? msg['play.ofTotal'](L.bytes(m.decryptedBytes), L.bytes(s.plaintextLength)) : L.bytes(m.decryptedBytes));
        break;
      case 'error':
        this.fail(s, m.error);
        break;
      case 'signature':
        // A failed check stops playback with the tamper warning (SIGNATURE_INVALID).
        if (m.state === 'failed') { this.fail(s, m.error!); break; }
        this.signatureState(s, m.state, { reusedBytes: m.reusedBytes ?? 0, fetchedBytes: m.fetchedBytes ?? 0 });
        break;
    }
  }

  /** The recording can play: controls on, what it is shown, `callseal-ready`. */
  private onOpened(s: Session, m: Opened): void {
    const v = this.v, msg = this.L.m;
    s.opened = true;
    s.plaintextLength = m.plaintextLength;
    s.ciphertextLength = m.ciphertextLength;
    this.setStage('ready');
    performance.mark('callseal:ready');
    // The transcript once audio plays (its fetch and unwrap would share the worker with the
    // element's first reads), or soon anyway (paused, autoplay refused).
    if (s.playRefused || s.resumeAt > 0) this.runAfterOpen(s);
    else setTimeout(() => this.runAfterOpen(s), 1500);
    v.meta.textContent = [v.meta.textContent, m.format.label, msg['play.suite'](m.suite), msg['play.encryptedSize'](this.L.bytes(m.ciphertextLength))]
      .filter(Boolean).join(' · ');
    v.channels.disabled = m.format.channels !== 2;
    v.channels.title = m.format.channels === 2 ? '' : msg['play.mono'];
    this.setControls(true);
    if (!s.started) v.progress.textContent = s.playRefused ? msg['play.ready'] : msg['play.buffering'];
    this.emit('callseal-ready', {
      contactId: s.contact.id, objectId: s.recording?.id ?? '', plaintextLength: m.plaintextLength,
      mime: m.format.mime, channels: m.format.channels, suite: m.suite,
    });
  }

  /** Shows where the footer signature's check is; `callseal-verified` once it verified. */
  private signatureState(s: Session, state: 'verifying' | 'verified', bytes = { reusedBytes: 0, fetchedBytes: 0 }): void {
    const v = this.v;
    v.verified.hidden = false;
    v.verified.dataset.state = state;
    v.verified.textContent = state === 'verified' ? this.L.m['sig.verified'] : this.L.m['sig.verifying'];
    if (state === 'verified') this.emit('callseal-verified', { contactId: s.contact.id, objectId: s.recording?.id ?? '', ...bytes });
  }

  /** A whole object from the worker (fetched, decrypted, its signature checked), as text or bytes. */
  private requestObject(target: ObjectTarget, as: 'text' | 'bytes'): Promise<Extract<FromWorker, { type: 'object' }>> {
    const worker = this.start();
    const req = ++this.objectReq;
    return new Promise((resolve) => {
      const onMessage = (e: MessageEvent<FromWorker>) => {
        if (e.data.type !== 'object' || e.data.req !== req) return;
        worker.removeEventListener('message', onMessage);
        resolve(e.data);
      };
      worker.addEventListener('message', onMessage);
      this.toWorker({ type: 'object', req, target, as });
    });
  }

  private async loadTranscript(s: Session, previous?: Session): Promise<void> {
    // Same contact in another format: the transcript is already decrypted.
    if (previous?.contact.id === s.contact.id && this.tr.transcript && this.session === s) {
      this.tr.render(this.L, this.tr.transcript);
      return;
    }
    let target: ObjectTarget;
    try {
      target = await this.target(s.contact.transcript!);
    } catch (e) {
      this.tr.render(this.L, undefined, this.L.m['tr.failed'](explain(toWire(e), this.L.m).title));
      return;
    }
    if (this.session !== s) return;
    const m = await this.requestObject(target, 'text');
    if (this.session !== s) return;
    const msg = this.L.m;
    if (m.error) {
      const x = explain(m.error, msg);
      this.tr.render(this.L, undefined, msg['tr.failed'](x.title));
      this.v.trStatus.dataset.error = x.kind;
      return;
    }
    try {
      this.tr.render(this.L, transcriptOf(JSON.parse(m.text ?? '')));
      this.tr.sync(this.v.audio.currentTime);
    } catch (err) {
      this.tr.render(this.L, undefined, err instanceof ContactLensError && err.code === 'TRANSCRIBE_CALL_ANALYTICS'
        ? msg['tr.transcribe']
        : err instanceof ContactLensError && err.code === 'UNSUPPORTED_VERSION' ? msg['tr.version'] : msg['tr.invalid']);
      if (err instanceof ContactLensError) this.v.trStatus.dataset.error = err.code;
    }
  }

  private runAfterOpen(s: Session): void {
    const f = s.afterOpen;
    s.afterOpen = undefined;
    f?.();
  }

  private closeSession(): void {
    const s = this.session;
    if (!s) return;
    this.toWorker({ type: 'close', stream: s.stream });
    this.session = undefined;
    const a = this.v.audio;
    a.pause();
    a.removeAttribute('src');
    a.load(); // drops the element's buffered plaintext
    if (s.blobUrl) URL.revokeObjectURL(s.blobUrl);
  }

  // ------------------------------------------------------------------------------------------
  // Errors
  // ------------------------------------------------------------------------------------------

  private explainLocal(code: PlayerErrorDetail['code'], title: string): Explained & { code: PlayerErrorDetail['code'] } {
    return { kind: 'unknown', code, title, advice: '', action: 'none', detail: '' };
  }

  private fail(s: Session, error: WireError): void {
    if (this.session !== s || s.failed) return;
    if (!s.opened) this.runAfterOpen(s);
    s.failed = true;
    const x = explain(error, this.L.m);
    this.showError(x, error);
    const a = this.v.audio;
    a.pause();
    if (x.kind === 'tampered' || x.kind === 'changed' || !s.opened) {
      // Nothing more from this object (or nothing to play: it never opened): stop the stream
      // and drop what the element buffered.
      this.toWorker({ type: 'close', stream: s.stream });
      a.removeAttribute('src');
      a.load();
      this.setControls(false);
    }
    this.setState('error');
    this.v.progress.textContent = '';
  }

  private showError(x: Explained & { code?: PlayerErrorDetail['code'] }, cause?: WireError): void {
    const v = this.v;
    v.error.hidden = false;
    v.error.dataset.error = x.kind;
    v.errorTitle.textContent = x.title;
    v.errorAdvice.textContent = x.advice;
    v.errorDetail.textContent = x.detail;
    v.errorAction.parentElement!.hidden = x.action !== 'retry';
    v.errorAction.textContent = this.L.m['error.retry'];
    v.errorAction.onclick = () => { if (this.session) void this.open(this.session.contact); };
    for (const li of v.stages.querySelectorAll('li[aria-current]')) li.classList.add('failed');
    const code = x.code ?? (cause?.code === 'NO_SERVICE_WORKER' ? 'no-service-worker' : cause?.code === 'NotConfigured' ? 'not-configured' : x.kind);
    this.emit('callseal-error', { code, message: x.title, advice: x.advice, cause: cause ?? { source: 'other', code, status: 0, message: x.title } });
  }

  private hideError(): void {
    this.v.error.hidden = true;
    delete this.v.error.dataset.error;
  }

  // ------------------------------------------------------------------------------------------
  // Controls and the media element
  // ------------------------------------------------------------------------------------------

  private wireControls(): void {
    const v = this.v;
    v.play.addEventListener('click', () => this.togglePlay());
    v.back.addEventListener('click', () => this.seekTo(v.audio.currentTime - 10));
    v.fwd.addEventListener('click', () => this.seekTo(v.audio.currentTime + 10));
    v.seek.addEventListener('input', () => this.seekTo(Number(v.seek.value)));
    v.format.addEventListener('change', () => { if (this.session) void this.open(this.session.contact, v.format.value, v.audio.currentTime); });
    v.speed.addEventListener('change', () => { v.audio.playbackRate = Number(v.speed.value); });
    v.channels.addEventListener('change', () => {
      this.channel = (v.channels.querySelector<HTMLInputElement>('input:checked')?.value ?? 'both') as Channel;
    });
    v.helpOpen.addEventListener('click', () => v.help.showModal());
    new ResizeObserver(() => this.redraw()).observe(v.canvas);
  }

  private wireAudio(): void {
    const v = this.v, a = v.audio;
    a.addEventListener('play', () => { v.play.textContent = this.L.m['play.pause']; v.play.setAttribute('aria-pressed', 'true'); });
    a.addEventListener('pause', () => { v.play.textContent = this.L.m['play.play']; v.play.setAttribute('aria-pressed', 'false'); });
    a.addEventListener('playing', () => {
      const s = this.session;
      if (!s) return;
      if (!s.started) {
        performance.mark('callseal:playing');
        this.toWorker({ type: 'playing', stream: s.stream });
      }
      s.started = true;
      this.runAfterOpen(s);
      this.setState('playing');
      this.tick();
    });
    for (const type of ['loadstart', 'loadedmetadata', 'loadeddata', 'canplay', 'play']) {
      a.addEventListener(type, () => { if (this.session && !this.session.started) performance.mark(`callseal:el-${type}`); });
    }
    a.addEventListener('waiting', () => { if (this.session && !this.session.failed) this.setState('buffering'); });
    a.addEventListener('durationchange', () => {
      if (!Number.isFinite(a.duration)) return;
      v.seek.max = String(a.duration);
      v.timeTotal.textContent = this.L.clock(a.duration);
      this.tr.renderMarks(this.L);
    });
    a.addEventListener('timeupdate', () => {
      this.updateTime();
      this.tr.sync(a.currentTime);
      if (this.session) this.emit('callseal-timeupdate', { currentTime: a.currentTime, duration: this.duration });
    });
    a.addEventListener('error', () => {
      const s = this.session;
      if (!s || !a.getAttribute('src')) return;
      const code = a.error?.code, message = a.error?.message || 'media error', at = a.currentTime;
      // The same error again after a reload (seekStalls): already judged.
      if (s.playedThrough === `${code} ${message}`) return;
      // A decryption failure reaches the element as a network error: let the worker's precise
      // error (tampered, expired...) arrive first. Meanwhile playback shows whether the error stopped it.
      setTimeout(() => {
        if (this.session !== s || s.failed) return;
        const playing = !a.paused && a.currentTime > at;
        if (isFatalMediaError({ code, playing })) return this.fail(s, { source: 'media', code: `MEDIA_ERR_${code ?? 0}`, status: 0, message });
        s.playedThrough = `${code} ${message}`;
        console.warn(`callseal player: media error MEDIA_ERR_${code} (${message}); playback goes on`);
      }, 400);
    });
    // A seek the element would never complete (seekStalls: Firefox without an audio output, to a
    // point not buffered): the source is loaded again, starting there.
    a.addEventListener('seeking', () => {
      const s = this.session, src = a.getAttribute('src');
      if (!s?.opened || s.failed || !src || !seekStalls(a)) return;
      const at = a.currentTime, playing = !a.paused;
      a.src = src;
      a.currentTime = at;
      if (playing) void a.play().catch(() => {});
    });
    a.addEventListener('ended', () => this.setState('ended'));
  }

  private setControls(on: boolean): void {
    for (const b of [this.v.play, this.v.back, this.v.fwd, this.v.seek]) b.disabled = !on;
  }

  private seekTo(t: number, play = false): void {
    const s = this.session;
    if (!s?.opened || s.failed) return;
    const a = this.v.audio;
    const d = Number.isFinite(a.duration) ? a.duration : s.contact.durationSeconds || Infinity;
    a.currentTime = Math.max(0, Math.min(t, d - 0.05));
    if (play) void a.play().catch(() => {});
    this.tr.sync(a.currentTime);
  }

  private togglePlay(): void {
    if (!this.session?.opened || this.session.failed) return;
    if (this.v.audio.paused) void this.v.audio.play().catch(() => {});
    else this.v.audio.pause();
  }

  /**
   * The seek bar's position at every call (every animation frame while playing); the time shown
   * and the bar's accessible text only when the time shown changes: rewritten each frame with the
   * same values, they left ~60 MiB of garbage in Blink's heap within 15 s of playback
   * (bench/reading.md).
   */
  private updateTime(): void {
    const v = this.v, t = v.audio.currentTime, now = this.L.clock(t);
    if (v.root.activeElement !== v.seek) v.seek.value = String(t);
    if (v.timeCur.textContent !== now) {
      v.seek.setAttribute('aria-valuetext', this.L.m['play.ofTotal'](now, v.timeTotal.textContent!));
      v.timeCur.textContent = now;
    }
  }

  /** Smooth highlight and position while playing (timeupdate fires only ~4 times a second). */
  private tick(): void {
    if (this.v.audio.paused || !this.isConnected) return;
    this.updateTime();
    this.tr.sync(this.v.audio.currentTime);
    requestAnimationFrame(() => this.tick());
  }

  private applyChannel(): void {
    const ch = this.channel;
    for (const r of this.v.channels.querySelectorAll<HTMLInputElement>('input')) r.checked = r.value === ch;
    this.mixer.set(ch);
    const msg = this.L.m;
    if (this.session) this.notice(ch === 'both' ? msg['play.both'] : ch === 'agent' ? msg['play.agentOnly'] : msg['play.customerOnly']);
  }

  private stepSpeed(dir: number): void {
    const sp = this.v.speed;
    sp.selectedIndex = Math.max(0, Math.min(sp.options.length - 1, sp.selectedIndex + dir));
    this.v.audio.playbackRate = Number(sp.value);
    this.notice(this.L.m['play.speed'](this.L.number(Number(sp.value))));
  }

  /** A status the user caused (channel, speed): download progress does not replace it for 3 s. */
  private notice(text: string): void {
    this.v.progress.textContent = text;
    this.noticeUntil = performance.now() + 3000;
  }

  private onKey(e: KeyboardEvent): void {
    const v = this.v, a = v.audio;
    if (v.help.open) return;
    const turns = this.tr.transcript?.turns ?? [];
    const action = shortcut(e, v.seek);
    if (!action) return;
    switch (action) {
      case 'toggle': this.togglePlay(); break;
      case 'back10': this.seekTo(a.currentTime - 10); break;
      case 'fwd10': this.seekTo(a.currentTime + 10); break;
      case 'back5': this.seekTo(a.currentTime - 5); break;
      case 'fwd5': this.seekTo(a.currentTime + 5); break;
      case 'home': this.seekTo(0); break;
      case 'nextTurn': { const next = turns[turnAt(turns, a.currentTime) + 1]; if (next) this.seekTo(next.begin); break; }
      case 'prevTurn': {
        const i = turnAt(turns, a.currentTime);
        const cur = turns[i];
        const prev = cur && a.currentTime - cur.begin < 1.5 ? turns[i - 1] : cur;
        if (prev) this.seekTo(prev.begin);
        break;
      }
      case 'slower': this.stepSpeed(-1); break;
      case 'faster': this.stepSpeed(1); break;
      case 'both': case 'agent': case 'customer': if (!v.channels.disabled) this.channel = action; break;
      case 'help': v.help.showModal(); break;
    }
    e.preventDefault();
  }

  // ------------------------------------------------------------------------------------------
  // Rendering
  // ------------------------------------------------------------------------------------------

  /** The strings in the `lang` attribute's language (else the page's, else the browser's). */
  private relabel(): void {
    this.L = i18n(pickLocale([this.getAttribute('lang'), this.ownerDocument.documentElement.lang, ...navigator.languages]));
    const v = this.v, msg = this.L.m;
    translate(v.root, this.L);
    v.deck.setAttribute('aria-label', msg['player.label']);
    v.play.textContent = v.audio.paused ? msg['play.play'] : msg['play.pause'];
    v.timeCur.textContent = this.L.clock(v.audio.currentTime);
    v.timeTotal.textContent = this.L.clock(this.duration);
    if (this.tr.transcript) this.tr.render(this.L, this.tr.transcript);
    this.tr.sync(v.audio.currentTime);
  }

  private setState(state: string): void {
    this.dataset.state = state;
  }

  private setStage(stage: Stage): void {
    const at = STAGES.indexOf(stage);
    this.v.stages.querySelectorAll('li').forEach((li, i) => {
      li.classList.toggle('done', i < at || stage === 'ready');
      li.classList.remove('failed');
      if (i === at && stage !== 'ready') li.setAttribute('aria-current', 'step');
      else li.removeAttribute('aria-current');
    });
  }

  private redraw(): void {
    drawRanges(this.v.canvas, this.session);
  }

  private emit<K extends keyof PlayerEventMap>(type: K, detail: PlayerEventMap[K]['detail']): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }
}

/** The player's events, typed for addEventListener. */
export interface CallsealPlayer {
  addEventListener<K extends keyof PlayerEventMap>(type: K, listener: (this: CallsealPlayer, ev: PlayerEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener<K extends keyof HTMLElementEventMap>(type: K, listener: (this: CallsealPlayer, ev: HTMLElementEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof PlayerEventMap>(type: K, listener: (this: CallsealPlayer, ev: PlayerEventMap[K]) => unknown, options?: boolean | EventListenerOptions): void;
  removeEventListener<K extends keyof HTMLElementEventMap>(type: K, listener: (this: CallsealPlayer, ev: HTMLElementEventMap[K]) => unknown, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}
