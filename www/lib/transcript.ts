/**
 * Amazon Connect Contact Lens analysis output (post-call, voice) -> the turns the player shows.
 * Shape: Participants[{ParticipantId, ParticipantRole}], Transcript[{Id, ParticipantId, Content,
 * BeginOffsetMillis, EndOffsetMillis, Sentiment, Redaction?, IssuesDetected?}], Categories.
 * Redacted PII appears in Content as `[PII]` (or `[NAME]`, `[PHONE]`... with entity types).
 */
export type Role = 'AGENT' | 'CUSTOMER' | 'OTHER';

export interface Segment {
  text: string;
  kind: 'text' | 'pii' | 'issue';
}

export interface Turn {
  id: string;
  role: Role;
  begin: number; // seconds
  end: number;
  sentiment: string;
  segments: Segment[];
  redacted: boolean;
}

export interface Transcript {
  turns: Turn[];
  categories: string[];
  language: string;
  redactedOutput: boolean;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

const PII = /\[(?:PII|[A-Z][A-Z_]*[A-Z])\]/g;
const HAS_PII = new RegExp(PII.source);

export function parseContactLens(json: unknown): Transcript {
  const root = obj(json);
  const roles = new Map<string, Role>();
  for (const p of arr(root.Participants)) {
    const role = str(obj(p).ParticipantRole).toUpperCase();
    roles.set(str(obj(p).ParticipantId), role === 'AGENT' || role === 'CUSTOMER' ? role : 'OTHER');
  }
  const turns: Turn[] = arr(root.Transcript).map((raw, i) => {
    const t = obj(raw);
    const pid = str(t.ParticipantId);
    const role = roles.get(pid) ?? (pid === 'AGENT' || pid === 'CUSTOMER' ? pid : 'OTHER');
    const content = str(t.Content);
    const issues = arr(t.IssuesDetected).map((d) => obj(obj(d).CharacterOffsets))
      .map((o) => [num(o.BeginOffsetChar), num(o.EndOffsetChar)] as const)
      .filter(([b, e]) => e > b);
    const redaction = obj(t.Redaction);
    return {
      id: str(t.Id) || `turn-${i}`,
      role,
      begin: num(t.BeginOffsetMillis) / 1000,
      end: num(t.EndOffsetMillis) / 1000,
      sentiment: str(t.Sentiment).toUpperCase(),
      segments: segment(content, issues),
      redacted: arr(redaction.RedactedTimestamps).length > 0 || HAS_PII.test(content),
    };
  }).sort((a, b) => a.begin - b.begin);
  const matched = arr(obj(root.Categories).MatchedCategories).map(str).filter(Boolean);
  return {
    turns,
    categories: matched,
    language: str(root.LanguageCode),
    redactedOutput: str(obj(root.ContentMetadata).Output).toLowerCase() === 'redacted',
  };
}

/** Splits content into plain text, redacted PII tokens and detected-issue spans. */
function segment(content: string, issues: (readonly [number, number])[]): Segment[] {
  const marks: { from: number; to: number; kind: Segment['kind'] }[] = [];
  for (const m of content.matchAll(PII)) marks.push({ from: m.index, to: m.index + m[0].length, kind: 'pii' });
  for (const [b, e] of issues) {
    if (!marks.some((m) => m.from < e && b < m.to)) marks.push({ from: b, to: Math.min(e, content.length), kind: 'issue' });
  }
  marks.sort((a, b) => a.from - b.from);
  const out: Segment[] = [];
  let at = 0;
  for (const m of marks) {
    if (m.from < at) continue;
    if (m.from > at) out.push({ text: content.slice(at, m.from), kind: 'text' });
    out.push({ text: content.slice(m.from, m.to), kind: m.kind });
    at = m.to;
  }
  if (at < content.length) out.push({ text: content.slice(at), kind: 'text' });
  return out;
}

/** Index of the turn playing at `time` (the last one begun), or -1. Turns sorted by begin. */
export function turnAt(turns: Turn[], time: number): number {
  let lo = 0, hi = turns.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (turns[mid]!.begin <= time + 0.05) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return found;
}
