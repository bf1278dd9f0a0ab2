// Amazon Connect Contact Lens conversational analytics output (voice; the redacted file, or the
// original with `redact: false`), in the
// shape of the "Example Contact Lens output files for a call" of the Connect Administrator Guide:
// Version, AccountId, Channel, ContentMetadata, JobStatus, LanguageCode, Participants,
// Categories, ConversationCharacteristics, CustomerMetadata, Transcript. Every figure is computed
// from the synthesised audio (turn offsets from the sample positions, loudness from the PCM).
import { createHash } from 'node:crypto';
import { RATE, loudness, transcriptText } from './synth.mjs';

const ms = (samples) => Math.round((samples * 1000) / RATE);
const SCORE = { POSITIVE: 5, NEGATIVE: -5, NEUTRAL: 0, MIXED: 0 };
const ROLES = ['AGENT', 'CUSTOMER'];
const NON_TALK_MIN_MS = 3000;

/** A stable UUID-shaped id from a seed (the same call always gets the same turn ids). */
export function stableId(seed) {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const round1 = (x) => Math.round(x * 10) / 10;

function sentimentOf(turns, role, from, to) {
  let weighted = 0;
  let total = 0;
  for (const t of turns) {
    if (t.who !== role) continue;
    const overlap = Math.min(t.endMs, to) - Math.max(t.beginMs, from);
    if (overlap <= 0) continue;
    weighted += SCORE[t.sentiment] * overlap;
    total += overlap;
  }
  return total ? round1(weighted / total) : 0;
}

/**
 * @param call the script (conversations.mjs)
 * @param placed turns on the timeline: { who, begin, end, content, sentiment, issue, categories, redacted, words }
 * @param interleaved the stereo PCM (customer left, agent right)
 * @param redact the redacted output (PII as `[PII]`, Redaction offsets) or the original ('Raw')
 */
export function analysis({ call, placed, interleaved, totalSamples, accountId, instanceId, recordingS3Uri, redact }) {
  const turns = placed.map((t, i) => ({ ...t, i, beginMs: ms(t.begin), endMs: ms(t.end) }));
  const totalMs = ms(totalSamples);

  const transcript = turns.map((t) => {
    const content = transcriptText(t.content, redact);
    const item = {
      BeginOffsetMillis: t.beginMs,
      Content: content,
      EndOffsetMillis: t.endMs,
      Id: stableId(`${call.contactId}/turn/${t.i}`),
      ParticipantId: t.who,
      Sentiment: t.sentiment,
      LoudnessScore: loudness(interleaved, t.who === 'AGENT' ? 1 : 0, t.begin, t.end),
    };
    if (t.issue) {
      const at = content.indexOf(t.issue);
      if (at < 0) throw new Error(`issue phrase "${t.issue}" not in turn ${t.i} of ${call.slug}`);
      item.IssuesDetected = [{ CharacterOffsets: { BeginOffsetChar: at, EndOffsetChar: at + t.issue.length } }];
    }
    if (redact && t.redacted.length) {
      item.Redaction = { RedactedTimestamps: t.redacted.map(([b, e]) => ({ BeginOffsetMillis: ms(b), EndOffsetMillis: ms(e) })) };
    }
    return item;
  });

  const categories = {};
  for (const t of turns) {
    for (const name of t.categories ?? []) {
      (categories[name] ??= { PointsOfInterest: [] }).PointsOfInterest.push({ BeginOffsetMillis: t.beginMs, EndOffsetMillis: t.endMs });
    }
  }

  // Interruptions: a turn that starts while the other participant is still speaking.
  const interruptions = {};
  let interruptionCount = 0;
  let interruptionMs = 0;
  for (const t of turns) {
    const talking = turns.find((o) => o.who !== t.who && o.beginMs < t.beginMs && o.endMs > t.beginMs);
    if (!talking) continue;
    const end = Math.min(talking.endMs, t.endMs);
    (interruptions[t.who] ??= []).push({ BeginOffsetMillis: t.beginMs, DurationMillis: end - t.beginMs, EndOffsetMillis: end });
    interruptionCount += 1;
    interruptionMs += end - t.beginMs;
  }

  // Non-talk time: periods of 3 s or more in which nobody speaks.
  const instances = [];
  const spans = turns.map((t) => [t.beginMs, t.endMs]).sort((a, b) => a[0] - b[0]);
  let cursor = 0;
  for (const [b, e] of [...spans, [totalMs, totalMs]]) {
    if (b - cursor >= NON_TALK_MIN_MS) instances.push({ BeginOffsetMillis: cursor, DurationMillis: b - cursor, EndOffsetMillis: b });
    cursor = Math.max(cursor, e);
  }

  const talk = {};
  const speed = {};
  for (const role of ROLES) {
    const mine = turns.filter((t) => t.who === role);
    const millis = mine.reduce((s, t) => s + (t.endMs - t.beginMs), 0);
    const words = mine.reduce((s, t) => s + t.words, 0);
    talk[role] = { TotalTimeMillis: millis };
    speed[role] = { AverageWordsPerMinute: millis ? Math.round((words * 60000) / millis) : 0 };
  }

  const quarter = {};
  for (const role of ROLES) {
    quarter[role] = [0, 1, 2, 3].map((q) => {
      const from = Math.round((totalMs * q) / 4);
      const to = Math.round((totalMs * (q + 1)) / 4);
      return { BeginOffsetMillis: from, EndOffsetMillis: to, Score: sentimentOf(turns, role, from, to) };
    });
  }

  return {
    Version: '1.1.0',
    AccountId: accountId,
    Channel: 'VOICE',
    ContentMetadata: redact ? { Output: 'Redacted', RedactionTypes: ['PII'] } : { Output: 'Raw' },
    JobStatus: 'COMPLETED',
    LanguageCode: 'en-US',
    Participants: [
      { ParticipantId: 'CUSTOMER', ParticipantRole: 'CUSTOMER' },
      { ParticipantId: 'AGENT', ParticipantRole: 'AGENT' },
    ],
    Categories: { MatchedCategories: Object.keys(categories), MatchedDetails: categories },
    ConversationCharacteristics: {
      TotalConversationDurationMillis: totalMs,
      Sentiment: {
        OverallSentiment: Object.fromEntries(ROLES.map((r) => [r, sentimentOf(turns, r, 0, totalMs)])),
        SentimentByPeriod: { QUARTER: quarter },
      },
      Interruptions: { InterruptionsByInterrupter: interruptions, TotalCount: interruptionCount, TotalTimeMillis: interruptionMs },
      NonTalkTime: { Instances: instances, TotalTimeMillis: instances.reduce((s, x) => s + x.DurationMillis, 0) },
      TalkSpeed: { DetailsByParticipant: speed },
      TalkTime: { DetailsByParticipant: talk, TotalTimeMillis: talk.AGENT.TotalTimeMillis + talk.CUSTOMER.TotalTimeMillis },
    },
    CustomerMetadata: { ContactId: call.contactId, InputS3Uri: recordingS3Uri, InstanceId: instanceId },
    Transcript: transcript,
  };
}
