// Speech synthesis (espeak-ng + sox) and assembly of stereo call recordings in Amazon Connect's
// layout: 8 kHz, 16-bit PCM, stereo, customer on the left channel, agent on the right.
// Every utterance is synthesised once (cached in .stack/samples/tts by a hash of voice + text) and
// placed on a timeline by sample index, so each turn's begin/end offsets are exact.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const RATE = 8000; // samples per second per channel
const SEGMENT_GAP = Math.round(0.08 * RATE); // between the parts of one turn (around a redaction)

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', (e) => reject(new Error(`${cmd}: ${e.message} (Debian packages: espeak-ng sox libsox-fmt-mp3 opus-tools)`)));
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.trim()}`))));
  });
}

/** Mono 16-bit PCM at 8 kHz for `text` in `voice` (trimmed of leading/trailing silence). */
export async function synthesize(text, { voice, speed }, cacheDir) {
  const id = createHash('sha256').update(`${voice}|${speed}|${text}`).digest('hex').slice(0, 24);
  const out = join(cacheDir, `${id}.raw`);
  if (!existsSync(out)) {
    mkdirSync(cacheDir, { recursive: true });
    const wav = join(cacheDir, `${id}.${process.pid}.wav`);
    const tmp = `${out}.${process.pid}.tmp`;
    await run('espeak-ng', ['-v', voice, '-s', String(speed), '-w', wav, '--', text]);
    // telephone band, then trim silence at both ends
    await run('sox', [wav, '-t', 'raw', '-r', String(RATE), '-c', '1', '-e', 'signed-integer', '-b', '16', '-L', tmp,
      'highpass', '300', 'lowpass', '3400', 'silence', '1', '0.02', '0.5%', 'reverse', 'silence', '1', '0.02', '0.5%', 'reverse', 'gain', '-n', '-3']);
    rmSync(wav, { force: true });
    renameSync(tmp, out);
  }
  const buf = readFileSync(out);
  return new Int16Array(buf.buffer, buf.byteOffset, buf.length >> 1);
}

/** Runs `fn` over `items` with at most `n` at a time. */
export async function pool(items, n, fn) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  }));
  return results;
}

/** Splits a turn's content into parts: [{ text, pii }]. */
export function parts(content) {
  const list = Array.isArray(content) ? content : [content];
  return list
    .map((p) => (typeof p === 'string' ? { text: p.trim(), pii: false } : { text: p.pii.trim(), pii: true }))
    .filter((p) => p.text.length > 0 && /[A-Za-z0-9]/.test(p.text));
}

/** The transcript text of a turn; with `redact`, PII parts become `[PII]` (Contact Lens redacted output). */
export function transcriptText(content, redact = true) {
  const list = Array.isArray(content) ? content : [content];
  return list.map((p) => (typeof p === 'string' ? p.trim() : redact ? '[PII]' : p.pii.trim()))
    .filter(Boolean).join(' ').replace(/\s+([.,?!])/g, '$1').trim();
}

/** Full words spoken in a turn (redacted words included), for words-per-minute. */
export function wordCount(content) {
  const list = Array.isArray(content) ? content : [content];
  return list.map((p) => (typeof p === 'string' ? p : p.pii)).join(' ').split(/\s+/).filter((w) => /[A-Za-z0-9]/.test(w)).length;
}

/**
 * Renders one turn: its mono PCM (every part spoken, as recorded) and the spans Contact Lens
 * would redact (PII parts), in samples relative to the turn's start.
 */
export function renderTurn(partsPcm) {
  let len = 0;
  partsPcm.forEach((p, i) => { len += p.pcm.length + (i > 0 ? SEGMENT_GAP : 0); });
  const pcm = new Int16Array(len);
  const redacted = [];
  let at = 0;
  partsPcm.forEach((p, i) => {
    if (i > 0) at += SEGMENT_GAP;
    if (p.pii) redacted.push([at, at + p.pcm.length]);
    pcm.set(p.pcm, at);
    at += p.pcm.length;
  });
  return { pcm, redacted };
}

/** A copy of the stereo PCM with each turn's redacted spans silent on its channel (Contact Lens redacted audio). */
export function redactStereo(interleaved, placed) {
  const out = interleaved.slice();
  for (const t of placed) {
    const ch = t.who === 'AGENT' ? 1 : 0;
    for (const [b, e] of t.redacted) for (let i = b; i < e; i++) out[i * 2 + ch] = 0;
  }
  return out;
}

/** Interleaves placed turns into a stereo buffer: customer left, agent right (Connect's layout). */
export function mixStereo(placed, totalSamples) {
  const out = new Int16Array(totalSamples * 2);
  for (const t of placed) {
    const ch = t.who === 'AGENT' ? 1 : 0;
    for (let i = 0; i < t.pcm.length; i++) out[(t.begin + i) * 2 + ch] = t.pcm[i];
  }
  return out;
}

/** A canonical 44-byte-header PCM WAV file. */
export function wavFile(interleaved, channels = 2, rate = RATE) {
  const data = Buffer.from(interleaved.buffer, interleaved.byteOffset, interleaved.byteLength);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** Per-second loudness of one channel over [begin, end) samples, as Contact Lens reports it. */
export function loudness(interleaved, ch, begin, end) {
  const scores = [];
  for (let s = begin; s < end; s += RATE) {
    const e = Math.min(end, s + RATE);
    let sum = 0;
    for (let i = s; i < e; i++) { const v = interleaved[i * 2 + ch] / 32768; sum += v * v; }
    const rms = Math.sqrt(sum / Math.max(1, e - s));
    const dbfs = rms > 0 ? 20 * Math.log10(rms) : -96;
    scores.push(Math.round(Math.max(0, 94 + dbfs) * 100) / 100); // ~ dB SPL of a telephone level
  }
  return scores;
}

// MP3 through sox's libmp3lame (Debian libsox-fmt-mp3): 48 kbit/s, resampled to 16 kHz (MPEG-2 layer III)
export const encodeMp3 = (wav, mp3) => run('sox', [wav, '-C', '48', '-r', '16000', mp3]);
export const encodeOpus = (wav, opus) => run('opusenc', ['--quiet', '--bitrate', '32', wav, opus]);
