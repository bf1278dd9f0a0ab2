/** The tab bar, the visible tab's findings list and the status line. */
import type { Finding } from 'callseal/policy';
import { rangeOf, renderText, learnMoreLink, fixLabel, applyFix, severityLabel } from './findings';
import { decimal, L } from './i18n/index';
import { el } from './page';
import type { Tab, Workspace } from './workspace';

const m = L.m;
const SEVERITY_ORDER = { ERROR: 0, SECURITY_WARNING: 1, WARNING: 2, SUGGESTION: 3 } as const;

export function renderFindings(ws: Workspace): void {
  const findings = [...ws.current().findings].sort(
    (a, b) => a.span.start.utf16Offset - b.span.start.utf16Offset || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity],
  );
  el.findingCount.textContent = findings.length === 0 ? m['findings.none'] : L.number(findings.length);
  el.findings.replaceChildren(...findings.map((f) => findingItem(ws, f)));
}

function findingItem(ws: Workspace, f: Finding): HTMLLIElement {
  const { view } = ws;
  const li = document.createElement('li');
  li.className = `finding-item sev-${f.severity.toLowerCase()}`;
  li.dataset.code = f.code;
  const where = document.createElement('button');
  where.type = 'button';
  where.className = 'where';
  where.textContent = m['finding.where'](L.number(f.span.start.line), L.number(f.span.start.column));
  where.title = m['finding.show'];
  where.addEventListener('click', () => ws.select(ws.active, rangeOf(f, view.state.doc.length)));
  const sev = document.createElement('span');
  sev.className = 'sev';
  sev.textContent = severityLabel(f.severity);
  const code = document.createElement('span');
  code.className = 'code';
  code.textContent = f.code;
  const msg = document.createElement('p');
  msg.className = 'message';
  renderText(msg, f.message);
  li.append(sev, code, where, msg);
  if (f.path) {
    const path = document.createElement('span');
    path.className = 'path';
    path.textContent = f.path;
    msg.prepend(path, ' ');
  }
  if (f.learnMore) li.append(learnMoreLink(f.learnMore));
  if (f.fix) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'fix';
    b.textContent = fixLabel(f);
    b.title = f.fix.description.replace(/`/g, '');
    b.addEventListener('click', () => {
      applyFix(view, f, rangeOf(f, view.state.doc.length).from);
      view.focus();
    });
    li.append(b);
  }
  return li;
}

const errorCount = (t: Tab): number => t.findings.filter((f) => f.severity === 'ERROR').length;

export function renderTabs(ws: Workspace): void {
  el.tabs.replaceChildren(
    ...ws.tabs.map((t, i) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.role = 'tab';
      b.className = 'tab';
      b.id = `tab-${i}`;
      b.setAttribute('aria-selected', String(i === ws.active));
      b.tabIndex = i === ws.active ? 0 : -1;
      const name = document.createElement('span');
      name.className = 'tab-name';
      name.textContent = t.name || m['tab.untitled'];
      const kind = document.createElement('span');
      kind.className = 'tab-kind';
      kind.textContent = m[`kind.${ws.kindOf(i)}`];
      b.append(name, kind);
      const errors = errorCount(t);
      const others = t.findings.length - errors;
      if (errors || others) {
        const badge = document.createElement('span');
        badge.className = errors ? 'tab-badge errors' : 'tab-badge';
        badge.textContent = L.number(errors || others);
        badge.title = m['tab.badge'](L.number(errors), L.number(others));
        b.append(badge);
      }
      b.addEventListener('click', () => ws.switchTo(i));
      b.addEventListener('keydown', (e) => {
        const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
        if (!d) return;
        const next = (ws.active + d + ws.tabs.length) % ws.tabs.length;
        ws.switchTo(next);
        document.getElementById(`tab-${next}`)?.focus();
      });
      return b;
    }),
  );
  el.tabName.value = ws.current().name;
  el.policyType.value = ws.kindOf(ws.active);
  el.removeTab.disabled = ws.tabs.length <= 1;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? 0 : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The status line: the last validation's time (and the median of the last 100), and the service data's state. */
export class StatusLine {
  private readonly timings: number[] = [];
  private last: { ms: number; bytes: number } | undefined;
  serviceData = m['status.serviceDataLoading'];

  validated(ms: number, bytes: number): void {
    this.last = { ms, bytes };
    this.timings.push(ms);
    if (this.timings.length > 100) this.timings.shift();
  }

  render(): void {
    const parts: string[] = [];
    if (this.last) {
      parts.push(m['status.validated'](decimal(this.last.bytes / 1024, 1), decimal(this.last.ms, 2), decimal(median(this.timings), 2), L.number(this.timings.length)));
      el.status.dataset.validationMs = this.last.ms.toFixed(3);
    }
    parts.push(this.serviceData);
    el.status.textContent = parts.join(' · ');
  }
}
