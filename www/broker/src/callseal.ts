/**
 * Where the broker finds callseal: the installed npm package, else the local build in pkg/
 * (its Node entries), so the same code runs from a checkout and from a deployment.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const repoRoot = resolve(import.meta.dirname, '../../..');

/** The Node entry `name` of the local build (pkg/node/<name>.js), as an import specifier. */
export function localEntry(name: string): string {
  return pathToFileURL(join(repoRoot, 'pkg/node', `${name}.js`)).href;
}

/**
 * The export `name` of the first of `specs` that can be imported and has it as a function;
 * the error lists why each one failed.
 */
export async function importCallseal<F>(name: string, specs: string[]): Promise<F> {
  const failures: string[] = [];
  for (const spec of specs) {
    try {
      const mod = (await import(spec)) as Record<string, unknown>;
      if (typeof mod[name] === 'function') return mod[name] as F;
      failures.push(`${spec}: no ${name} export`);
    } catch (err) {
      failures.push(`${spec}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`callseal's ${name} is not available (build it: make build). Tried ${failures.join('; ')}`);
}
