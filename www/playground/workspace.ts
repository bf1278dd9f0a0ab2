/**
 * The policy tabs and the request: which tab the editor shows, each tab's editor state and
 * findings, and their persistence (URL fragment and localStorage, through state.ts).
 */
import { EditorSelection, type EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import type { Finding } from 'callseal/policy';
import { createTabState, kindField, validate, type EditorHooks } from './editor';
import { persist, type PlaygroundState, type PolicyKind, type RequestState } from './state';
import editorCss from './editor.css?inline';

export interface Tab {
  name: string;
  /** The tab's editor state while it is not the visible one (the view holds the visible one's). */
  state: EditorState;
  findings: Finding[];
}

export interface WorkspaceHooks extends EditorHooks {
  /** Another tab is shown, or the tabs changed. */
  onTabsChanged(): void;
}

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

export class Workspace {
  readonly tabs: Tab[];
  active: number;
  request: RequestState;
  readonly view: EditorView;
  private persistTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(initial: PlaygroundState, host: HTMLElement, private readonly hooks: WorkspaceHooks) {
    this.tabs = initial.tabs.map((t) => ({ name: t.name, state: createTabState(t.text, t.kind, hooks), findings: [] }));
    this.active = initial.active;
    this.request = initial.request;
    const shadow = editorRoot(host);
    this.view = new EditorView({ state: this.current().state, parent: shadow, root: shadow });
    addEventListener('pagehide', () => this.flushPersist());
  }

  current(): Tab {
    return this.tabs[this.active]!;
  }

  /** A tab's latest editor state (the view's for the visible tab). */
  stateOf(i: number): EditorState {
    return i === this.active ? this.view.state : this.tabs[i]!.state;
  }

  kindOf(i: number): PolicyKind {
    return this.stateOf(i).field(kindField);
  }

  snapshot(): PlaygroundState {
    return {
      v: 1,
      tabs: this.tabs.map((t, i) => ({ name: t.name, kind: this.kindOf(i), text: this.stateOf(i).doc.toString() })),
      active: this.active,
      request: this.request,
    };
  }

  schedulePersist(): void {
    clearTimeout(this.persistTimer);
    this.persistTimer = setTimeout(() => this.flushPersist(), 200);
  }

  flushPersist(): void {
    clearTimeout(this.persistTimer);
    this.persistTimer = undefined;
    persist(this.snapshot());
  }

  /** Validates a tab the editor does not show (the visible one validates itself). */
  validateHidden(i: number): void {
    const s = this.stateOf(i);
    this.tabs[i]!.findings = validate(s.doc.toString(), s.field(kindField)).findings;
  }

  switchTo(i: number): void {
    if (i === this.active || !this.tabs[i]) return;
    this.tabs[this.active]!.state = this.view.state;
    this.active = i;
    this.view.setState(this.tabs[i]!.state); // the linter plugin is recreated and validates at once
    this.hooks.onTabsChanged();
    this.schedulePersist();
  }

  add(name: string, text: string, kind: PolicyKind): void {
    this.tabs.push({ name, state: createTabState(text, kind, this.hooks), findings: [] });
    this.switchTo(this.tabs.length - 1);
  }

  removeCurrent(): void {
    if (this.tabs.length <= 1) return;
    this.tabs.splice(this.active, 1);
    this.active = Math.min(this.active, this.tabs.length - 1);
    this.view.setState(this.current().state);
    this.hooks.onTabsChanged();
    this.schedulePersist();
  }

  /** Selects a range in tab `i` (switching to it) and scrolls it into view. */
  select(i: number, range: { from: number; to: number }): void {
    this.switchTo(i);
    const len = this.view.state.doc.length;
    this.view.dispatch({
      selection: EditorSelection.range(Math.min(range.from, len), Math.min(range.to, len)),
      effects: EditorView.scrollIntoView(Math.min(range.from, len), { y: 'center' }),
    });
    this.view.focus();
  }
}
