/**
 * The policy editor: CodeMirror 6 with JSON, callseal's validator as the lint source (run
 * synchronously on every change, no debounce: it is fast wasm), the lint gutter, completion from
 * the service data, and decorations on the statements that decided the last evaluation.
 * One EditorState per tab (each with its policy kind), swapped into a single EditorView.
 */
import { autocompletion } from '@codemirror/autocomplete';
import { json } from '@codemirror/lang-json';
import { forceLinting, lintGutter, linter, type Diagnostic } from '@codemirror/lint';
import { EditorState, RangeSetBuilder, StateEffect, StateField, type Extension } from '@codemirror/state';
import { Decoration, EditorView, type DecorationSet } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { validatePolicy, type Finding } from 'callseal/policy';
import { policyCompletions } from './completion';
import { toDiagnostic } from './findings';
import { KINDS, type PolicyKind } from './state';

// ------------------------------------------------------------------------------------------
// The tab's policy kind, part of its state (the lint source reads it).
// ------------------------------------------------------------------------------------------

export const setKind = StateEffect.define<PolicyKind>();

/** Asks the linter to run again on an unchanged document (e.g. the service data has arrived). */
const relint = StateEffect.define<null>();

export const kindField = StateField.define<PolicyKind>({
  create: () => 'identity',
  update: (kind, tr) => tr.effects.reduce((k, e) => (e.is(setKind) ? e.value : k), kind),
});

// ------------------------------------------------------------------------------------------
// Deciding statements: a line background on every line of the statement, a mark on its text.
// ------------------------------------------------------------------------------------------

export interface DecidingRange {
  from: number;
  to: number;
  effect: 'Allow' | 'Deny';
  label: string;
}

export const setDeciding = StateEffect.define<readonly DecidingRange[]>();

function decorationsFor(state: EditorState, ranges: readonly DecidingRange[]): DecorationSet {
  const builder = new RangeSetBuilder<Decoration>();
  const length = state.doc.length;
  const sorted = ranges
    .map((r) => ({ ...r, from: Math.min(Math.max(0, r.from), length), to: Math.min(Math.max(0, r.to), length) }))
    .filter((r) => r.to >= r.from)
    .sort((a, b) => a.from - b.from);
  // Line decorations first (they sit at line starts), in document order, then marks: the
  // builder needs ranges sorted by start, so collect both and sort together.
  const items: { from: number; to: number; deco: Decoration }[] = [];
  for (const r of sorted) {
    const cls = r.effect === 'Allow' ? 'allow' : 'deny';
    const startLine = state.doc.lineAt(r.from).number;
    const endLine = state.doc.lineAt(r.to).number;
    for (let n = startLine; n <= endLine; n++) {
      const line = state.doc.line(n);
      items.push({
        from: line.from,
        to: line.from,
        deco: Decoration.line({ class: `cm-deciding-line cm-deciding-${cls}`, attributes: n === startLine ? { 'data-deciding': r.label } : {} }),
      });
    }
    if (r.to > r.from) items.push({ from: r.from, to: r.to, deco: Decoration.mark({ class: `cm-deciding cm-deciding-mark-${cls}` }) });
  }
  items.sort((a, b) => a.from - b.from || a.deco.startSide - b.deco.startSide);
  let lastLine = -1;
  for (const it of items) {
    // Two deciding statements on one line (minified policies): one line decoration is enough.
    if (it.from === it.to) {
      if (it.from === lastLine) continue;
      lastLine = it.from;
    }
    builder.add(it.from, it.to, it.deco);
  }
  return builder.finish();
}

export const decidingField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(decos, tr) {
    for (const e of tr.effects) if (e.is(setDeciding)) return decorationsFor(tr.state, e.value);
    return decos.map(tr.changes);
  },
  provide: (f) => EditorView.decorations.from(f),
});

// ------------------------------------------------------------------------------------------
// Validation
// ------------------------------------------------------------------------------------------

export interface Validated {
  state: EditorState;
  findings: Finding[];
  /** Time inside validatePolicy, milliseconds. */
  ms: number;
}

export interface EditorHooks {
  /** After every validation of the visible tab. */
  onValidated(v: Validated): void;
  /** After every change of the visible tab's document. */
  onDocChanged(state: EditorState): void;
}

/** Validates synchronously; returns the findings and the time the validator took. */
export function validate(text: string, kind: PolicyKind): { findings: Finding[]; ms: number } {
  const t0 = performance.now();
  const findings = validatePolicy(text, { policyType: KINDS[kind].policyType });
  return { findings, ms: performance.now() - t0 };
}

function policyLinter(hooks: EditorHooks): Extension {
  return linter(
    (view): Diagnostic[] => {
      const { state } = view;
      const { findings, ms } = validate(state.doc.toString(), state.field(kindField));
      hooks.onValidated({ state, findings, ms });
      return findings.map((f) => toDiagnostic(f, state.doc.length));
    },
    {
      delay: 0,
      needsRefresh: (u) => u.transactions.some((tr) => tr.effects.some((e) => e.is(setKind) || e.is(relint))),
    },
  );
}

export function createTabState(text: string, kind: PolicyKind, hooks: EditorHooks): EditorState {
  return EditorState.create({
    doc: text,
    extensions: [
      basicSetup,
      json(),
      policyLinter(hooks),
      lintGutter(),
      autocompletion({ override: [policyCompletions], activateOnTyping: true, maxRenderedOptions: 100 }),
      kindField.init(() => kind),
      decidingField,
      EditorView.updateListener.of((u) => {
        if (u.docChanged) hooks.onDocChanged(u.state);
      }),
      EditorView.contentAttributes.of({ 'aria-label': 'Policy JSON', spellcheck: 'false' }),
    ],
  });
}

/**
 * Re-runs the validator now, synchronously (e.g. once the service data has loaded), on the same text.
 * `forceLinting` alone only hurries a lint that is already pending: once the first lint of a state
 * has run it does nothing, and the catalog checks (INVALID_ACTION...) would then wait for the next
 * edit. The `relint` effect schedules a run (needsRefresh), which `forceLinting` then runs at once.
 */
export function revalidate(view: EditorView): void {
  view.dispatch({ effects: relint.of(null) });
  forceLinting(view);
}
