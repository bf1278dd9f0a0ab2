/**
 * Completion from the service data (callseal's catalog of every AWS action and condition key):
 * action names inside the strings of `Action` / `NotAction`, condition keys as the property
 * names inside a `Condition` operator block. Empty until `loadServiceData()` has resolved.
 */
import type { Completion, CompletionContext, CompletionResult } from '@codemirror/autocomplete';
import { syntaxTree } from '@codemirror/language';
import type { EditorState } from '@codemirror/state';
import { listActions, listConditionKeys } from 'callseal/policy';

const LIMIT = 200;

type SyntaxNode = ReturnType<ReturnType<typeof syntaxTree>['resolveInner']>;

/** The name of the property whose value contains `node` (through an array), if any. */
function propertyNameOf(state: EditorState, node: SyntaxNode | null): string | undefined {
  let n = node;
  if (n?.name === 'Array') n = n.parent;
  if (n?.name !== 'Property') return undefined;
  const name = n.getChild('PropertyName');
  return name ? unquote(state.sliceDoc(name.from, name.to)) : undefined;
}

const unquote = (s: string): string => s.replace(/^"/, '').replace(/"$/, '');

type Where = { what: 'action' | 'condition-key'; from: number; to: number; typed: string };

/** What is being typed at `pos`: an action name or a condition key, and its string's extent. */
export function completionTarget(state: EditorState, pos: number): Where | undefined {
  const node = syntaxTree(state).resolveInner(pos, -1);
  if (node.name !== 'String' && node.name !== 'PropertyName') return undefined;
  // Inside the quotes only: from just after the opening quote to the closing one (if typed yet).
  const text = state.sliceDoc(node.from, node.to);
  if (pos <= node.from) return undefined;
  const closed = text.length > 1 && text.endsWith('"');
  const from = node.from + 1;
  const to = closed ? node.to - 1 : node.to;
  if (pos > to) return undefined;
  const typed = state.sliceDoc(from, pos);
  if (node.name === 'String') {
    const prop = propertyNameOf(state, node.parent);
    if (prop === 'Action' || prop === 'NotAction') return { what: 'action', from, to, typed };
    return undefined;
  }
  // A property name: a condition key when its object is the value of an operator inside Condition.
  const operatorObject = node.parent?.parent; // PropertyName -> Property -> Object
  const operatorProperty = operatorObject?.parent; // -> Property (the operator)
  const conditionObject = operatorProperty?.parent; // -> Object (the Condition block)
  if (operatorProperty?.name === 'Property' && conditionObject?.name === 'Object' && propertyNameOf(state, conditionObject.parent) === 'Condition') {
    return { what: 'condition-key', from, to, typed };
  }
  return undefined;
}

/** `kms:EncryptionContext:${EncryptionContextKey}` inserts `kms:EncryptionContext:` (the key comes next). */
const insertText = (label: string): string => {
  const i = label.indexOf('${');
  return i >= 0 ? label.slice(0, i) : label;
};

export function policyCompletions(context: CompletionContext): CompletionResult | null {
  const where = completionTarget(context.state, context.pos);
  if (!where) return null;
  if (!context.explicit && where.typed.length === 0) return null;
  const items = where.what === 'action' ? listActions(where.typed, LIMIT) : listConditionKeys(where.typed, LIMIT);
  if (items.length === 0) return null;
  const options: Completion[] = items.map((c) => ({
    label: c.label,
    detail: c.detail,
    type: where.what === 'action' ? 'function' : 'property',
    apply: insertText(c.label),
  }));
  // Replace the whole string's content (not only up to the cursor), so completing in the middle works.
  return { from: where.from, to: where.to, options, filter: false };
}
