/**
 * The policy playground: several policies in tabs (each with its type), validated on every
 * keystroke by callseal's wasm validator, and a request evaluated against all of them at once.
 * Everything runs in this page; the state lives in the URL fragment and in localStorage.
 */
import { EditorSelection, type EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import {
  evaluate,
  hasServiceData,
  listActions,
  listConditionKeys,
  loadServiceData,
  type Decision,
  type Finding,
} from 'callseal/policy';
import serviceDataUrl from 'callseal/service-data.bin?url';
import { createTabState, kindField, revalidate, setDeciding, setKind, validate, type DecidingRange, type Validated } from './editor';
import { applyFix, fixLabel, learnMoreLink, rangeOf, renderText, severityLabel } from './findings';
import { decimal, L } from './i18n/index';
import { translatePage } from '../lib/i18n/index';
import {
  assemblePolicies,
  hashOf,
  isKind,
  KINDS,
  persist,
  stateFromHash,
  stateFromStorage,
  toRequest,
  type PlaygroundState,
  type PolicyKind,
  type RequestState,
} from './state';
import { TEMPLATES, templateById } from './templates';
import editorCss from './editor.css?inline';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el as T;
};

const el = {
  tabs: $<HTMLDivElement>('tabs'),
  addTab: $<HTMLButtonElement>('add-tab'),
  removeTab: $<HTMLButtonElement>('remove-tab'),
  tabName: $<HTMLInputElement>('tab-name'),
  policyType: $<HTMLSelectElement>('policy-type'),
  template: $<HTMLSelectElement>('template'),
  editor: $<HTMLDivElement>('editor'),
  findings: $<HTMLOListElement>('findings'),
  findingCount: $<HTMLSpanElement>('finding-count'),
  form: $<HTMLFormElement>('request-form'),
  principal: $<HTMLInputElement>('req-principal'),
  action: $<HTMLInputElement>('req-action'),
  resource: $<HTMLInputElement>('req-resource'),
  resourceAccount: $<HTMLInputElement>('req-resource-account'),
  contextRows: $<HTMLDivElement>('context-rows'),
  addContext: $<HTMLButtonElement>('add-context'),
  actionList: $<HTMLDataListElement>('action-list'),
  keyList: $<HTMLDataListElement>('condition-key-list'),
  decision: $<HTMLElement>('decision'),
  decisionKind: $<HTMLSpanElement>('decision-kind'),
  decisionReason: $<HTMLSpanElement>('decision-reason'),
  deciding: $<HTMLUListElement>('deciding'),
  missing: $<HTMLUListElement>('missing'),
  skipped: $<HTMLParagraphElement>('skipped'),
  evalError: $<HTMLParagraphElement>('eval-error'),
  status: $<HTMLParagraphElement>('status'),
  share: $<HTMLButtonElement>('share'),
  lang: $<HTMLSelectElement>('lang'),
};

const m = L.m;
translatePage(document, L);
el.lang.value = L.locale;
// The language is the page's address (?lang=); the policies and request stay in the fragment.
el.lang.addEventListener('change', () => {
  flushPersist();
  const url = new URL(location.href);
  url.searchParams.set('lang', el.lang.value);
  location.assign(url.href);
});

// --------------------------------------------------------------------------------------------
// State
// --------------------------------------------------------------------------------------------

const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function defaultState(): PlaygroundState {
  const t = (id: string) => {
    const tpl = templateById(id);
    if (!tpl) throw new Error(`no template ${id}`);
    return tpl;
  };
  return {
    v: 1,
    tabs: [
      { name: m['tab.defaultKey'], kind: 'kms-key', text: t('connect-key').text },
      { name: m['tab.defaultIdentity'], kind: 'identity', text: t('rbac-supervisor').text },
    ],
    active: 0,
    request: {
      principal: 'connect.amazonaws.com',
      action: 'kms:GenerateDataKey',
      resource: KEY_ARN,
      resourceAccount: '',
      context: [
        ['aws:SourceAccount', '111122223333'],
        ['aws:SourceArn', 'arn:aws:connect:us-east-1:111122223333:instance/11111111-2222-3333-4444-555555555555'],
      ],
    },
  };
}

interface Tab {
  name: string;
  /** The tab's editor state while it is not the visible one (the view holds the visible one's). */
  state: EditorState;
  findings: Finding[];
}

