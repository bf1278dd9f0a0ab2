// TypeScript consumers (tests/consumers/support.mjs): a project made by `npm init -y`, the
// README's TypeScript recipe and each of its tsconfig.json blocks (a bundler's
// `moduleResolution: "bundler"`, Node's `module: "nodenext"`), strict:
//   - a consumer that decrypts an official message, reads a range through a `RangeSource`,
//     validates a policy and switches exhaustively over `CallsealErrorCode` and over a finding's
//     code (`Finding['code']`, one case per code the package declares) compiles (and, under
//     Node, runs with the values its types promise);
//   - a misspelt error code, a misspelt finding code and a `RangeSource` without `size` do not
//     compile.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packTarball, newProject, readmeBlocks, recipe, sh, OFFICIAL, POLICY, ROOT } from './support.mjs';

let pack;
before(() => { pack = packTarball(); });
after(() => pack.remove());

/** Where the consumer's inputs come from: a page fetches them, Node reads them. */
const INPUT = {
  page: `
const message = new Uint8Array(await (await fetch('message.bin')).arrayBuffer());
const dataKey = Uint8Array.from(atob(await (await fetch('key.txt')).text()), (c) => c.charCodeAt(0));
const policy = await (await fetch('policy.json')).text();
`,
  node: `
import { readFileSync } from 'node:fs';
const message = new Uint8Array(readFileSync(process.env.MESSAGE!));
const dataKey = Uint8Array.from(atob(process.env.DATA_KEY!), (c) => c.charCodeAt(0));
const policy = process.env.POLICY!;
`,
};

/** The finding codes the package declares (`FindingCode` in its shipped lib/generated.d.ts). */
function findingCodes() {
  const text = readFileSync(join(ROOT, 'pkg/lib/generated.d.ts'), 'utf8');
  const union = /^export type FindingCode = (.*);$/m.exec(text);
  if (!union) throw new Error('pkg/lib/generated.d.ts declares no FindingCode');
  return union[1].split(' | ').map((c) => JSON.parse(c));
}

/** The codes the consumer's switch names itself; a case for each other declared code is added. */
const NAMED = ['JSON_SYNTAX_ERROR', 'POLICY_LIMIT_EXCEEDED', 'SERVICE_DATA_NOT_LOADED', 'MALFORMED_GRANT', 'INVALID_ACTION'];

const CONSUMER = `
import { decrypt, openRangeReader, validatePolicy, CallsealError, type CallsealErrorCode, type Finding, type RangeSource } from 'callseal';

/** What a console says for each code: a switch that must name every code to compile. */
function explain(code: CallsealErrorCode): string {
  switch (code) {
    case 'MALFORMED_HEADER': case 'MALFORMED_BODY': case 'TRUNCATED': case 'TRAILING_BYTES': return 'damaged';
    case 'UNSUPPORTED_VERSION': case 'UNSUPPORTED_SUITE': return 'unsupported';
    case 'TOO_MANY_DATA_KEYS': case 'LIMIT_EXCEEDED': return 'too large';
    case 'CONTEXT_MISMATCH': case 'COMMITMENT_MISMATCH': case 'TAG_MISMATCH': case 'SIGNATURE_INVALID': return 'not authentic';
    case 'WRONG_KEY_LENGTH': case 'KEY_UNWRAP_FAILED': return 'wrong key';
    case 'SIGNED_MESSAGE_REFUSED': return 'signed';
    case 'MALFORMED_METADATA': return 'bad metadata';
    case 'INVALID_ARGUMENT': case 'INVALID_STATE': case 'ENGINE_UNAVAILABLE': case 'IO': return 'this page';
    case 'MALFORMED_POLICY': case 'INVALID_POLICY': return 'policy';
    default: { const unhandled: never = code; return unhandled; }
  }
}

/** What a console does with each finding: a switch that must name every finding code to compile. */
function triage(code: Finding['code']): string {
  switch (code) {
    case 'JSON_SYNTAX_ERROR': case 'POLICY_LIMIT_EXCEEDED': return 'not a policy';
    case 'SERVICE_DATA_NOT_LOADED': return 'load the catalog';
    case 'MALFORMED_GRANT': return 'not a grant';
    case 'INVALID_ACTION': return 'unknown action';
    /* OTHER FINDING CODES */ return 'review';
    default: { const unhandled: never = code; return unhandled; }
  }
}
/* INPUT */
const plaintext = await decrypt(message, dataKey);
const source: RangeSource = { size: message.length, read: async (offset, length) => message.slice(offset, offset + length) };
const reader = await openRangeReader(source, dataKey, { signedMessages: 'release-before-verify' });
const range = await reader.read(10, 20);
reader.close();
let refused = '';
try {
  await openRangeReader(source, dataKey);
} catch (e) {
  if (e instanceof CallsealError) refused = explain(e.code);
}
const findings = validatePolicy(policy, { policyType: 'kms-key' });
const codes = findings.map((f) => f.code);
const triaged = findings.map((f) => triage(f.code));
console.log(JSON.stringify({ plaintext: plaintext.length, range: Array.from(range), refused, codes, triaged }));
`;

