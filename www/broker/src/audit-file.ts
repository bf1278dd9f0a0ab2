/**
 * The audit log as a file (the Node server's sink, CALLSEAL_AUDIT_LOG): the records appended as
 * JSON lines, each write fdatasync'd before it counts. A restarted broker continues the chain from
 * the file's last line; a failed write is cut off the file again (truncated to the last synced
 * length, so no torn line stays) and the file opened afresh for the next one.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type AuditSink, type Chain, sha256 } from './audit.js';

/** The chain after the last line of an existing log (its last 64 KiB are read). */
async function lastLink(path: string, size: number): Promise<Chain> {
  if (size === 0) return { seq: 0, prev: null };
  const fh = await open(path, 'r');
  try {
    const n = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(n);
    await fh.read(buf, 0, n, size - n);
    const lines = buf.toString('utf8').split('\n').filter(Boolean);
    const last = lines.at(-1) ?? '';
    let seq = 0;
    try { seq = Number((JSON.parse(last) as { chain?: Chain }).chain?.seq ?? -1) + 1; } catch { /* not a record: the check reports it */ }
    return { seq, prev: sha256(last) };
  } finally {
    await fh.close();
  }
}

export class FileAuditSink implements AuditSink {
  private file?: { handle: FileHandle; size: number; regular: boolean };

  constructor(readonly path: string) {}

  get where() {
    return this.path;
  }

  async open(): Promise<Chain> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const handle = await open(this.path, 'a', 0o600);
    const st = await handle.stat();
    this.file = { handle, size: st.size, regular: st.isFile() };
    return st.isFile() ? lastLink(this.path, st.size) : { seq: 0, prev: null };
  }

  async write(bytes: Buffer): Promise<void> {
    const file = this.file!;
    await file.handle.write(bytes, 0, bytes.length); // opened for append: lands at the end
    await file.handle.datasync();
    file.size += bytes.length;
  }

  async discard() {
    const file = this.file;
    this.file = undefined;
    if (!file) return;
    if (file.regular) await file.handle.truncate(file.size).catch(() => {});
    await file.handle.close().catch(() => {});
  }
}
