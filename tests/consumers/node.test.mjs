// Node consumers (tests/consumers/support.mjs): an ES module and a CommonJS script, each in a
// project made by `npm init -y` with the README's Node recipe, decrypt an official ESDK message,
// read its header through a range source (readHeader: the decrypt module's second half, which
// the package loads then) and validate a policy with the catalog the Node entry loads at import.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packTarball, newProject, recipe, sh, OFFICIAL, POLICY, ROOT } from './support.mjs';

let pack;
before(() => { pack = packTarball(); });
after(() => pack.remove());

/** The script's body after its import or require of callseal: prints what it found. */
const BODY = `
const message = readFileSync(process.env.MESSAGE);
const dataKey = Uint8Array.from(atob(process.env.DATA_KEY), (c) => c.charCodeAt(0));
const source = { size: message.length, read: async (offset, length) => message.subarray(offset, offset + length) };
Promise.all([decrypt(message, dataKey), readHeader(source)]).then(([plaintext, header]) => {
  console.log(JSON.stringify({
    plaintext: Buffer.from(plaintext).toString('base64'),
    rangeSuite: header.suite,
    codes: validatePolicy(process.env.POLICY, { policyType: 'kms-key' }).map((f) => f.code),
  }));
});
`;

/** Runs the README's Node recipe on `main` (after `setup`), with `nodeBin` first on PATH when given. */
function runCase(setup, main, nodeBin) {
  const project = newProject();
  try {
    if (setup) sh(project.dir, setup);
    writeFileSync(join(project.dir, 'main.js'), main);
    const path = nodeBin ? { PATH: `${nodeBin}:${process.env.PATH}` } : {};
    const out = sh(project.dir, `${recipe('Node', pack.tarball)}\nnode --version`, { MESSAGE: OFFICIAL.ciphertext, DATA_KEY: OFFICIAL.dataKey, POLICY, ...path });
    const [line, version] = out.trim().split('\n').slice(-2);
    assert.equal(version, nodeBin ? `v${MINIMUM}` : process.version, 'the Node that ran the recipe');
    const result = JSON.parse(line);
    assert.equal(result.plaintext, readFileSync(OFFICIAL.plaintext).toString('base64'), 'the official message decrypts to its plaintext');
    assert.equal(result.rangeSuite, '0578', 'readHeader read the header through the range source');
    assert.deepEqual(result.codes, ['INVALID_ACTION'], 'the catalog check ran');
  } finally {
    project.remove();
  }
}

const ESM = `import { readFileSync } from 'node:fs';\nimport { decrypt, readHeader, validatePolicy } from 'callseal';\n${BODY}`;
const CJS = `const { readFileSync } = require('node:fs');\nconst { decrypt, readHeader, validatePolicy } = require('callseal');\n${BODY}`;

test('Node, ES module ("type": "module"): import from callseal', () => runCase('npm pkg set type=module', ESM));
test('Node, CommonJS (npm init -y): require(\'callseal\')', () => runCase(null, CJS));

// The package's engines and README: Node 22.12 or later (the first 22 to load ES modules with
// require). That Node comes from the npm registry's node-linux-<arch> package, as the toolchain's.
const MINIMUM = JSON.parse(readFileSync(join(ROOT, 'pkg-config/package.json'), 'utf8')).engines.node.replace(/^>=/, '');
let minimum;
function minimumNode() {
  if (!minimum) {
    const arch = { x64: 'x64', arm64: 'arm64' }[process.arch];
    const dir = mkdtempSync(join(tmpdir(), 'callseal-node-'));
    sh(dir, `npm install --no-save --prefix . node-linux-${arch}@${MINIMUM}`);
    minimum = { bin: join(dir, `node_modules/node-linux-${arch}/bin`), remove: () => rmSync(dir, { recursive: true, force: true }) };
  }
  return minimum.bin;
}
after(() => minimum?.remove());

test(`Node ${MINIMUM} (engines' minimum), ES module`, () => runCase('npm pkg set type=module', ESM, minimumNode()));
test(`Node ${MINIMUM} (engines' minimum), CommonJS`, () => runCase(null, CJS, minimumNode()));

// README: make runs everything on the LTS of .node-version that scripts/setup.sh installed.
test('make test runs on the Node of .node-version, from CALLSEAL_NODE_HOME', { skip: process.env.CALLSEAL_NODE_HOME ? false : 'not run by make' }, () => {
  assert.equal(process.version, `v${readFileSync(join(ROOT, '.node-version'), 'utf8').trim()}`);
  assert.equal(process.execPath, join(process.env.CALLSEAL_NODE_HOME, 'bin/node'));
  assert.equal(sh(ROOT, 'command -v npm').trim(), join(process.env.CALLSEAL_NODE_HOME, 'bin/npm'));
});
