/**
 * Checks an audit log's hash chain (audit.ts): every record's `chain.seq` follows the one before
 * and its `chain.prev` is the SHA-256 of the line before it. A removed, altered, inserted or
 * reordered record breaks the chain at the next record; each break is reported with its line.
 * (Records cut off the end leave no break: compare the last `seq` with a copy kept elsewhere.)
 * The S3 sink's objects are checked stream by stream (audit-logs.ts reads them).
 *
 *   node --import tsx www/broker/src/audit-check.ts <audit log | directory | s3://bucket/prefix>...
 *   exit 0: intact, 1: broken
 */
import { pathToFileURL } from 'node:url';
import { sha256 } from './audit.js';
import { readAuditLogs } from './audit-logs.js';

export interface ChainBreak {
  /** 1-based line number of the record where the chain breaks. */
  line: number;
  reason: string;
}

export interface ChainReport {
  records: number;
  lastSeq?: number;
  breaks: ChainBreak[];
}

export function checkChain(text: string): ChainReport {
  const lines = text.split('\n');
  const breaks: ChainBreak[] = [];
  if (lines.at(-1) !== '') breaks.push({ line: lines.length, reason: 'the last line is incomplete (no newline)' });
  else lines.pop();
  let before: { seq: number; line: string } | undefined;
  let records = 0;
  lines.forEach((line, i) => {
    const at = i + 1;
    let chain: { seq?: unknown; prev?: unknown } | undefined;
    try {
      chain = (JSON.parse(line) as { chain?: typeof chain }).chain;
    } catch {
      breaks.push({ line: at, reason: 'not a JSON record' });
      before = undefined;
      return;
    }
    records++;
    if (!chain || !Number.isInteger(chain.seq) || (chain.prev !== null && typeof chain.prev !== 'string')) {
      breaks.push({ line: at, reason: 'the record has no chain' });
      before = undefined;
      return;
    }
    const seq = chain.seq as number;
    if (!before) {
      if (i === 0 && (seq !== 0 || chain.prev !== null)) breaks.push({ line: at, reason: `the log starts at record ${seq}, not 0: records before it are missing` });
    } else {
      if (seq !== before.seq + 1) {
        breaks.push({ line: at, reason: seq > before.seq + 1
          ? `record ${seq} follows record ${before.seq}: ${seq - before.seq - 1} record(s) removed`
          : `record ${seq} follows record ${before.seq}: out of order or inserted` });
      } else if (chain.prev !== sha256(before.line)) {
        breaks.push({ line: at, reason: `its hash of the line before does not match: line ${at - 1} (record ${before.seq}) was altered` });
      }
    }
    before = { seq, line };
  });
  return { records, lastSeq: before?.seq, breaks };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const where = process.argv.slice(2);
  if (!where.length) {
    console.error('usage: node --import tsx www/broker/src/audit-check.ts <audit log | directory | s3://bucket/prefix>...');
    process.exit(2);
  }
  let broken = false;
  for (const log of await readAuditLogs(where)) {
    const report = checkChain(log.text);
    for (const b of report.breaks) console.log(`${log.name}:${b.line}: ${b.reason}`);
    console.log(`${log.name}: ${report.records} records, last seq ${report.lastSeq ?? '-'}: ${report.breaks.length ? `${report.breaks.length} break(s)` : 'chain intact'}`);
    broken ||= report.breaks.length > 0;
  }
  process.exit(broken ? 1 : 0);
}