const initial = stateFromHash(location.hash) ?? stateFromStorage() ?? defaultState();
let request: RequestState = initial.request;
let active = initial.active;
const hooks = { onValidated, onDocChanged };
const tabs: Tab[] = initial.tabs.map((t) => ({ name: t.name, state: createTabState(t.text, t.kind, hooks), findings: [] }));

/**
 * The editor lives in a shadow root: CodeMirror then installs its styles as constructed
 * stylesheets (adoptedStyleSheets), which a strict `style-src 'self'` allows, instead of the
 * <style> element it uses in a document (which would need 'unsafe-inline' or a per-response nonce).
 */
function editorRoot(host: HTMLElement): ShadowRoot {
  const shadow = host.attachShadow({ mode: 'open' });
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(editorCss);
  shadow.adoptedStyleSheets = [sheet];
  return shadow;
}
const shadow = editorRoot(el.editor);
const view = new EditorView({ state: tabs[active]!.state, parent: shadow, root: shadow });

const currentTab = (): Tab => tabs[active]!;
/** A tab's latest editor state (the view's for the visible tab). */
const stateOf = (i: number): EditorState => (i === active ? view.state : tabs[i]!.state);
const kindOf = (i: number): PolicyKind => stateOf(i).field(kindField);

function snapshot(): PlaygroundState {
  return {
    v: 1,
    tabs: tabs.map((t, i) => ({ name: t.name, kind: kindOf(i), text: stateOf(i).doc.toString() })),
    active,
    request,
  };
}

let persistTimer: ReturnType<typeof setTimeout> | undefined;
function schedulePersist(): void {
  clearTimeout(persistTimer);
  persistTimer = setTimeout(flushPersist, 200);
}
function flushPersist(): void {
  clearTimeout(persistTimer);
  persistTimer = undefined;
  persist(snapshot());
}
addEventListener('pagehide', flushPersist);

// --------------------------------------------------------------------------------------------
// Validation: findings list, tab badges, status line
// --------------------------------------------------------------------------------------------

const timings: number[] = [];
let lastValidation: { ms: number; bytes: number } | undefined;
let serviceDataNote = m['status.serviceDataLoading'];

function onValidated(v: Validated): void {
  if (v.state.doc !== view.state.doc) return; // a stale run for a tab no longer shown
  currentTab().findings = v.findings;
  lastValidation = { ms: v.ms, bytes: v.state.doc.length };
  timings.push(v.ms);
  if (timings.length > 100) timings.shift();
  renderFindings();
  renderTabs();
  renderStatus();
}

function onDocChanged(): void {
  schedulePersist();
  if (lastDecisionShown) runEvaluation();
}

function validateHidden(i: number): void {
  const s = stateOf(i);
  tabs[i]!.findings = validate(s.doc.toString(), s.field(kindField)).findings;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? 0 : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function renderStatus(): void {
  const parts: string[] = [];
  if (lastValidation) {
    parts.push(m['status.validated'](decimal(lastValidation.bytes / 1024, 1), decimal(lastValidation.ms, 2), decimal(median(timings), 2), L.number(timings.length)));
    el.status.dataset.validationMs = lastValidation.ms.toFixed(3);
  }
  parts.push(serviceDataNote);
  el.status.textContent = parts.join(' · ');
}

const SEVERITY_ORDER = { ERROR: 0, SECURITY_WARNING: 1, WARNING: 2, SUGGESTION: 3 } as const;

function renderFindings(): void {
  const findings = [...currentTab().findings].sort(
    (a, b) => a.span.start.utf16Offset - b.span.start.utf16Offset || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity],
  );
  el.findingCount.textContent = findings.length === 0 ? m['findings.none'] : L.number(findings.length);
  el.findings.replaceChildren(
    ...findings.map((f) => {
      const li = document.createElement('li');
      li.className = `finding-item sev-${f.severity.toLowerCase()}`;
      li.dataset.code = f.code;
      const where = document.createElement('button');
      where.type = 'button';
      where.className = 'where';
      where.textContent = m['finding.where'](L.number(f.span.start.line), L.number(f.span.start.column));
      where.title = m['finding.show'];
      where.addEventListener('click', () => select(active, rangeOf(f, view.state.doc.length)));
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
    }),
  );
}

function errorCount(t: Tab): number {
  return t.findings.filter((f) => f.severity === 'ERROR').length;
}

