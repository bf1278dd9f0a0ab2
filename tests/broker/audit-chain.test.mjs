// The audit log is tamper-evident: each record carries the SHA-256 of the line before it and its
// number, across broker restarts, and the check command (www/broker/src/audit-check.ts) finds a
// removed or altered record. Brokers against the real stack writing one log, then the command
// run on the log and on edited copies of it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { ensureStack, startBroker, api, repoRoot } from './helpers.mjs';

let env;
const dir = mkdtempSync(join(tmpdir(), 'callseal-chain-'));
const log = join(dir, 'audit.jsonl');

/** The check command on `path`: { status, out }. */
function check(path) {
  try {
    return { status: 0, out: execFileSync(process.execPath, ['--import', 'tsx', 'www/broker/src/audit-check.ts', path], { cwd: repoRoot, encoding: 'utf8' }) };
  } catch (e) {
    return { status: e.status, out: e.stdout };
  }
}

before(async () => {
  ({ env } = ensureStack());
  // Two broker runs on one log: each writes StartBroker and three refusals (alice's, in full).
  for (let run = 0; run < 2; run++) {
    const b = await startBroker(env, { CALLSEAL_AUDIT_LOG: log });
    for (let i = 0; i < 3; i++) assert.equal((await api(b.url, `/api/objects/none-${run}-${i}.recording.wav/url`, { user: 'alice' })).status, 404);
    await b.stop();
  }
});

test('every record links to the one before, across restarts; the check passes', () => {
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  assert.equal(lines.length, 8);
  lines.forEach((line, i) => {
    const { chain } = JSON.parse(line);
    assert.equal(chain.seq, i);
    assert.equal(chain.prev, i === 0 ? null : createHash('sha256').update(lines[i - 1]).digest('hex'));
  });
  const r = check(log);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /8 records, last seq 7: chain intact/);
});

test('a removed record is found', () => {
  const lines = readFileSync(log, 'utf8').split('\n');
  const edited = join(dir, 'removed.jsonl');
  writeFileSync(edited, [...lines.slice(0, 3), ...lines.slice(4)].join('\n'));
  const r = check(edited);
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /removed\.jsonl:4: record 4 follows record 2: 1 record\(s\) removed/);
});

test('an altered record is found (the next record\'s hash no longer matches)', () => {
  const lines = readFileSync(log, 'utf8').split('\n');
  const edited = join(dir, 'altered.jsonl');
  assert.ok(lines[2].includes('/alice"'));
  lines[2] = lines[2].replaceAll('/alice"', '/carol"');
  writeFileSync(edited, lines.join('\n'));
  const r = check(edited);
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /altered\.jsonl:4: its hash of the line before does not match: line 3 \(record 2\) was altered/);
});
