// `callseal seal --bucket B --prefix P`: the back-fill seals what is under P, passes over sealed
// objects, refuses what is not Connect's with its code, prints its progress (objects, bytes, rate)
// on stderr and a summary line; a rerun after an interruption writes only what is missing.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { ensureStack, connectKey, bytes, put, get, seal, decryptNode } from './support.mjs';

let env;
before(() => { ({ env } = ensureStack()); });

test('a back-fill seals the prefix, refuses what is not Connect\'s, and resumes where it stopped', async () => {
  const prefix = `connect/callseal-backfill-${process.pid}-${Date.now()}/`;
  const objects = [];
  for (const [ext, folder] of [['wav', 'CallRecordings'], ['json', 'ChatTranscripts'], ['wav', 'CallRecordings']]) {
    const { key } = connectKey(ext, folder, '20261206T10:00_UTC', prefix);
    const plaintext = bytes(300_000 + objects.length * 1000, key);
    await put(key, plaintext);
    objects.push({ key, plaintext });
  }
  const report = `${prefix}Reports/2026/12/06/agent-performance.csv`;
  await put(report, bytes(100, report));

  // An interrupted earlier run sealed one object.
  const first = await seal(['--bucket', env.CALLSEAL_BUCKET, '--key', objects[1].key]);
  assert.equal(first.code, 0, first.stderr);

  const run = await seal(['--bucket', env.CALLSEAL_BUCKET, '--prefix', prefix, '--jobs', '2']);
  assert.equal(run.code, 1, 'a refusal makes the exit status 1');
  const byKey = Object.fromEntries(run.lines.filter((l) => l.key).map((l) => [l.key, l]));
  assert.deepEqual(Object.keys(byKey).sort(), [...objects.map((o) => o.key), report].sort(), 'one line per object, none for the sealed ones');
  assert.equal(byKey[objects[1].key].outcome, 'exists');
  for (const o of [objects[0], objects[2]]) assert.equal(byKey[o.key].outcome, 'sealed');
  assert.deepEqual([byKey[report].outcome, byKey[report].code], ['refused', 'NotAConnectObject']);
  const { summary } = run.lines.at(-1);
  assert.deepEqual({ ...summary, seconds: 0 }, {
    sealed: 2, exists: 1, refused: 1, failed: 0,
    plaintextBytes: objects[0].plaintext.length + objects[2].plaintext.length, seconds: 0,
  });
  assert.match(run.stderr, /\[seal\] 2 sealed, 1 already, 1 refused, 0 failed; [\d.]+ MiB at [\d.]+ MiB\/s/);
  for (const o of objects) {
    const { plaintext } = await decryptNode((await get(`${o.key}.esdk`)).body);
    assert.ok(plaintext.equals(o.plaintext), o.key);
  }

  const again = await seal(['--bucket', env.CALLSEAL_BUCKET, '--prefix', prefix]);
  assert.deepEqual({ ...again.lines.at(-1).summary, seconds: 0 }, { sealed: 0, exists: 3, refused: 1, failed: 0, plaintextBytes: 0, seconds: 0 }, 'a rerun writes nothing');
});
