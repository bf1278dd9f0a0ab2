// www/lib/contact-lens.ts and www/lib/transcript.ts on the documented example files
// (tests/player/fixtures/README.md says where each comes from) and on the demo's samples.
// `node --test tests/player/contact-lens.test.mjs`
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { tsImport } from 'tsx/esm/api';

const ROOT = resolve(import.meta.dirname, '../..');
const fixture = (name) => JSON.parse(readFileSync(resolve(import.meta.dirname, 'fixtures', name), 'utf8'));
let parseContactLens, ContactLensError, transcriptOf;

before(async () => {
  ({ parseContactLens, ContactLensError } = await tsImport(resolve(ROOT, 'www/lib/contact-lens.ts'), import.meta.url));
  ({ transcriptOf } = await tsImport(resolve(ROOT, 'www/lib/transcript.ts'), import.meta.url));
});

const refused = (json, code, where) => assert.throws(() => parseContactLens(json), (e) => {
  assert.ok(e instanceof ContactLensError, `a ContactLensError, not ${e}`);
  assert.equal(e.code, code);
  if (where !== undefined) assert.equal(e.where, where);
  return true;
});

test('call (Version 1.1.0, redacted): participants, turns, issues, redactions, loudness, categories, characteristics', () => {
  const cl = parseContactLens(fixture('contact-lens-call-redacted.json'));
  assert.equal(cl.version, '1.1.0');
  assert.equal(cl.channel, 'VOICE');
  assert.equal(cl.redacted, true);
  assert.deepEqual(cl.participants, [{ id: 'CUSTOMER', role: 'CUSTOMER' }, { id: 'AGENT', role: 'AGENT' }]);
  assert.equal(cl.turns.length, 10);
  const [, hello, peter, cancel] = cl.turns;
  assert.deepEqual([hello.role, hello.beginMs, hello.endMs, hello.content], ['CUSTOMER', 160, 4640, 'Just hello. My name is [PII] and help.']);
  assert.deepEqual(hello.redactions, [{ beginMs: 3290, endMs: 3620 }]);
  assert.deepEqual(hello.loudness, [66.56, 40.06, 85.27, 82.22, 77.66]);
  assert.deepEqual(peter.redactions, [{ beginMs: 5100, endMs: 5450 }]);
  assert.equal(cancel.sentiment, 'NEGATIVE');
  assert.deepEqual(cancel.issues.map((i) => cancel.content.slice(i.begin, i.end)), ['I need to cancel. I want to cancel my plan subscription']);
  assert.deepEqual(cl.categories, [{ name: 'Cancellation', points: [{ beginMs: 7370, endMs: 11190 }], items: [] }]);
  const ch = cl.characteristics;
  assert.equal(ch.durationMs, 32110);
  assert.deepEqual(ch.overallSentiment, { AGENT: 0, CUSTOMER: 3.1 });
  assert.deepEqual(ch.sentimentByQuarter.AGENT.map((q) => q.score), [0, -5, 0, 5]);
  assert.deepEqual(ch.sentimentByQuarter.CUSTOMER[3], { beginMs: 24082, endMs: 32110, score: 5 });
  assert.deepEqual(ch.talkTimeMs, { AGENT: 15079, CUSTOMER: 13619 });
  assert.deepEqual(ch.interruptions, { count: 0, totalMs: 0, byInterrupter: {} });
});

test('the player\'s view of the call: PII and issue segments, timeline marks for the category and each redacted span', () => {
  const t = transcriptOf(fixture('contact-lens-call-redacted.json'));
  assert.deepEqual(t.turns[1].segments, [
    { text: 'Just hello. My name is ', kind: 'text' }, { text: '[PII]', kind: 'pii' }, { text: ' and help.', kind: 'text' }]);
  assert.deepEqual(t.turns[3].segments.map((s) => s.kind), ['issue', 'text']);
  assert.deepEqual(t.marks, [
    { kind: 'category', label: 'Cancellation', begin: 7.37, end: 11.19 },
    { kind: 'redaction', label: '', begin: 3.29, end: 3.62 },
    { kind: 'redaction', label: '', begin: 5.1, end: 5.45 },
  ]);
});

