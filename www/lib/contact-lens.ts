/**
 * Amazon Connect Contact Lens conversational analytics output, read as documented in the Amazon
 * Connect Administrator Guide ("Example Contact Lens output files for a call", "... for a chat"):
 * - calls: `Version` "1.1.0" (the published page) or "VOICE-2022-11-30" (the same example in the
 *   guide's source, awsdocs/amazon-connect-admin-guide, field for field), `Channel` "VOICE"; turns
 *   placed in milliseconds, categories' points
 *   of interest in milliseconds, redacted spans in `Redaction.RedactedTimestamps`;
 * - chats: `Version` "CHAT-2022-11-30", `Channel` "CHAT"; messages placed by `AbsoluteTime`,
 *   points of interest as character offsets into transcript items (`TranscriptItems[].Id`);
 * - Amazon Connect's chat transcript (`Version` "2019-08-26", what Connect stores for every chat
 *   when chat transcripts are enabled, Contact Lens or not): its items are the Participant
 *   Service's `GetTranscript` items (`AbsoluteTime`, `Content`, `Id`, `Type` MESSAGE / EVENT /
 *   ATTACHMENT, `ParticipantId`, `ParticipantRole`, `DisplayName`), read as the messages of a
 *   Contact Lens chat, with no sentiment, categories or redaction.
 * Amazon Transcribe Call Analytics output looks alike (Transcript, Categories,
 * ConversationCharacteristics) but is another format: it is refused by name, as is any other
 * version. A field present with the wrong type or out of range is refused with its path.
 */
export type Role = 'AGENT' | 'CUSTOMER' | 'SYSTEM' | 'OTHER';
export type Channel = 'VOICE' | 'CHAT';

export type ContactLensErrorCode = 'NOT_JSON_OBJECT' | 'TRANSCRIBE_CALL_ANALYTICS' | 'UNSUPPORTED_VERSION' | 'MALFORMED';

export class ContactLensError extends Error {
  override readonly name = 'ContactLensError';
  constructor(readonly code: ContactLensErrorCode, readonly where: string, message: string) {
    super(`${code} at ${where || '(root)'}: ${message}`);
  }
}

/** Milliseconds from the start of the contact. */
export interface Span { beginMs: number; endMs: number }
/** Characters [begin, end) of a transcript item's Content. */
export interface CharSpan { turnId: string; begin: number; end: number }

export interface Turn {
  id: string;
  participantId: string;
  role: Role;
  /** Calls: the turn's place in the recording. Chats: ms after the first message. */
  beginMs: number;
  endMs: number;
  /** Chats: the message's `AbsoluteTime` (ISO 8601). */
  absoluteTime?: string;
  content: string;
  sentiment: string;
  issues: CharSpan[];
  /** Calls: redacted spans of the recording (silence in the redacted audio). */
  redactions: Span[];
  /** Chats: redacted characters, as offsets into the redacted file's Content (so not bounded by this Content). */
  redactedChars: CharSpan[];
  /** Calls: one score a second of the turn. */
  loudness: number[];
}

export interface Category {
  name: string;
  /** Calls: where in the recording. Empty with no chat items: the whole contact matched. */
  points: Span[];
  /** Chats: which characters of which messages. */
  items: CharSpan[];
}

export interface Characteristics {
  durationMs?: number;
  overallSentiment: Record<string, number>;
  sentimentByQuarter: Record<string, (Span & { score: number })[]>;
  talkTimeMs: Record<string, number>;
  interruptions: { count: number; totalMs: number; byInterrupter: Record<string, Span[]> };
}

export interface ContactLens {
  version: string;
  channel: Channel;
  language: string;
  /** `ContentMetadata.Output` is "Redacted". */
  redacted: boolean;
  participants: { id: string; role: Role }[];
  turns: Turn[];
  categories: Category[];
  characteristics: Characteristics;
}

