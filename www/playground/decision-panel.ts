/**
 * The decision panel: the request evaluated against every tab at once, the deciding statements
 * (listed, and highlighted in their tabs), the context keys the answer depended on, and the tabs
 * left out.
 */
import { evaluate, type Decision } from 'callseal/policy';
import { setDeciding, type DecidingRange } from './editor';
import { rangeOf } from './findings';
import { L } from './i18n/index';
import { el } from './page';
import { assemblePolicies, toRequest } from './state';
import type { Workspace } from './workspace';

const m = L.m;

export class DecisionPanel {
  /** Once a decision (or an error) is shown, every change re-evaluates. */
  shown = false;

  constructor(private readonly ws: Workspace, private readonly addContextKey: (key: string) => void) {}

  /** A tab's name for the panel; tabs of the same name also get their position. */
  private tabLabel(i: number): string {
    const untitled = m['tab.untitled'];
    const name = this.ws.tabs[i]!.name || untitled;
    const same = this.ws.tabs.filter((t) => (t.name || untitled) === name).length;
    return same > 1 ? m['tab.same'](name, L.number(i + 1)) : name;
  }

  private highlight(perTab: Map<number, DecidingRange[]>): void {
    const { ws } = this;
    ws.tabs.forEach((t, i) => {
      const effect = setDeciding.of(perTab.get(i) ?? []);
      if (i === ws.active) ws.view.dispatch({ effects: effect });
      else t.state = t.state.update({ effects: effect }).state;
    });
  }

  run(): void {
    const { ws } = this;
    const { policies, labels, skipped } = assemblePolicies(ws.snapshot().tabs);
    this.shown = true;
    let decision: Decision;
    try {
      decision = evaluate(toRequest(ws.request), policies);
    } catch (e) {
      el.decision.hidden = true;
      el.evalError.hidden = false;
      el.evalError.textContent = m['decision.cannot'](e instanceof Error ? e.message : String(e));
      this.highlight(new Map());
      return;
    }
    el.evalError.hidden = true;
    el.decision.hidden = false;
    el.decision.dataset.decision = decision.decision;
    el.decisionKind.textContent = m[`decision.${decision.decision}`];
    el.decisionKind.className = `badge ${decision.decision}`;
    el.decisionReason.textContent = decision.reason;

    const perTab = new Map<number, DecidingRange[]>();
    el.deciding.replaceChildren(
      ...decision.statements.map((s) => {
        const tab = labels.get(s.policy);
        const li = document.createElement('li');
        li.className = `deciding-item ${s.effect}`;
        const b = document.createElement('button');
        b.type = 'button';
        const where = tab === undefined ? s.policy : this.tabLabel(tab);
        b.textContent = `${s.effect} · ${where} · ${s.sid ? `Sid ${s.sid}` : `Statement[${s.index}]`} · Ln ${s.span.start.line}`;
        if (tab !== undefined) {
          const range = rangeOf(s, ws.stateOf(tab).doc.length);
          const list = perTab.get(tab) ?? [];
          list.push({ ...range, effect: s.effect, label: `${s.effect} ${s.sid ?? `Statement[${s.index}]`}` });
          perTab.set(tab, list);
          b.addEventListener('click', () => ws.select(tab, range));
        } else {
          b.disabled = true;
        }
        li.append(b);
        return li;
      }),
    );
    if (decision.statements.length === 0) el.deciding.append(muted(decision.deniedBy ? m['decision.noStatementDeniedBy'](decision.deniedBy) : m['decision.noStatement']));
    this.highlight(perTab);

    el.missing.replaceChildren(
      ...decision.missingContextKeys.map((k) => {
        const li = document.createElement('li');
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'ghost';
        b.textContent = k;
        b.title = m['decision.addKey'];
        b.addEventListener('click', () => this.addContextKey(k));
        li.append(b);
        return li;
      }),
    );
    if (decision.missingContextKeys.length === 0) el.missing.append(muted(m['decision.noneMissing']));
    el.skipped.textContent = skipped.map((s) => m['decision.onlyOne'](ws.tabs[s.tab]?.name || m['decision.aPolicy'], m[`slot.${s.slot}`])).join(' ');
  }
}

function muted(text: string): HTMLLIElement {
  const li = document.createElement('li');
  li.className = 'muted';
  li.textContent = text;
  return li;
}
