/**
 * The transcript beside the player: turns (who, when, sentiment, text with redacted and issue
 * spans), the matched categories, the marks along the seek bar, and the turn being heard.
 */
import { turnAt, type Transcript } from '../lib/transcript';
import type { I18n } from '../lib/i18n/index';
import { span, type View } from './view';

export class TranscriptView {
  private turnEls: HTMLButtonElement[] = [];
  private active = -1;
  private shown?: Transcript;

  constructor(private readonly v: View, private readonly onSeek: (t: number) => void) {}

  get transcript(): Transcript | undefined { return this.shown; }

  /** Shows `t`, or only `status` without a transcript. */
  render(L: I18n, t: Transcript | undefined, status = ''): void {
    const { v } = this;
    const msg = L.m, clock = L.clock;
    this.shown = t;
    this.renderMarks(L);
    v.turns.replaceChildren();
    v.trCategories.replaceChildren();
    v.trCategories.hidden = true;
    delete v.trStatus.dataset.error;
    this.turnEls = [];
    this.active = -1;
    if (!t) { v.trStatus.textContent = status; return; }
    v.trStatus.textContent = [msg['tr.turns'](L.number(t.turns.length), L.one(t.turns.length)), t.redactedOutput ? msg['tr.redacted'] : ''].filter(Boolean).join(' · ');
    if (t.categories.length) {
      v.trCategories.hidden = false;
      v.trCategories.append(...t.categories.map((c) => span('', c.name)));
    }
    this.turnEls = t.turns.map((turn, i) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.className = `turn ${turn.role.toLowerCase()}`;
      b.setAttribute('part', 'turn');
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
        if (seg.kind === 'pii') {
          // Read as "redacted", shown as Contact Lens wrote it ([PII], [NAME]...).
          mark.setAttribute('aria-hidden', 'true');
          text.append(mark, span('vh', msg['tr.piiSpoken']));
        } else {
          text.append(mark);
        }
      }
      const said = turn.sentiment === 'POSITIVE' || turn.sentiment === 'NEGATIVE' || turn.sentiment === 'MIXED' ? msg[`sentiment.${turn.sentiment}`] : '';
      // The button's name is its content: who and when said (hidden words; the shown ones are
      // decoration), then the sentiment and the text, so the name holds everything shown.
      const shown = [span('who', who), time];
      for (const x of shown) x.setAttribute('aria-hidden', 'true');
      b.append(span('vh', msg['tr.turnLabel'](who, clock(turn.begin))), ...shown, span(`sentiment ${turn.sentiment.toLowerCase()}`, said), text);
      b.addEventListener('click', () => this.onSeek(turn.begin));
      li.append(b);
      v.turns.append(li);
      return b;
    });
  }

  /** Categories' points of interest and redacted spans, placed along the seek bar. */
  renderMarks(L: I18n): void {
    const { v } = this;
    const duration = Number(v.seek.max) || 0;
    v.marks.replaceChildren(...(duration > 0 ? this.shown?.marks ?? [] : []).map((m) => {
      const mark = span(`mark ${m.kind}`, '');
      mark.dataset.kind = m.kind;
      mark.dataset.begin = String(m.begin);
      mark.style.left = `${Math.min(100, (m.begin / duration) * 100)}%`;
      mark.style.width = `${Math.max(0, (Math.min(m.end, duration) - m.begin) / duration) * 100}%`;
      mark.title = m.kind === 'category' ? L.m['mark.category'](m.label, L.clock(m.begin), L.clock(m.end)) : L.m['mark.redacted'](L.clock(m.begin), L.clock(m.end));
      return mark;
    }));
  }

  /** Highlights the turn heard at `time` (and scrolls to it when following, unless focus is in the list). */
  sync(time: number): void {
    const t = this.shown;
    if (!t) return;
    const i = turnAt(t.turns, time);
    if (i === this.active) return;
    this.turnEls[this.active]?.removeAttribute('aria-current');
    this.active = i;
    const b = this.turnEls[i];
    if (!b) return;
    b.setAttribute('aria-current', 'true');
    const focused = this.v.root.activeElement;
    if (this.v.follow.checked && focused?.closest('.turns') == null) {
      b.scrollIntoView({ block: 'nearest', behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
    }
  }
}