const NO_CHARACTERISTICS: Characteristics = {
  overallSentiment: {}, sentimentByQuarter: {}, talkTimeMs: {}, interruptions: { count: 0, totalMs: 0, byInterrupter: {} },
};

const VERSIONS: Record<string, Channel> = {
  '1.1.0': 'VOICE', 'VOICE-2022-11-30': 'VOICE', 'CHAT-2022-11-30': 'CHAT',
  // Amazon Connect's own chat transcript (ChatTranscripts/ in S3, written with or without Contact Lens).
  '2019-08-26': 'CHAT',
};

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const bad = (where: string, message: string) => new ContactLensError('MALFORMED', where, message);

function obj(v: unknown, where: string): Json {
  if (v === undefined) return {};
  if (!isObj(v)) throw bad(where, 'not an object');
  return v;
}
function arr(v: unknown, where: string): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw bad(where, 'not an array');
  return v;
}
function str(v: unknown, where: string, required = false): string {
  if (v === undefined && !required) return '';
  if (typeof v !== 'string') throw bad(where, 'not a string');
  return v;
}
function num(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(where, 'not a number');
  return v;
}
function millis(v: unknown, where: string): number {
  const n = num(v, where);
  if (!Number.isInteger(n) || n < 0) throw bad(where, 'not a whole number of milliseconds >= 0');
  return n;
}
function span(v: unknown, where: string): Span {
  const o = obj(v, where);
  const beginMs = millis(o.BeginOffsetMillis, `${where}.BeginOffsetMillis`);
  const endMs = millis(o.EndOffsetMillis, `${where}.EndOffsetMillis`);
  if (endMs < beginMs) throw bad(`${where}.EndOffsetMillis`, 'ends before it begins');
  return { beginMs, endMs };
}
function chars(v: unknown, where: string, turnId: string, content: string | undefined): CharSpan {
  const o = obj(v, where);
  const begin = millis(o.BeginOffsetChar, `${where}.BeginOffsetChar`);
  const end = millis(o.EndOffsetChar, `${where}.EndOffsetChar`);
  if (end < begin) throw bad(`${where}.EndOffsetChar`, 'ends before it begins');
  if (content !== undefined && end > content.length) throw bad(`${where}.EndOffsetChar`, `past the end of the content (${content.length} characters)`);
  return { turnId, begin, end };
}
function role(v: unknown): Role {
  return v === 'AGENT' || v === 'CUSTOMER' || v === 'SYSTEM' ? v : 'OTHER';
}

/** Transcribe Call Analytics output: a job name, and turns keyed by role with `LoudnessScores`. */
function isTranscribeCallAnalytics(root: Json): boolean {
  if ('JobName' in root || 'AnalyticsJobDetails' in root) return true;
  const first = Array.isArray(root.Transcript) ? root.Transcript[0] : undefined;
  return isObj(first) && ('LoudnessScores' in first || ('ParticipantRole' in first && !('ParticipantId' in first) && 'BeginOffsetMillis' in first));
}

export function parseContactLens(json: unknown): ContactLens {
  if (!isObj(json)) throw new ContactLensError('NOT_JSON_OBJECT', '', 'the transcript is not a JSON object');
  if (isTranscribeCallAnalytics(json)) {
    throw new ContactLensError('TRANSCRIBE_CALL_ANALYTICS', '', 'this is Amazon Transcribe Call Analytics output, not Contact Lens output');
  }
  const version = json.Version;
  const channel = typeof version === 'string' ? VERSIONS[version] : undefined;
  if (!channel) {
    throw new ContactLensError('UNSUPPORTED_VERSION', 'Version', `Contact Lens output version ${JSON.stringify(version ?? null)} is not one this player reads (${Object.keys(VERSIONS).join(', ')})`);
  }
  if (json.Channel !== undefined && json.Channel !== channel) throw bad('Channel', `${String(json.Channel)} with Version ${version}`);

  const participants = arr(json.Participants, 'Participants').map((p, i) => {
    const o = obj(p, `Participants[${i}]`);
    return { id: str(o.ParticipantId, `Participants[${i}].ParticipantId`, true), role: role(o.ParticipantRole) };
  });
  const roles = new Map(participants.map((p) => [p.id, p.role]));
  const turns = channel === 'VOICE' ? voiceTurns(json, roles) : chatTurns(json, roles);
  const byId = new Map(turns.map((t) => [t.id, t]));
  return {
    version: version as string,
    channel,
    language: str(json.LanguageCode, 'LanguageCode'),
    redacted: str(obj(json.ContentMetadata, 'ContentMetadata').Output, 'ContentMetadata.Output').toLowerCase() === 'redacted',
    participants,
    turns,
    categories: categories(obj(json.Categories, 'Categories'), channel, byId),
    // Chats describe sentiment and response time otherwise (by participant role, by interaction).
    characteristics: channel === 'VOICE' ? characteristics(obj(json.ConversationCharacteristics, 'ConversationCharacteristics')) : NO_CHARACTERISTICS,
  };
}

