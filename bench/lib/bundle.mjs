// Bundles a benchmark peer for the page with vite (library mode, ES module, minified), so the
// page loads the peer as a browser application would ship it.
import { build } from 'vite';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { createRequire } from 'node:module';

/**
 * npm nests a private copy of @aws-crypto/material-management (and serialize, raw-keyring...)
 * 4.x under each browser package, because the workspace's root has the 5.x Node ones; a browser
 * app depending on client-browser alone has one copy, and the SDK's `instanceof` checks need
 * that. Alias each nested package name to one copy.
 */
function awsCryptoDedupe(root) {
  const base = join(root, 'node_modules/@aws-crypto');
  const seen = new Map();
  for (const parent of readdirSync(base).sort()) {
    const nested = join(base, parent, 'node_modules/@aws-crypto');
    if (!existsSync(nested)) continue;
    for (const name of readdirSync(nested)) if (!seen.has(name)) seen.set(name, join(nested, name));
  }
  return [...seen].map(([name, dir]) => ({ find: new RegExp(`^@aws-crypto/${name}$`), replacement: dir }));
}

export async function bundle(entry, outDir, fileName, root) {
  const require = createRequire(join(root, 'package.json'));
  await build({
    root, configFile: false, logLevel: 'error', publicDir: false,
    // The npm Buffer polyfill for the Node built-in name (asn1.js in the AWS ESDK requires it).
    resolve: { alias: [{ find: /^buffer$/, replacement: require.resolve('buffer/') }, ...awsCryptoDedupe(root)] },
    build: {
      outDir, emptyOutDir: false, minify: true, sourcemap: false, target: 'es2022',
      lib: { entry, formats: ['es'], fileName: () => fileName },
      rolldownOptions: { output: { codeSplitting: false } },
    },
  });
  const path = join(outDir, fileName);
  return { path, bytes: statSync(path).size, gzipBytes: gzipSync(readFileSync(path), { level: 9 }).length };
}
