/**
 * What kind of audio a decrypted recording holds, from its first bytes: the MIME type the
 * Service Worker answers with and the channel count (Connect's WAV: stereo, customer left,
 * agent right).
 */
export interface AudioFormat {
  mime: string;
  /** 1 or 2 when the container says; 0 when unknown. */
  channels: number;
  /** Duration in seconds when the container header says (WAV); 0 otherwise. */
  duration: number;
  label: string;
}

/** Sniffs WAV (RIFF/WAVE), Ogg Opus and MP3 (ID3 or a frame sync). */
export function sniffAudio(head: Uint8Array, plaintextLength: number): AudioFormat {
  const ascii = (at: number, n: number) => String.fromCharCode(...head.subarray(at, at + n));
  const u16 = (at: number) => (head[at] ?? 0) | ((head[at + 1] ?? 0) << 8);
  const u32 = (at: number) => (u16(at) | (u16(at + 2) << 16)) >>> 0;

  if (ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WAVE') {
    // Walk the chunks: fmt gives channels and byte rate, data gives the audio length.
    let channels = 0, byteRate = 0, dataLength = 0;
    for (let at = 12; at + 8 <= head.length;) {
      const id = ascii(at, 4), size = u32(at + 4);
      if (id === 'fmt ') { channels = u16(at + 10); byteRate = u32(at + 16); }
      if (id === 'data') { dataLength = Math.min(size, plaintextLength - at - 8); break; }
      at += 8 + size + (size & 1);
    }
    const duration = byteRate > 0 ? dataLength / byteRate : 0;
    return { mime: 'audio/wav', channels, duration, label: `WAV${channels === 2 ? ' stereo' : channels === 1 ? ' mono' : ''}` };
  }
  if (ascii(0, 4) === 'OggS') {
    const opus = indexOf(head, 'OpusHead');
    const channels = opus >= 0 ? head[opus + 9] ?? 0 : 0;
    return { mime: opus >= 0 ? 'audio/ogg; codecs=opus' : 'audio/ogg', channels, duration: 0, label: opus >= 0 ? 'Opus' : 'Ogg' };
  }
  let at = 0;
  if (ascii(0, 3) === 'ID3') {
    // ID3v2 size: 4 syncsafe bytes.
    at = 10 + (((head[6] ?? 0) << 21) | ((head[7] ?? 0) << 14) | ((head[8] ?? 0) << 7) | (head[9] ?? 0));
  }
  for (; at + 4 <= head.length; at++) {
    if (head[at] === 0xff && ((head[at + 1] ?? 0) & 0xe0) === 0xe0) {
      const mode = ((head[at + 3] ?? 0) >> 6) & 3; // 3 = single channel
      return { mime: 'audio/mpeg', channels: mode === 3 ? 1 : 2, duration: 0, label: 'MP3' };
    }
  }
  if (ascii(0, 3) === 'ID3') return { mime: 'audio/mpeg', channels: 0, duration: 0, label: 'MP3' };
  return { mime: 'application/octet-stream', channels: 0, duration: 0, label: 'unknown format' };
}

function indexOf(bytes: Uint8Array, text: string): number {
  const first = text.charCodeAt(0);
  outer: for (let i = bytes.indexOf(first); i >= 0 && i + text.length <= bytes.length; i = bytes.indexOf(first, i + 1)) {
    for (let j = 1; j < text.length; j++) if (bytes[i + j] !== text.charCodeAt(j)) continue outer;
    return i;
  }
  return -1;
}