function renderTabs(): void {
  el.tabs.replaceChildren(
    ...tabs.map((t, i) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.role = 'tab';
      b.className = 'tab';
      b.id = `tab-${i}`;
      b.setAttribute('aria-selected', String(i === active));
      b.tabIndex = i === active ? 0 : -1;
      const name = document.createElement('span');
      name.className = 'tab-name';
      name.textContent = t.name || m['tab.untitled'];
      const kind = document.createElement('span');
      kind.className = 'tab-kind';
      kind.textContent = m[`kind.${kindOf(i)}`];
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
      b.addEventListener('click', () => switchTab(i));
      b.addEventListener('keydown', (e) => {
        const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
        if (!d) return;
        const next = (active + d + tabs.length) % tabs.length;
        switchTab(next);
        document.getElementById(`tab-${next}`)?.focus();
      });
      return b;
    }),
  );
  el.tabName.value = currentTab().name;
  el.policyType.value = kindOf(active);
  el.removeTab.disabled = tabs.length <= 1;
}

function switchTab(i: number): void {
  if (i === active || !tabs[i]) return;
  tabs[active]!.state = view.state;
  active = i;
  view.setState(tabs[i]!.state); // the linter plugin is recreated and validates at once
  renderTabs();
  renderFindings();
  schedulePersist();
}

// --------------------------------------------------------------------------------------------
// Tab controls
// --------------------------------------------------------------------------------------------

for (const kind of Object.keys(KINDS) as PolicyKind[]) el.policyType.add(new Option(m[`kind.${kind}`], kind));
for (const t of TEMPLATES) {
  const o = new Option(m[`template.${t.id}`], t.id);
  o.title = m[`template.${t.id}.note`];
  el.template.add(o);
}

el.policyType.addEventListener('change', () => {
  const kind = el.policyType.value;
  if (!isKind(kind)) return;
  view.dispatch({ effects: setKind.of(kind) });
  renderTabs();
  schedulePersist();
  if (lastDecisionShown) runEvaluation();
});

el.tabName.addEventListener('input', () => {
  currentTab().name = el.tabName.value;
  renderTabs();
  schedulePersist();
});

el.template.addEventListener('change', () => {
  const tpl = templateById(el.template.value);
  el.template.value = '';
  if (!tpl) return;
  // One transaction: the text and the type (undo restores both).
  view.dispatch({
    changes: { from: 0, to: view.state.doc.length, insert: tpl.text },
    effects: [setKind.of(tpl.kind), setDeciding.of([])],
    selection: { anchor: 0 },
    scrollIntoView: true,
  });
  renderTabs();
  schedulePersist();
  view.focus();
});

el.addTab.addEventListener('click', () => {
  const text = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Effect": "Allow",\n      "Action": "",\n      "Resource": "*"\n    }\n  ]\n}\n';
  tabs.push({ name: m['tab.new'](L.number(tabs.length + 1)), state: createTabState(text, 'identity', hooks), findings: [] });
  switchTab(tabs.length - 1);
  // Cursor inside the empty Action string, completion open.
  const at = text.indexOf('"Action": "') + '"Action": "'.length;
  view.dispatch({ selection: { anchor: at } });
  view.focus();
});

el.removeTab.addEventListener('click', () => {
  if (tabs.length <= 1) return;
  const name = currentTab().name || m['tab.this'];
  if (!confirm(m['tab.removeConfirm'](name))) return;
  tabs.splice(active, 1);
  active = Math.min(active, tabs.length - 1);
  view.setState(tabs[active]!.state);
  renderTabs();
  renderFindings();
  schedulePersist();
  if (lastDecisionShown) runEvaluation();
});

/** Selects a range in tab `i` (switching to it) and scrolls it into view. */
function select(i: number, range: { from: number; to: number }): void {
  switchTab(i);
  const len = view.state.doc.length;
  view.dispatch({
    selection: EditorSelection.range(Math.min(range.from, len), Math.min(range.to, len)),
    effects: EditorView.scrollIntoView(Math.min(range.from, len), { y: 'center' }),
  });
  view.focus();
}

// --------------------------------------------------------------------------------------------
// Request panel
// --------------------------------------------------------------------------------------------

function renderRequest(): void {
  el.principal.value = request.principal;
  el.action.value = request.action;
  el.resource.value = request.resource;
  el.resourceAccount.value = request.resourceAccount;
  el.contextRows.replaceChildren(...request.context.map((row, i) => contextRow(row, i)));
}

