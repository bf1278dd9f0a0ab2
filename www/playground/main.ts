/**
 * The policy playground: several policies in tabs (each with its type), validated on every
 * keystroke by callseal's wasm validator, and a request evaluated against all of them at once.
 * Everything runs in this page; the state lives in the URL fragment and in localStorage.
 * This module wires the parts: the tabs (workspace.ts), the findings and status
 * (findings-panel.ts), the request (request-panel.ts), the decision (decision-panel.ts), the
 * service data and offline use (offline.ts).
 */
import { translatePage } from '../lib/i18n/index';
import { revalidate, setDeciding, setKind, type Validated } from './editor';
import { DecisionPanel } from './decision-panel';
import { renderFindings, renderTabs, StatusLine } from './findings-panel';
import { L } from './i18n/index';
import { fetchServiceData, registerServiceWorker } from './offline';
import { el } from './page';
import { RequestPanel } from './request-panel';
import { hashOf, isKind, KINDS, stateFromHash, stateFromStorage, type PlaygroundState, type PolicyKind } from './state';
import { TEMPLATES, templateById } from './templates';
import { Workspace } from './workspace';

const m = L.m;
translatePage(document, L);
el.lang.value = L.locale;

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

const status = new StatusLine();
const ws: Workspace = new Workspace(stateFromHash(location.hash) ?? stateFromStorage() ?? defaultState(), el.editor, {
  onValidated(v: Validated) {
    if (v.state.doc !== ws.view.state.doc) return; // a stale run for a tab no longer shown
    ws.current().findings = v.findings;
    status.validated(v.ms, v.state.doc.length);
    renderFindings(ws);
    renderTabs(ws);
    status.render();
  },
  onDocChanged: () => changed(),
  onTabsChanged() {
    renderTabs(ws);
    renderFindings(ws);
  },
});
const request = new RequestPanel(ws, () => changed());
const decision = new DecisionPanel(ws, (key) => request.addContextRow(key));

/** Something the decision depends on changed: persist, and re-evaluate once a decision is shown. */
function changed(): void {
  ws.schedulePersist();
  if (decision.shown) decision.run();
}

// The language is the page's address (?lang=); the policies and request stay in the fragment.
el.lang.addEventListener('change', () => {
  ws.flushPersist();
  const url = new URL(location.href);
  url.searchParams.set('lang', el.lang.value);
  location.assign(url.href);
});

// Tab controls
for (const kind of Object.keys(KINDS) as PolicyKind[]) el.policyType.add(new Option(m[`kind.${kind}`], kind));
for (const t of TEMPLATES) {
  const o = new Option(m[`template.${t.id}`], t.id);
  o.title = m[`template.${t.id}.note`];
  el.template.add(o);
}

el.policyType.addEventListener('change', () => {
  const kind = el.policyType.value;
  if (!isKind(kind)) return;
  ws.view.dispatch({ effects: setKind.of(kind) });
  renderTabs(ws);
  changed();
});

el.tabName.addEventListener('input', () => {
  ws.current().name = el.tabName.value;
  renderTabs(ws);
  ws.schedulePersist();
});

el.template.addEventListener('change', () => {
  const tpl = templateById(el.template.value);
  el.template.value = '';
  if (!tpl) return;
  // One transaction: the text and the type (undo restores both).
  ws.view.dispatch({
    changes: { from: 0, to: ws.view.state.doc.length, insert: tpl.text },
    effects: [setKind.of(tpl.kind), setDeciding.of([])],
    selection: { anchor: 0 },
    scrollIntoView: true,
  });
  renderTabs(ws);
  ws.schedulePersist();
  ws.view.focus();
});

el.addTab.addEventListener('click', () => {
  const text = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Effect": "Allow",\n      "Action": "",\n      "Resource": "*"\n    }\n  ]\n}\n';
  ws.add(m['tab.new'](L.number(ws.tabs.length + 1)), text, 'identity');
  // Cursor inside the empty Action string, completion open.
  const at = text.indexOf('"Action": "') + '"Action": "'.length;
  ws.view.dispatch({ selection: { anchor: at } });
  ws.view.focus();
});

el.removeTab.addEventListener('click', () => {
  if (ws.tabs.length <= 1) return;
  if (!confirm(m['tab.removeConfirm'](ws.current().name || m['tab.this']))) return;
  ws.removeCurrent();
  if (decision.shown) decision.run();
});

el.form.addEventListener('submit', (e) => {
  e.preventDefault();
  decision.run();
});

el.share.addEventListener('click', async () => {
  ws.flushPersist();
  const url = new URL(location.href);
  url.hash = hashOf(ws.snapshot());
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
  if (s && location.hash !== hashOf(ws.snapshot())) location.reload();
});

const validateHiddenTabs = () => ws.tabs.forEach((_, i) => i !== ws.active && ws.validateHidden(i));

async function startServiceData(): Promise<void> {
  try {
    const provenance = await fetchServiceData();
    status.serviceData = m['status.serviceData'](provenance.split(' ')[0]!);
    validateHiddenTabs();
    // Synchronous: the visible tab is re-validated with the catalog (and its marks dispatched in
    // the same task) before the status line below announces the service data.
    revalidate(ws.view);
    renderTabs(ws);
  } catch (e) {
    status.serviceData = m['status.serviceDataUnavailable'](e instanceof Error ? e.message : String(e));
  }
  status.render();
}

validateHiddenTabs();
renderTabs(ws);
request.render();
status.render();
ws.flushPersist();
void startServiceData();
void registerServiceWorker();
document.documentElement.dataset.ready = 'true';
