/**
 * The audit logs named on a command line (audit-check.ts, audit-who.ts), each as text: a log file
 * (the file sink's), a directory holding a downloaded copy of the S3 audit objects (`aws s3 sync
 * s3://bucket/prefix dir`), or s3://bucket/prefix itself (read with the SDK's default credentials;
 * CALLSEAL_S3_ENDPOINT and CALLSEAL_S3_FORCE_PATH_STYLE as the broker reads them). The S3 objects
 * are one log per stream (audit-s3.ts).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { parseAuditObjectKey, readS3Audit, streamsOf } from './audit-s3.js';

export async function readAuditLogs(where: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ name: string; text: string }[]> {
  const logs: { name: string; text: string }[] = [];
  for (const w of where) {
    const s3url = /^s3:\/\/([^/]+)\/?(.*)$/.exec(w);
    if (s3url) {
      const s3 = new S3Client({ endpoint: env.CALLSEAL_S3_ENDPOINT || undefined, forcePathStyle: env.CALLSEAL_S3_FORCE_PATH_STYLE === 'true' });
      try {
        logs.push(...await readS3Audit(s3, s3url[1]!, s3url[2]!));
      } finally {
        s3.destroy();
      }
    } else if ((await stat(w)).isDirectory()) {
      const files = (await readdir(w, { recursive: true })).filter((f) => parseAuditObjectKey(f));
      logs.push(...streamsOf(await Promise.all(files.map(async (f) => ({ key: f, text: await readFile(join(w, f), 'utf8') }))), w));
    } else {
      logs.push({ name: w, text: await readFile(w, 'utf8') });
    }
  }
  return logs;
}