function contextRow(row: [string, string], i: number): HTMLElement {
  const div = document.createElement('div');
  div.className = 'context-row';
  const key = document.createElement('input');
  key.type = 'text';
  key.value = row[0];
  key.placeholder = 'aws:SourceAccount';
  key.setAttribute('list', 'condition-key-list');
  key.setAttribute('aria-label', m['ctx.key'](L.number(i + 1)));
  key.spellcheck = false;
  key.className = 'ctx-key';
  const value = document.createElement('input');
  value.type = 'text';
  value.value = row[1];
  value.placeholder = m['ctx.valuePlaceholder'];
  value.setAttribute('aria-label', m['ctx.value'](L.number(i + 1)));
  value.spellcheck = false;
  value.className = 'ctx-value';
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.className = 'ghost remove';
  remove.textContent = '×';
  remove.setAttribute('aria-label', m['ctx.remove'](L.number(i + 1)));
  key.addEventListener('input', () => {
    row[0] = key.value;
    suggest(el.keyList, key.value, listConditionKeys);
    requestChanged();
  });
  value.addEventListener('input', () => {
    row[1] = value.value;
    requestChanged();
  });
  remove.addEventListener('click', () => {
    request.context.splice(request.context.indexOf(row), 1);
    renderRequest();
    requestChanged();
  });
  div.append(key, value, remove);
  return div;
}

function addContextRow(key = ''): void {
  request.context.push([key, '']);
  renderRequest();
  const rows = el.contextRows.querySelectorAll<HTMLInputElement>(key ? '.ctx-value' : '.ctx-key');
  rows[rows.length - 1]?.focus();
  requestChanged();
}

/** Fills a datalist with catalog completions for what is typed. */
function suggest(list: HTMLDataListElement, typed: string, source: (prefix: string, limit?: number) => { label: string; detail: string }[]): void {
  if (!hasServiceData() || typed.length < 2) {
    list.replaceChildren();
    return;
  }
  list.replaceChildren(...source(typed, 50).map((c) => new Option(c.detail, c.label)));
}

function requestChanged(): void {
  schedulePersist();
  if (lastDecisionShown) runEvaluation();
}

const bind = (input: HTMLInputElement, field: 'principal' | 'action' | 'resource' | 'resourceAccount') =>
  input.addEventListener('input', () => {
    request[field] = input.value;
    if (field === 'action') suggest(el.actionList, input.value, listActions);
    requestChanged();
  });
bind(el.principal, 'principal');
bind(el.action, 'action');
bind(el.resource, 'resource');
bind(el.resourceAccount, 'resourceAccount');
el.addContext.addEventListener('click', () => addContextRow());

// --------------------------------------------------------------------------------------------
// Evaluation
// --------------------------------------------------------------------------------------------

let lastDecisionShown = false;

el.form.addEventListener('submit', (e) => {
  e.preventDefault();
  runEvaluation();
});

function setDecidingRanges(perTab: Map<number, DecidingRange[]>): void {
  tabs.forEach((t, i) => {
    const effect = setDeciding.of(perTab.get(i) ?? []);
    if (i === active) view.dispatch({ effects: effect });
    else t.state = t.state.update({ effects: effect }).state;
  });
}

/** A tab's name for the decision panel; tabs of the same name also get their position. */
function tabLabel(i: number): string {
  const name = tabs[i]!.name || m['tab.untitled'];
  const same = tabs.filter((t) => (t.name || m['tab.untitled']) === name).length;
  return same > 1 ? m['tab.same'](name, L.number(i + 1)) : name;
}

