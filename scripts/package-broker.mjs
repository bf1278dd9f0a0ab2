#!/usr/bin/env node
// The key broker's AWS Lambda deployment package (make package-broker; deploy/template.yaml's
// BrokerFunction, handler `src/lambda.handler`, reads it from CodeBucket/CodeKey):
//
//   src/lambda.mjs           www/broker/src/lambda.ts and the npm packages it imports, bundled by
//                            esbuild into one ES module for Node 24
//   policies/<Role>.json     the role policies (the broker's default policy directory, ../policies)
//   node_modules/callseal/   the built callseal package (pkg/: its Node entries, wasm and service
//                            data), which the broker imports by name
//
//   node scripts/package-broker.mjs [out.zip]     default: dist/callseal-broker-lambda.zip
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');
const out = resolve(process.argv[2] ?? join(ROOT, 'dist/callseal-broker-lambda.zip'));
if (!existsSync(join(ROOT, 'pkg/node/policy.js'))) throw new Error('pkg/ is not built: run make build');

const stage = mkdtempSync(join(tmpdir(), 'callseal-broker-lambda-'));
try {
  await build({
    entryPoints: [join(ROOT, 'www/broker/src/lambda.ts')],
    outfile: join(stage, 'src/lambda.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    // callseal is imported by name at run time (www/broker/src/callseal.ts), from node_modules.
    external: ['callseal', 'callseal/*'],
    // CommonJS dependencies bundled into an ES module still call require() for Node's built-ins.
    banner: { js: "import { createRequire as __callsealRequire } from 'node:module'; const require = __callsealRequire(import.meta.url);" },
    legalComments: 'linked',
    logLevel: 'warning',
  });
  cpSync(join(ROOT, 'www/broker/policies'), join(stage, 'policies'), { recursive: true });
  cpSync(join(ROOT, 'pkg'), join(stage, 'node_modules/callseal'), { recursive: true });
  mkdirSync(dirname(out), { recursive: true });
  rmSync(out, { force: true });
  // -X: no extra file attributes; -r from inside the stage so the paths are the package's own.
  execFileSync('zip', ['-q', '-X', '-r', out, '.'], { cwd: stage, stdio: 'inherit' });
  console.error(`package-broker: ${out} (${(statSync(out).size / 1048576).toFixed(1)} MiB)`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