test('Amazon Connect\'s chat transcript (2019-08-26): its messages as a conversation in time order, who wrote each; events and attachments left out; no sentiment, categories or timeline marks', () => {
  const doc = fixture('connect-chat-transcript.json');
  const cl = parseContactLens(doc);
  assert.equal(cl.channel, 'CHAT');
  const messages = doc.Transcript.filter((x) => x.Type === 'MESSAGE').sort((a, b) => Date.parse(a.AbsoluteTime) - Date.parse(b.AbsoluteTime));
  assert.deepEqual(cl.turns.map((x) => x.content), messages.map((m) => m.Content));
  assert.deepEqual(cl.turns.map((x) => x.role), ['CUSTOMER', 'AGENT', 'CUSTOMER']);
  assert.equal(cl.turns[0].beginMs, Date.parse('2025-11-21T11:05:14.830Z') - Date.parse('2025-11-21T11:05:12.104Z'), 'placed from the first item, the join event');
  assert.deepEqual(cl.categories, []);
  assert.equal(cl.redacted, false);
  const view = transcriptOf(doc);
  assert.equal(view.channel, 'CHAT');
  assert.deepEqual(view.marks, []);
  // Another version of it is still refused by name.
  refused({ ...doc, Version: '2019-08-27' }, 'UNSUPPORTED_VERSION', 'Version');
});

test('chat (CHAT-2022-11-30): messages as a conversation placed by AbsoluteTime; events left out; points of interest as characters of a message', () => {
  const doc = fixture('contact-lens-chat.json');
  const cl = parseContactLens(doc);
  assert.equal(cl.channel, 'CHAT');
  const messages = doc.Transcript.filter((x) => x.Type === 'MESSAGE');
  assert.equal(cl.turns.length, messages.length);
  assert.deepEqual(cl.turns.map((x) => x.role).slice(0, 6), ['SYSTEM', 'SYSTEM', 'SYSTEM', 'AGENT', 'CUSTOMER', 'AGENT']);
  assert.equal(cl.turns[0].beginMs, Date.parse('2022-10-27T03:31:53.390Z') - Date.parse('2022-10-27T03:31:50.735Z'));
  const [intro] = cl.categories;
  assert.equal(intro.name, 'agent-intro');
  assert.deepEqual(intro.points, [], 'no milliseconds in a chat');
  const turn = cl.turns.find((x) => x.id === intro.items[0].turnId);
  assert.equal(turn.content.slice(intro.items[0].begin, intro.items[0].end), 'Hello, thanks for reaching Example Corp. This is Jane. How may I help you');
  assert.deepEqual(cl.turns.find((x) => x.id === '8fbb8dd4-9fd4-4991-83dc-5f06eeead9aa').redactedChars.map((r) => [r.begin, r.end]), [[21, 26], [44, 49]]);
  const view = transcriptOf(doc);
  assert.equal(view.turns.length, messages.length);
  assert.deepEqual(view.marks, [], 'nothing on a recording\'s timeline');
});

test('a call file versioned VOICE-2022-11-30 (the guide source\'s copy of the same example) reads as 1.1.0 does', () => {
  const call = fixture('contact-lens-call-redacted.json');
  const voice = parseContactLens({ ...call, Version: 'VOICE-2022-11-30' });
  const plain = parseContactLens(call);
  assert.equal(voice.version, 'VOICE-2022-11-30');
  assert.equal(voice.channel, 'VOICE');
  assert.deepEqual({ ...voice, version: plain.version }, plain);
  refused({ ...call, Version: 'VOICE-2022-11-30', Channel: 'CHAT' }, 'MALFORMED', 'Channel');
});

test('Amazon Transcribe Call Analytics output is refused by name, also without its JobName', () => {
  const tca = fixture('transcribe-call-analytics-redacted.json');
  refused(tca, 'TRANSCRIBE_CALL_ANALYTICS');
  const { JobName, ...anonymous } = tca;
  assert.equal(JobName, 'call-analytics-job-name');
  refused(anonymous, 'TRANSCRIBE_CALL_ANALYTICS');
  assert.throws(() => transcriptOf(tca), { code: 'TRANSCRIBE_CALL_ANALYTICS' });
});