function runEvaluation(): void {
  const { policies, labels, skipped } = assemblePolicies(snapshot().tabs);
  let decision: Decision;
  try {
    decision = evaluate(toRequest(request), policies);
  } catch (e) {
    lastDecisionShown = true; // keep re-evaluating as the user fixes the policy or request
    el.decision.hidden = true;
    el.evalError.hidden = false;
    el.evalError.textContent = m['decision.cannot'](e instanceof Error ? e.message : String(e));
    setDecidingRanges(new Map());
    return;
  }
  lastDecisionShown = true;
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
      const where = tab === undefined ? s.policy : tabLabel(tab);
      b.textContent = `${s.effect} · ${where} · ${s.sid ? `Sid ${s.sid}` : `Statement[${s.index}]`} · Ln ${s.span.start.line}`;
      if (tab !== undefined) {
        const range = rangeOf(s, stateOf(tab).doc.length);
        const list = perTab.get(tab) ?? [];
        list.push({ ...range, effect: s.effect, label: `${s.effect} ${s.sid ?? `Statement[${s.index}]`}` });
        perTab.set(tab, list);
        b.addEventListener('click', () => select(tab, range));
      } else {
        b.disabled = true;
      }
      li.append(b);
      return li;
    }),
  );
  if (decision.statements.length === 0) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = decision.deniedBy ? m['decision.noStatementDeniedBy'](decision.deniedBy) : m['decision.noStatement'];
    el.deciding.append(li);
  }
  setDecidingRanges(perTab);

  el.missing.replaceChildren(
    ...decision.missingContextKeys.map((k) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'ghost';
      b.textContent = k;
      b.title = m['decision.addKey'];
      b.addEventListener('click', () => addContextRow(k));
      li.append(b);
      return li;
    }),
  );
  if (decision.missingContextKeys.length === 0) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = m['decision.noneMissing'];
    el.missing.append(li);
  }
  el.skipped.textContent = skipped.map((s) => m['decision.onlyOne'](tabs[s.tab]?.name || m['decision.aPolicy'], m[`slot.${s.slot}`])).join(' ');
}

// --------------------------------------------------------------------------------------------
// Share, service data, offline
// --------------------------------------------------------------------------------------------

el.share.addEventListener('click', async () => {
  flushPersist();
  const url = new URL(location.href);
  url.hash = hashOf(snapshot());
  try {
    await navigator.clipboard.writeText(url.href);
    el.share.textContent = m['share.copied'];
  } catch {
    el.share.textContent = m['share.inAddressBar'];
  }
  setTimeout(() => (el.share.textContent = m['share.copy']), 2000);
});

// A link opened while the page is open (e.g. pasted into the address bar) replaces the state.
addEventListener('hashchange', () => {
  const s = stateFromHash(location.hash);
  if (s && location.hash !== hashOf(snapshot())) location.reload();
});

/** sha384 SRI of pkg/service-data.bin, set by www/sri.ts in built pages ('' in development). */
declare const __CALLSEAL_SERVICE_DATA_SRI__: string;

async function startServiceData(): Promise<void> {
  try {
    // Fetched here rather than by loadServiceData so that built pages pin it to its hash: a
    // swapped catalog would silently change what the validator reports.
    const integrity = __CALLSEAL_SERVICE_DATA_SRI__;
    const response = await fetch(serviceDataUrl, integrity ? { integrity } : {});
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const provenance = await loadServiceData(new Uint8Array(await response.arrayBuffer()));
    serviceDataNote = m['status.serviceData'](provenance.split(' ')[0]!);
    tabs.forEach((_, i) => {
      if (i !== active) validateHidden(i);
    });
    // Synchronous: the visible tab is re-validated with the catalog (and its marks dispatched in
    // the same task) before the status line below announces the service data.
    revalidate(view);
    renderTabs();
  } catch (e) {
    serviceDataNote = m['status.serviceDataUnavailable'](e instanceof Error ? e.message : String(e));
  }
  renderStatus();
}

async function registerServiceWorker(): Promise<void> {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  try {
    const reg = await navigator.serviceWorker.register('./sw.js', { scope: './', updateViaCache: 'none' });
    await navigator.serviceWorker.ready;
    // The first visit loaded everything before the worker existed: hand it the app's files. The
    // service data by name: its download may still be under way (not yet a resource entry).
    const files = [
      location.href.split('#')[0]!,
      new URL(serviceDataUrl, location.href).href,
      ...performance.getEntriesByType('resource').map((r) => r.name),
    ];
    (reg.active ?? navigator.serviceWorker.controller)?.postMessage({ type: 'cache-app', files });
    document.documentElement.dataset.offline = 'ready';
  } catch (e) {
    console.warn('offline use unavailable:', e);
  }
}

// --------------------------------------------------------------------------------------------
// Start
// --------------------------------------------------------------------------------------------

tabs.forEach((_, i) => {
  if (i !== active) validateHidden(i);
});
renderTabs();
renderRequest();
renderStatus();
flushPersist();
void startServiceData();
void registerServiceWorker();
document.documentElement.dataset.ready = 'true';
