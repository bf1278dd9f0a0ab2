/**
 * callseal findings as CodeMirror diagnostics: the span (UTF-16 offsets, what CodeMirror counts),
 * a severity, a hover with the message, code and learn-more link, and the fix as a lint action.
 */
import type { Action, Diagnostic } from '@codemirror/lint';
import type { EditorView } from '@codemirror/view';
import type { Finding, Severity } from 'callseal/policy';
import { L } from './i18n/index';

const CM_SEVERITY: Record<Severity, Diagnostic['severity']> = {
  ERROR: 'error',
  SECURITY_WARNING: 'warning',
  WARNING: 'warning',
  SUGGESTION: 'info',
};

export const severityLabel = (s: Severity): string => L.m[`severity.${s}`];

/** Clamps a finding's UTF-16 span to the document (an empty span at the end stays visible). */
export function rangeOf(f: { span: Finding['span'] }, length: number): { from: number; to: number } {
  const from = Math.min(Math.max(0, f.span.start.utf16Offset), length);
  const to = Math.min(Math.max(from, f.span.end.utf16Offset), length);
  return { from, to };
}

/** Renders `code` segments of a finding's message as <code>, the rest as text. */
export function renderText(parent: HTMLElement, text: string): void {
  text.split(/(`[^`]*`)/).forEach((part) => {
    if (part.length > 1 && part.startsWith('`') && part.endsWith('`')) {
      const code = document.createElement('code');
      code.textContent = part.slice(1, -1);
      parent.append(code);
    } else if (part) {
      parent.append(part);
    }
  });
}

export function learnMoreLink(href: string): HTMLAnchorElement {
  const a = document.createElement('a');
  a.href = href;
  a.target = '_blank';
  a.rel = 'noopener noreferrer';
  a.className = 'learn-more';
  a.textContent = L.m['finding.learnMore'];
  return a;
}

/** Short button label for a fix: its description when short, else a generic one. */
export function fixLabel(f: Finding): string {
  const d = f.fix?.description ?? '';
  return d.length > 0 && d.length <= 48 ? d.replace(/`/g, '') : L.m['finding.fix'];
}

/** Applies a finding's fix, shifted by how far the diagnostic itself has moved since validation. */
export function applyFix(view: EditorView, f: Finding, diagnosticFrom: number): void {
  const fix = f.fix;
  if (!fix) return;
  const length = view.state.doc.length;
  const shift = diagnosticFrom - rangeOf(f, length).from;
  const { from, to } = rangeOf(fix, length);
  view.dispatch({
    changes: { from: from + shift, to: to + shift, insert: fix.replacement },
    selection: { anchor: from + shift + fix.replacement.length },
    userEvent: 'input.fix',
    scrollIntoView: true,
  });
}

export function toDiagnostic(f: Finding, length: number): Diagnostic {
  const { from, to } = rangeOf(f, length);
  const actions: Action[] = f.fix
    ? [{ name: fixLabel(f), markClass: 'fix-action', apply: (view, dFrom) => applyFix(view, f, dFrom) }]
    : [];
  return {
    from,
    to,
    severity: CM_SEVERITY[f.severity],
    // One class per code (tests and styles find INVALID_ACTION marks by it), one per severity.
    markClass: `finding finding-${f.code} sev-${f.severity.toLowerCase()}`,
    source: f.code,
    message: f.message,
    renderMessage: () => {
      const box = document.createElement('div');
      box.className = 'finding-hover';
      const head = document.createElement('div');
      head.className = `finding-head sev-${f.severity.toLowerCase()}`;
      head.textContent = `${severityLabel(f.severity)} · ${f.path || L.m['finding.policy']}`;
      const msg = document.createElement('div');
      msg.className = 'finding-message';
      renderText(msg, f.message);
      box.append(head, msg);
      if (f.learnMore) box.append(learnMoreLink(f.learnMore));
      return box;
    },
    actions,
  };
}