function voiceTurns(root: Json, roles: Map<string, Role>): Turn[] {
  return arr(root.Transcript, 'Transcript').map((raw, i) => {
    const at = `Transcript[${i}]`;
    const t = obj(raw, at);
    const { beginMs, endMs } = span(t, at);
    const id = str(t.Id, `${at}.Id`, true);
    const participantId = str(t.ParticipantId, `${at}.ParticipantId`, true);
    const content = str(t.Content, `${at}.Content`);
    return {
      id, participantId, role: roles.get(participantId) ?? role(participantId), beginMs, endMs, content,
      sentiment: str(t.Sentiment, `${at}.Sentiment`),
      issues: arr(t.IssuesDetected, `${at}.IssuesDetected`)
        .map((d, k) => chars(obj(d, `${at}.IssuesDetected[${k}]`).CharacterOffsets, `${at}.IssuesDetected[${k}].CharacterOffsets`, id, content)),
      redactions: arr(obj(t.Redaction, `${at}.Redaction`).RedactedTimestamps, `${at}.Redaction.RedactedTimestamps`)
        .map((r, k) => span(r, `${at}.Redaction.RedactedTimestamps[${k}]`)),
      redactedChars: [],
      loudness: arr(t.LoudnessScore, `${at}.LoudnessScore`).map((x, k) => (x === null ? NaN : num(x, `${at}.LoudnessScore[${k}]`))),
    };
  }).sort((a, b) => a.beginMs - b.beginMs);
}

/** Chat messages (transcript items of Type MESSAGE with content), placed by AbsoluteTime. */
function chatTurns(root: Json, roles: Map<string, Role>): Turn[] {
  const items = arr(root.Transcript, 'Transcript').map((raw, i) => ({ at: `Transcript[${i}]`, t: obj(raw, `Transcript[${i}]`) }));
  const times = items.map(({ at, t }) => {
    const iso = str(t.AbsoluteTime, `${at}.AbsoluteTime`, true);
    const ms = Date.parse(iso);
    if (Number.isNaN(ms)) throw bad(`${at}.AbsoluteTime`, 'not a date');
    return ms;
  });
  const start = Math.min(...times);
  const turns: Turn[] = [];
  items.forEach(({ at, t }, i) => {
    const content = str(t.Content, `${at}.Content`);
    if ((t.Type !== undefined && t.Type !== 'MESSAGE') || !content) return;
    const id = str(t.Id, `${at}.Id`, true);
    const participantId = str(t.ParticipantId, `${at}.ParticipantId`);
    turns.push({
      id, participantId, role: t.ParticipantRole !== undefined ? role(t.ParticipantRole) : roles.get(participantId) ?? 'OTHER',
      beginMs: times[i]! - start, endMs: times[i]! - start, absoluteTime: str(t.AbsoluteTime, `${at}.AbsoluteTime`), content,
      sentiment: str(t.Sentiment, `${at}.Sentiment`), issues: [], redactions: [], loudness: [],
      redactedChars: arr(obj(t.Redaction, `${at}.Redaction`).CharacterOffsets, `${at}.Redaction.CharacterOffsets`)
        .map((r, k) => chars(r, `${at}.Redaction.CharacterOffsets[${k}]`, id, undefined)),
    });
  });
  return turns.sort((a, b) => a.beginMs - b.beginMs);
}