test('other versions and shapes are refused with a code and where', () => {
  const call = fixture('contact-lens-call-redacted.json');
  for (const Version of ['1.0.0', '2.0.0', 'VOICE-2022-11-29', 'voice-2022-11-30', 'EMAIL-2026-01-01', undefined, 110]) {
    refused({ ...call, Version }, 'UNSUPPORTED_VERSION', 'Version');
  }
  refused([], 'NOT_JSON_OBJECT');
  refused({ ...call, Channel: 'CHAT' }, 'MALFORMED', 'Channel');
  const turns = structuredClone(call.Transcript);
  turns[3].IssuesDetected[0].CharacterOffsets.EndOffsetChar = 500;
  refused({ ...call, Transcript: turns }, 'MALFORMED', 'Transcript[3].IssuesDetected[0].CharacterOffsets.EndOffsetChar');
  const late = structuredClone(call.Transcript);
  late[1].Redaction.RedactedTimestamps[0].EndOffsetMillis = 3000;
  refused({ ...call, Transcript: late }, 'MALFORMED', 'Transcript[1].Redaction.RedactedTimestamps[0].EndOffsetMillis');
  const text = structuredClone(call.Transcript);
  text[0].BeginOffsetMillis = '0';
  refused({ ...call, Transcript: text }, 'MALFORMED', 'Transcript[0].BeginOffsetMillis');
  refused({ ...call, Categories: { MatchedCategories: ['Cancellation'], MatchedDetails: { Cancellation: { PointsOfInterest: [{ BeginOffsetMillis: 9, EndOffsetMillis: 1 }] } } } },
    'MALFORMED', 'Categories.MatchedDetails.Cancellation.PointsOfInterest[0].EndOffsetMillis');
  const chat = fixture('contact-lens-chat.json');
  chat.Categories.MatchedDetails['agent-intro'].PointsOfInterest[0].TranscriptItems[0].Id = 'no-such-message';
  refused(chat, 'MALFORMED', 'Categories.MatchedDetails.agent-intro.PointsOfInterest[0].TranscriptItems[0].Id');
});

test('the demo\'s samples (scripts/samples/contact-lens.mjs) are Version 1.1.0 files the parser reads whole', async () => {
  const { analysis } = await import(resolve(ROOT, 'scripts/samples/contact-lens.mjs'));
  const { RATE } = await import(resolve(ROOT, 'scripts/samples/synth.mjs'));
  const placed = [
    { who: 'AGENT', begin: 0, end: 2 * RATE, content: 'Thanks for calling, this is Sam.', sentiment: 'POSITIVE', categories: ['greeting'], redacted: [], words: 6 },
    { who: 'CUSTOMER', begin: 1.5 * RATE, end: 5 * RATE, content: 'My card number is {4111 1111 1111 1111} and it was charged twice.', sentiment: 'NEGATIVE', issue: 'charged twice', categories: [], redacted: [[3 * RATE, 4 * RATE]], words: 12 },
  ];
  const interleaved = new Int16Array(5 * RATE * 2).fill(1000);
  const out = analysis({ call: { contactId: 'c-1', slug: 'test' }, placed, interleaved, totalSamples: 5 * RATE, accountId: '111122223333', instanceId: 'i-1', recordingS3Uri: 's3://b/k', redact: true });
  const cl = parseContactLens(JSON.parse(JSON.stringify(out)));
  assert.equal(cl.version, '1.1.0');
  assert.deepEqual(cl.turns.map((t) => [t.role, t.beginMs, t.endMs]), [['AGENT', 0, 2000], ['CUSTOMER', 1500, 5000]]);
  assert.deepEqual(cl.turns[1].redactions, [{ beginMs: 3000, endMs: 4000 }]);
  assert.equal(cl.turns[1].loudness.length, 4, 'one loudness score a second');
  assert.equal(cl.turns[1].content.slice(cl.turns[1].issues[0].begin, cl.turns[1].issues[0].end), 'charged twice');
  assert.deepEqual(cl.categories, [{ name: 'greeting', points: [{ beginMs: 0, endMs: 2000 }], items: [] }]);
  assert.equal(cl.characteristics.interruptions.count, 1);
  assert.deepEqual(cl.characteristics.interruptions.byInterrupter.CUSTOMER, [{ beginMs: 1500, endMs: 2000 }]);
});
