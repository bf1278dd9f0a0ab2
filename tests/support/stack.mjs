// The local stack as the player tests, the timing script and the playback bench see it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The variables scripts/stack/up.sh wrote to `<stack>/stack.env` (KEY='value' lines). */
export function readStackEnv(stack) {
  const out = {};
  for (const line of readFileSync(join(stack, 'stack.env'), 'utf8').split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)='([^']*)'$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** Whether a key broker answers at `base` (alice's listing within 3 s). */
export async function brokerAnswers(base) {
  try {
    const r = await fetch(new URL('api/recordings', base), { headers: { 'x-callseal-user': 'alice' }, signal: AbortSignal.timeout(3000) });
    return r.status === 200;
  } catch {
    return false;
  }
}
