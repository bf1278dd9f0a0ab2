/**
 * Contact Lens output (contact-lens.ts) -> what the player shows: turns split into plain text,
 * redacted PII tokens and detected-issue spans (times in seconds), the matched categories and the
 * marks of the timeline (categories' points of interest, redacted spans).
 * Redacted PII appears in Content as `[PII]` (or `[NAME]`, `[PHONE]`... with entity types).
 */
import { parseContactLens, type Category, type Channel, type Role } from './contact-lens';

export type { Role };

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

/** A span of the timeline, in seconds: a category's point of interest or a redacted span. */
export interface Mark {
  kind: 'category' | 'redaction';
  label: string;
  begin: number;
  end: number;
}

export interface Transcript {
  channel: Channel;
  turns: Turn[];
  categories: Category[];
  marks: Mark[];
  language: string;
  redactedOutput: boolean;
}

const PII = /\[(?:PII|[A-Z][A-Z_]*[A-Z])\]/g;
const HAS_PII = new RegExp(PII.source);

/** Parses Contact Lens output (throws ContactLensError) and prepares it for display. */
export function transcriptOf(json: unknown): Transcript {
  const cl = parseContactLens(json);
  const turns: Turn[] = cl.turns.map((t) => ({
    id: t.id,
    role: t.role,
    begin: t.beginMs / 1000,
    end: t.endMs / 1000,
    sentiment: t.sentiment.toUpperCase(),
    segments: segment(t.content, t.issues.map((x) => [x.begin, x.end] as const)),
    redacted: t.redactions.length > 0 || HAS_PII.test(t.content),
  }));
  const marks: Mark[] = [
    ...cl.categories.flatMap((c) => c.points.map((p) => ({ kind: 'category' as const, label: c.name, begin: p.beginMs / 1000, end: p.endMs / 1000 }))),
    ...cl.turns.flatMap((t) => t.redactions.map((r) => ({ kind: 'redaction' as const, label: '', begin: r.beginMs / 1000, end: r.endMs / 1000 }))),
  ];
  return { channel: cl.channel, turns, categories: cl.categories, marks, language: cl.language, redactedOutput: cl.redacted };
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
