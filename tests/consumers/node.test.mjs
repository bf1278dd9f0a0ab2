// Node consumers (tests/consumers/support.mjs): an ES module and a CommonJS script, each in a
// project made by `npm init -y` with the README's Node recipe, decrypt an official ESDK message
// and validate a policy with the catalog the Node entry loads at import.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packTarball, newProject, recipe, sh, OFFICIAL, POLICY, ROOT } from './support.mjs';

let pack;
before(() => { pack = packTarball(); });
after(() => pack.remove());

/** The script's body after its import or require of callseal: prints what it found. */
const BODY = `
const message = readFileSync(process.env.MESSAGE);
const dataKey = Uint8Array.from(atob(process.env.DATA_KEY), (c) => c.charCodeAt(0));
decrypt(message, dataKey).then((plaintext) => {
  console.log(JSON.stringify({
    plaintext: Buffer.from(plaintext).toString('base64'),
    codes: validatePolicy(process.env.POLICY, { policyType: 'kms-key' }).map((f) => f.code),
  }));
});
`;

function runCase(setup, main) {
  const project = newProject();
  try {
    if (setup) sh(project.dir, setup);
    writeFileSync(join(project.dir, 'main.js'), main);
    const out = sh(project.dir, recipe('Node', pack.tarball), { MESSAGE: OFFICIAL.ciphertext, DATA_KEY: OFFICIAL.dataKey, POLICY });
    const result = JSON.parse(out.trim().split('\n').at(-1));
    assert.equal(result.plaintext, readFileSync(OFFICIAL.plaintext).toString('base64'), 'the official message decrypts to its plaintext');
    assert.deepEqual(result.codes, ['INVALID_ACTION'], 'the catalog check ran');
  } finally {
    project.remove();
  }
}

test('Node, ES module ("type": "module"): import from callseal', () => {
  runCase('npm pkg set type=module', `import { readFileSync } from 'node:fs';\nimport { decrypt, validatePolicy } from 'callseal';\n${BODY}`);
});

test('Node, CommonJS (npm init -y): require(\'callseal\')', () => {
  runCase(null, `const { readFileSync } = require('node:fs');\nconst { decrypt, validatePolicy } = require('callseal');\n${BODY}`);
});

// README: make runs everything on the LTS of .node-version that scripts/setup.sh installed.
test('make test runs on the Node of .node-version, from CALLSEAL_NODE_HOME', { skip: process.env.CALLSEAL_NODE_HOME ? false : 'not run by make' }, () => {
  assert.equal(process.version, `v${readFileSync(join(ROOT, '.node-version'), 'utf8').trim()}`);
  assert.equal(process.execPath, join(process.env.CALLSEAL_NODE_HOME, 'bin/node'));
  assert.equal(sh(ROOT, 'command -v npm').trim(), join(process.env.CALLSEAL_NODE_HOME, 'bin/npm'));
});