function categories(c: Json, channel: Channel, byId: Map<string, Turn>): Category[] {
  const details = obj(c.MatchedDetails, 'Categories.MatchedDetails');
  return arr(c.MatchedCategories, 'Categories.MatchedCategories').map((n, i) => {
    const name = str(n, `Categories.MatchedCategories[${i}]`, true);
    const at = `Categories.MatchedDetails.${name}`;
    const points = arr(obj(details[name], at).PointsOfInterest, `${at}.PointsOfInterest`);
    if (channel === 'VOICE') return { name, points: points.map((p, k) => span(p, `${at}.PointsOfInterest[${k}]`)), items: [] };
    const items = points.flatMap((p, k) => arr(obj(p, `${at}.PointsOfInterest[${k}]`).TranscriptItems, `${at}.PointsOfInterest[${k}].TranscriptItems`)
      .map((item, j) => {
        const w = `${at}.PointsOfInterest[${k}].TranscriptItems[${j}]`;
        const o = obj(item, w);
        const id = str(o.Id, `${w}.Id`, true);
        const turn = byId.get(id);
        if (!turn) throw bad(`${w}.Id`, `no message ${id} in the transcript`);
        return o.CharacterOffsets === undefined ? { turnId: id, begin: 0, end: turn.content.length } : chars(o.CharacterOffsets, `${w}.CharacterOffsets`, id, turn.content);
      }));
    return { name, points: [], items };
  });
}

function byRole<T>(v: unknown, where: string, f: (x: unknown, at: string) => T): Record<string, T> {
  return Object.fromEntries(Object.entries(obj(v, where)).map(([k, x]) => [k, f(x, `${where}.${k}`)]));
}

function characteristics(c: Json): Characteristics {
  const w = 'ConversationCharacteristics';
  const sentiment = obj(c.Sentiment, `${w}.Sentiment`);
  const interruptions = obj(c.Interruptions, `${w}.Interruptions`);
  return {
    durationMs: c.TotalConversationDurationMillis === undefined ? undefined : millis(c.TotalConversationDurationMillis, `${w}.TotalConversationDurationMillis`),
    overallSentiment: byRole(sentiment.OverallSentiment, `${w}.Sentiment.OverallSentiment`, num),
    sentimentByQuarter: byRole(obj(sentiment.SentimentByPeriod, `${w}.Sentiment.SentimentByPeriod`).QUARTER, `${w}.Sentiment.SentimentByPeriod.QUARTER`,
      (x, at) => arr(x, at).map((p, k) => ({ ...span(p, `${at}[${k}]`), score: num(obj(p, `${at}[${k}]`).Score, `${at}[${k}].Score`) }))),
    talkTimeMs: byRole(obj(c.TalkTime, `${w}.TalkTime`).DetailsByParticipant, `${w}.TalkTime.DetailsByParticipant`,
      (x, at) => millis(obj(x, at).TotalTimeMillis, `${at}.TotalTimeMillis`)),
    interruptions: {
      count: interruptions.TotalCount === undefined ? 0 : millis(interruptions.TotalCount, `${w}.Interruptions.TotalCount`),
      totalMs: interruptions.TotalTimeMillis === undefined ? 0 : millis(interruptions.TotalTimeMillis, `${w}.Interruptions.TotalTimeMillis`),
      byInterrupter: byRole(interruptions.InterruptionsByInterrupter, `${w}.Interruptions.InterruptionsByInterrupter`,
        (x, at) => arr(x, at).map((p, k) => span(p, `${at}[${k}]`))),
    },
  };
}
