/** Reading ahead for a reader that walks forward through an object (the signature check). */
export type Read = (offset: number, length: number) => Promise<Uint8Array>;

/**
 * `read` for a reader that goes forward through the object in equal steps (verifySignature's
 * chunks): each read starts the next `steps` reads of its length, so the network works while a
 * chunk is hashed; a read inside a piece read ahead is answered from it. At most `steps` + 1
 * pieces are held.
 */
export function readingAhead(read: Read, size: number, steps: number): Read {
  let ahead: { start: number; end: number; bytes: Promise<Uint8Array> }[] = [];
  return (offset, length) => {
    const end = offset + length;
    ahead = ahead.filter((p) => p.end > offset);
    const held = ahead.find((p) => p.start <= offset && end <= p.end);
    const bytes = held ? held.bytes.then((b) => b.subarray(offset - held.start, end - held.start)) : read(offset, length);
    for (let k = 1, at = end; k <= steps && at < size; k++, at += length) {
      if (ahead.some((p) => p.start <= at && at < p.end)) continue;
      const piece = { start: at, end: Math.min(size, at + length), bytes: read(at, Math.min(size, at + length) - at) };
      piece.bytes.catch(() => undefined); // a failure is seen by the read that takes it
      ahead.push(piece);
    }
    return bytes;
  };
}
