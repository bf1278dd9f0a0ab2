/**
 * The player's shadow DOM: its markup (strings marked data-i18n*, translated by lib/i18n's
 * `translate`) and the elements the player drives. Parts for hosts' `::part()`: player, title,
 * meta, error, stages, timeline, seek, controls, play, transcript, turns, turn, help.
 */
import { PLAYER_CSS } from './styles';

const MARKUP = `
<div class="layout" part="player">
  <section class="deck" id="deck" tabindex="-1" aria-labelledby="now-title">
    <p id="empty" class="empty" data-i18n="player.empty"></p>
    <div id="now" hidden>
      <div class="bar">
        <h2 id="now-title" part="title"></h2>
        <button id="help-open" type="button" class="ghost" aria-haspopup="dialog" aria-keyshortcuts="Shift+/"><span data-i18n="page.shortcuts"></span> <kbd>?</kbd></button>
      </div>
      <p id="now-meta" class="muted" part="meta"></p>
      <p id="verified" class="verified" role="status" hidden></p>
      <div id="error" class="error" role="alert" part="error" hidden>
        <h3 id="error-title"></h3>
        <p id="error-advice"></p>
        <p class="error-actions"><button id="error-action" type="button"></button></p>
        <details><summary data-i18n="page.details"></summary><code id="error-detail"></code></details>
      </div>
      <ol id="stages" class="stages" part="stages" data-i18n-label="page.stages">
        <li data-stage="url" data-i18n="stage.url"></li>
        <li data-stage="header" data-i18n="stage.header"></li>
        <li data-stage="key" data-i18n="stage.key"></li>
        <li data-stage="verify" data-i18n="stage.verify"></li>
        <li data-stage="ready" data-i18n="stage.ready"></li>
      </ol>
      <div class="timeline" part="timeline">
        <canvas id="ranges" aria-hidden="true"></canvas>
        <div id="marks" class="marks" aria-hidden="true"></div>
        <input id="seek" part="seek" type="range" min="0" max="0" step="0.1" value="0" data-i18n-label="page.position" disabled>
      </div>
      <div class="times"><span id="time-cur">0:00</span><span id="time-total">0:00</span></div>
      <p class="legend muted" aria-hidden="true"><span class="sw fetched"></span><span data-i18n="legend.downloaded"></span> <span class="sw decrypted"></span><span data-i18n="legend.decrypted"></span> <span class="sw category"></span><span data-i18n="legend.category"></span> <span class="sw redaction"></span><span data-i18n="legend.redacted"></span></p>
      <div class="controls" part="controls">
        <button id="back" type="button" aria-keyshortcuts="J"><span aria-hidden="true">−10 s</span><span class="vh" data-i18n="page.back"></span></button>
        <button id="play" part="play" type="button" class="primary" aria-keyshortcuts="K Space" disabled></button>
        <button id="fwd" type="button" aria-keyshortcuts="L"><span aria-hidden="true">+10 s</span><span class="vh" data-i18n="page.forward"></span></button>
        <label class="speed"><span data-i18n="page.speed"></span>
          <select id="speed">
            <option value="0.75">0.75×</option><option value="1" selected>1×</option><option value="1.25">1.25×</option><option value="1.5">1.5×</option><option value="2">2×</option>
          </select>
        </label>
        <label class="format"><span data-i18n="page.format"></span> <select id="format"></select></label>
        <fieldset id="channels" class="seg">
          <legend data-i18n="page.listenTo"></legend>
          <label><input type="radio" name="channel" value="both" checked> <span data-i18n="channel.both"></span></label>
          <label><input type="radio" name="channel" value="agent"> <span data-i18n="channel.agent"></span></label>
          <label><input type="radio" name="channel" value="customer"> <span data-i18n="channel.customer"></span></label>
        </fieldset>
      </div>
      <p id="progress-text" class="muted" role="status" aria-live="polite"></p>
      <audio id="audio" preload="auto"></audio>
    </div>
  </section>
  <section class="transcript" part="transcript" aria-labelledby="tr-h">
    <div class="bar">
      <h2 id="tr-h" data-i18n="page.transcript"></h2>
      <label class="follow"><input id="follow" type="checkbox" checked> <span data-i18n="page.follow"></span></label>
    </div>
    <p id="tr-status" class="muted" role="status"></p>
    <p id="tr-categories" class="categories" hidden></p>
    <ol id="turns" class="turns" part="turns"></ol>
  </section>
</div>
<dialog id="help" part="help" aria-labelledby="help-h">
  <h2 id="help-h" data-i18n="help.title"></h2>
  <table><tbody>
    <tr><th scope="row"><kbd>Space</kbd> <span data-i18n="help.or"></span> <kbd>K</kbd></th><td data-i18n="help.playPause"></td></tr>
    <tr><th scope="row"><kbd>J</kbd> / <kbd>L</kbd></th><td data-i18n="help.skip10"></td></tr>
    <tr><th scope="row"><kbd>←</kbd> / <kbd>→</kbd></th><td data-i18n="help.skip5"></td></tr>
    <tr><th scope="row"><kbd>P</kbd> / <kbd>N</kbd></th><td data-i18n="help.turns"></td></tr>
    <tr><th scope="row"><kbd>&lt;</kbd> / <kbd>&gt;</kbd></th><td data-i18n="help.speed"></td></tr>
    <tr><th scope="row"><kbd>1</kbd> <kbd>2</kbd> <kbd>3</kbd></th><td data-i18n="help.channels"></td></tr>
    <tr><th scope="row"><kbd>Home</kbd></th><td data-i18n="help.home"></td></tr>
    <tr><th scope="row"><kbd>?</kbd></th><td data-i18n="help.help"></td></tr>
  </tbody></table>
  <form method="dialog"><button type="submit" class="primary" data-i18n="help.close"></button></form>
</dialog>`;

/** One stylesheet per document (constructable: allowed under a CSP without 'unsafe-inline'). */
const sheets = new WeakMap<Document, CSSStyleSheet>();
function sheetFor(doc: Document): CSSStyleSheet {
  let sheet = sheets.get(doc);
  if (!sheet) {
    sheet = new (doc.defaultView ?? window).CSSStyleSheet();
    sheet.replaceSync(PLAYER_CSS);
    sheets.set(doc, sheet);
  }
  return sheet;
}

export function buildView(host: HTMLElement) {
  const root = host.attachShadow({ mode: 'open' });
  root.adoptedStyleSheets = [sheetFor(host.ownerDocument)];
  root.innerHTML = MARKUP;
  const $ = <T extends HTMLElement>(id: string) => root.getElementById(id) as T;
  return {
    root,
    deck: $('deck'),
    empty: $('empty'),
    now: $('now'),
    title: $('now-title'),
    meta: $('now-meta'),
    verified: $('verified'),
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
}

export type View = ReturnType<typeof buildView>;

export function span(cls: string, text: string): HTMLSpanElement {
  const s = document.createElement('span');
  if (cls) s.className = cls;
  s.textContent = text;
  return s;
}