// Three mistakes the types must catch, one per line.
const MISTAKES = `
import { CallsealError, type Finding, type RangeSource } from 'callseal';
export const misspelt = (e: CallsealError) => e.code === 'TAG_MISMTACH';
export const unsized: RangeSource = { read: async () => new Uint8Array(0) };
export const misspeltFinding = (f: Finding) => f.code === 'MISSING_VERISON';
`;

function runCase(config, { node }) {
  const project = newProject();
  try {
    const { dir } = project;
    writeFileSync(join(dir, 'tsconfig.json'), config);
    const others = findingCodes().filter((c) => !NAMED.includes(c)).map((c) => `case '${c}': `).join('');
    writeFileSync(join(dir, 'main.ts'), CONSUMER.replace('/* INPUT */', INPUT[node ? 'node' : 'page']).replace('/* OTHER FINDING CODES */', others));
    // A CommonJS project (npm init -y) cannot hold top-level await: an ES module's does.
    if (node) sh(dir, 'npm pkg set type=module');
    const env = { MESSAGE: OFFICIAL.ciphertext, DATA_KEY: OFFICIAL.dataKey, POLICY };
    sh(dir, recipe('TypeScript', pack.tarball), env);
    if (node) {
      const out = JSON.parse(sh(dir, 'node main.js', env));
      const plaintext = readFileSync(OFFICIAL.plaintext);
      assert.deepEqual(out, { plaintext: plaintext.length, range: Array.from(plaintext.subarray(10, 30)), refused: 'signed', codes: ['INVALID_ACTION'], triaged: ['unknown action'] });
    }
    mkdirSync(join(dir, 'mistakes'));
    writeFileSync(join(dir, 'mistakes/main.ts'), MISTAKES);
    writeFileSync(join(dir, 'mistakes/tsconfig.json'), JSON.stringify({ extends: '../tsconfig.json', compilerOptions: { noEmit: true }, files: ['main.ts'] }));
    let diagnostics = '';
    try { sh(dir, 'npx tsc -p mistakes'); } catch (e) { diagnostics = e.message; }
    assert.match(diagnostics, /main\.ts\(3,\d+\): error TS2367: This comparison appears to be unintentional/, diagnostics);
    assert.match(diagnostics, /main\.ts\(4,\d+\): error TS2741: Property 'size' is missing/, diagnostics);
    assert.match(diagnostics, /main\.ts\(5,\d+\): error TS2367: This comparison appears to be unintentional because the types 'FindingCode' and '"MISSING_VERISON"'/, diagnostics);
  } finally {
    project.remove();
  }
}

test('TypeScript, strict, moduleResolution "bundler" (the README\'s first tsconfig.json)', () => {
  runCase(readmeBlocks('TypeScript', 'json')[0], { node: false });
});

test('TypeScript, strict, module "nodenext", run in Node (the README\'s second tsconfig.json)', () => {
  runCase(readmeBlocks('TypeScript', 'json')[1], { node: true });
});
