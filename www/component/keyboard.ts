/**
 * The player's shortcuts: Space/K play-pause, J/L ±10 s, ←/→ ±5 s, Home start, P/N previous/next
 * turn, </> speed, 1/2/3 both/agent/customer, ? help. None while typing in a field, and Space
 * or an arrow on a focused control does what the control does.
 */
export type Shortcut = 'toggle' | 'back10' | 'fwd10' | 'back5' | 'fwd5' | 'home' | 'nextTurn' | 'prevTurn'
  | 'slower' | 'faster' | 'both' | 'agent' | 'customer' | 'help';

const KEYS: Record<string, Shortcut> = {
  k: 'toggle', j: 'back10', l: 'fwd10', n: 'nextTurn', p: 'prevTurn', '<': 'slower', ',': 'slower', '>': 'faster', '.': 'faster',
  1: 'both', 2: 'agent', 3: 'customer', '?': 'help',
};
/** Keys a focused range input handles itself. */
const SEEK_KEYS: Record<string, Shortcut> = { ArrowLeft: 'back5', ArrowRight: 'fwd5', Home: 'home' };

export function shortcut(e: KeyboardEvent, seek: HTMLElement): Shortcut | undefined {
  if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return undefined;
  const t = (e.composedPath()[0] ?? e.target) as HTMLElement;
  if (!(t instanceof Element)) return KEYS[e.key.toLowerCase()];
  if (t.closest('select, textarea, input:not([type="range"]):not([type="radio"]):not([type="checkbox"])')) return undefined;
  if (e.key === ' ') return t.closest('button, input, a, summary') && t !== seek ? undefined : 'toggle';
  if (e.key in SEEK_KEYS) return t === seek ? undefined : SEEK_KEYS[e.key];
  return KEYS[e.key.length === 1 ? e.key.toLowerCase() : e.key];
}
