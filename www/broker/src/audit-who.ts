/**
 * "Who heard contact X, and when": the granted unwraps of the contact's objects (a data key is
 * what turns a recording or transcript into sound or text), then the refused attempts, from one
 * or more audit logs, oldest first. The logs' hash chains are checked too: a broken chain is
 * reported first (the answer may then be missing records).
 *
 * A log is a file, a directory holding a downloaded copy of the S3 audit objects, or
 * s3://bucket/prefix (audit-logs.ts).
 *
 *   node --import tsx www/broker/src/audit-who.ts <contact id> <audit log | directory | s3://bucket/prefix>...  [--json]
 */
import { pathToFileURL } from 'node:url';
import { checkChain, type ChainBreak } from './audit-check.js';
import { readAuditLogs } from './audit-logs.js';

export interface Hearing {
  time: string;
  user: string;
  role?: string;
  objectId: string;
  sourceIp: string;
  requestId: string;
  /** Set for a refused attempt. */
  errorCode?: string;
}

interface DecryptRecord {
  eventName?: string;
  eventTime?: string;
  errorCode?: string;
  sourceIPAddress?: string;
  requestID?: string;
  userIdentity?: { arn?: string; userName?: string | null; sessionContext?: { sessionIssuer?: { userName?: string } } };
  requestParameters?: { encryptionContext?: Record<string, string> };
  additionalEventData?: { objectId?: string };
}

/** The Decrypt records of `contactId`'s objects in the logs' texts, granted and refused, by time. */
export function whoHeard(contactId: string, logs: { name: string; text: string }[]) {
  const heard: Hearing[] = [];
  const refused: Hearing[] = [];
  const breaks: (ChainBreak & { log: string })[] = [];
  for (const { name, text } of logs) {
    for (const b of checkChain(text).breaks) breaks.push({ ...b, log: name });
    for (const line of text.split('\n')) {
      if (!line.includes('"Decrypt"')) continue;
      let r: DecryptRecord;
      try { r = JSON.parse(line) as DecryptRecord; } catch { continue; }
      if (r.eventName !== 'Decrypt') continue;
      const objectId = r.additionalEventData?.objectId ?? '';
      // The broker grants only a context equal to the object's, so both name the same contact.
      const ofContact = objectId.startsWith(`${contactId}.`) || r.requestParameters?.encryptionContext?.['aws:connect:contact-id'] === contactId;
      if (!ofContact) continue;
      const arn = r.userIdentity?.arn;
      const h: Hearing = {
        time: r.eventTime ?? '',
        user: arn ? arn.split('/').at(-1)! : `(not signed in${r.userIdentity?.userName ? `: "${r.userIdentity.userName}"` : ''})`,
        role: r.userIdentity?.sessionContext?.sessionIssuer?.userName,
        objectId,
        sourceIp: r.sourceIPAddress ?? '',
        requestId: r.requestID ?? '',
        ...(r.errorCode ? { errorCode: r.errorCode } : {}),
      };
      (r.errorCode ? refused : heard).push(h);
    }
  }
  const byTime = (a: Hearing, b: Hearing) => a.time.localeCompare(b.time);
  return { contactId, heard: heard.sort(byTime), refused: refused.sort(byTime), users: [...new Set(heard.map((h) => h.user))], breaks };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const [contactId, ...paths] = args.filter((a) => a !== '--json');
  if (!contactId || !paths.length) {
    console.error('usage: node --import tsx www/broker/src/audit-who.ts <contact id> <audit log | directory | s3://bucket/prefix>... [--json]');
    process.exit(2);
  }
  const answer = whoHeard(contactId, await readAuditLogs(paths));
  if (json) {
    console.log(JSON.stringify(answer, null, 2));
  } else {
    for (const b of answer.breaks) console.log(`warning: ${b.log}:${b.line}: ${b.reason}`);
    console.log(`contact ${contactId}: heard by ${answer.users.length} user(s) in ${answer.heard.length} unwrap(s)`);
    const row = (h: Hearing) => `${h.time}  ${h.user}${h.role ? ` (${h.role})` : ''}  ${h.objectId}  from ${h.sourceIp}  request ${h.requestId}`;
    for (const h of answer.heard) console.log(`  ${row(h)}`);
    if (answer.refused.length) console.log(`refused attempts: ${answer.refused.length}`);
    for (const h of answer.refused) console.log(`  ${row(h)}  ${h.errorCode}`);
  }
}
