/** Sorted, merged [start, end) intervals: which parts of an object were fetched or decrypted. */
export class Intervals {
  private list: [number, number][] = [];

  add(start: number, end: number): void {
    if (end <= start) return;
    const out: [number, number][] = [];
    let placed = false;
    for (const [s, e] of this.list) {
      if (e < start) out.push([s, e]);
      else if (end < s) {
        if (!placed) { out.push([start, end]); placed = true; }
        out.push([s, e]);
      } else { start = Math.min(start, s); end = Math.max(end, e); }
    }
    if (!placed) out.push([start, end]);
    this.list = out;
  }

  /** Total length covered. */
  get covered(): number {
    return this.list.reduce((n, [s, e]) => n + e - s, 0);
  }

  /** The intervals scaled to fractions of `total`. */
  fractions(total: number): [number, number][] {
    return total > 0 ? this.list.map(([s, e]) => [s / total, e / total]) : [];
  }
}
