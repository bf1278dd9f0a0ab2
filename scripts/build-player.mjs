// callseal/player into a package directory (pkg/, or build-wasm.sh's staging directory):
//   player.js                   <callseal-player> and mountPlayer (www/component/index.ts)
//   player/decrypt.worker.js    the decrypt worker (imports the package's ../decrypt.js)
//   player/sw.js                the Service Worker (one classic script: hosts serve a copy of it)
//   player.d.ts, player/types/  the types
// Prints each file's size gzipped; the component's own JavaScript (the three files) must stay
// under 40 KB gzipped (tests/player/size.test.mjs holds it).
//   node scripts/build-player.mjs [dir]   (default pkg/)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = resolve(process.argv[2] ?? join(ROOT, 'pkg'));
const SRC = join(ROOT, 'www/component');

/**
 * `callseal/decrypt` is the package's own decrypt entry, beside player/; `callseal/suites` (data,
 * no wasm) is bundled in.
 */
const packageDecrypt = {
  name: 'callseal-decrypt',
  setup(b) {
    b.onResolve({ filter: /^callseal\/decrypt$/ }, () => ({ path: '../decrypt.js', external: true }));
    b.onResolve({ filter: /^callseal\/suites$/ }, () => ({ path: join(OUT, 'suites.js') }));
  },
};

const common = { bundle: true, minify: true, target: 'es2022', legalComments: 'none', logLevel: 'warning', plugins: [packageDecrypt] };
await build({ ...common, entryPoints: [join(SRC, 'index.ts')], outfile: join(OUT, 'player.js'), format: 'esm' });
await build({ ...common, entryPoints: [join(SRC, 'decrypt.worker.ts')], outfile: join(OUT, 'player/decrypt.worker.js'), format: 'esm' });
await build({ ...common, entryPoints: [join(SRC, 'sw.ts')], outfile: join(OUT, 'player/sw.js'), format: 'iife' });

// Types: declarations of the component's sources (and the lib files they name) under player/types/.
rmSync(join(OUT, 'player/types'), { recursive: true, force: true });
const tsconfig = join(OUT, 'player/tsconfig.types.json');
writeFileSync(tsconfig, JSON.stringify({
  compilerOptions: {
    target: 'es2022', module: 'esnext', moduleResolution: 'bundler', lib: ['es2022', 'dom', 'dom.iterable'], types: [],
    strict: true, skipLibCheck: true, declaration: true, emitDeclarationOnly: true,
    rootDir: join(ROOT, 'www'), outDir: join(OUT, 'player/types'),
    // The package's own decrypt types (the declarations keep the specifier `callseal/decrypt`).
    paths: { 'callseal/decrypt': [join(OUT, 'decrypt.d.ts')], 'callseal/suites': [join(OUT, 'suites.d.ts')] },
  },
  files: [join(SRC, 'index.ts')],
}));
try {
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], { stdio: 'inherit', cwd: ROOT });
} finally {
  rmSync(tsconfig);
}
withJsExtensions(join(OUT, 'player/types'));
writeFileSync(join(OUT, 'player.d.ts'), "/** callseal/player: <callseal-player> and mountPlayer. */\nexport * from './player/types/component/index.js';\n");

/**
 * The component's sources import each other without extensions (Vite, esbuild); Node's module
 * resolution (TypeScript's node16/nodenext) needs the file named. Each relative specifier of
 * the declarations becomes the file it names, `x.js` or `x/index.js`, whichever declaration is
 * there; one that names neither fails the build.
 */
function withJsExtensions(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
    const file = join(entry.parentPath, entry.name);
    const text = readFileSync(file, 'utf8').replace(/(from |import\()(['"])(\.\.?\/[^'"]*)\2/g, (_, lead, q, spec) => {
      if (spec.endsWith('.js')) return `${lead}${q}${spec}${q}`;
      const target = resolve(dirname(file), spec);
      if (existsSync(`${target}.d.ts`)) return `${lead}${q}${spec}.js${q}`;
      if (existsSync(join(target, 'index.d.ts'))) return `${lead}${q}${spec}/index.js${q}`;
      throw new Error(`${file}: '${spec}' names no declaration file`);
    });
    writeFileSync(file, text);
  }
}

let total = 0;
for (const f of ['player.js', 'player/decrypt.worker.js', 'player/sw.js']) {
  const bytes = readFileSync(join(OUT, f));
  const gz = gzipSync(bytes, { level: 9 }).length;
  total += gz;
  console.error(`  ${f.padEnd(28)} ${String(bytes.length).padStart(8)} bytes  ${String(gz).padStart(7)} gzipped`);
}
console.error(`  ${'callseal/player (total)'.padEnd(28)} ${''.padStart(8)}        ${String(total).padStart(7)} gzipped`);
