/**
 * The body of one Service Worker response: plaintext bytes [start, end) pulled piece by piece
 * from the decrypt worker while the element reads. When the element lets go of the response (a
 * seek, a new source) the browser cancels the body: the piece being asked for is abandoned (its
 * reply port closed), nothing is enqueued or errored after that, and no further piece is asked.
 */
import type { SwReply, SwRequest } from './protocol';

/** Asks the decrypt worker for one request; `signal` abandons it (the answer then is not awaited). */
export type Ask = (request: SwRequest, signal: AbortSignal) => Promise<SwReply>;

export interface BodyOptions {
  stream: string;
  start: number;
  end: number;
  /** The reply that already holds the first bytes at `start`, if any. */
  firstPiece?: SwReply;
  firstChunk: number;
  chunk: number;
}

export function rangeBody(ask: Ask, o: BodyOptions): ReadableStream<Uint8Array> {
  let pos = o.start;
  let first = true;
  let firstPiece = o.firstPiece;
  const abort = new AbortController();
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      if (pos >= o.end) { ctrl.close(); return; }
      let r: SwReply;
      if (firstPiece?.ok && firstPiece.bytes?.length) {
        r = firstPiece;
        if (r.bytes!.length > o.end - pos) r = { ...r, bytes: r.bytes!.subarray(0, o.end - pos) };
      } else {
        const size = Math.min(first ? o.firstChunk : o.chunk, o.end - pos);
        r = await ask({ type: 'read', stream: o.stream, start: pos, end: pos + size }, abort.signal);
      }
      first = false;
      firstPiece = undefined;
      if (abort.signal.aborted) return; // cancelled while the piece was on its way
      if (!r.ok || !r.bytes || r.bytes.length === 0) {
        ctrl.error(new Error(r.ok ? `no bytes at ${pos}` : r.message));
        return;
      }
      ctrl.enqueue(r.bytes);
      pos += r.bytes.length;
      if (pos >= o.end) ctrl.close();
    },
    cancel() {
      abort.abort();
    },
  }, { highWaterMark: 2 }); // two pieces decrypted ahead of the element's reads
}
