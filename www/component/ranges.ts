/** What has been downloaded and decrypted, drawn under the seek bar (fractions of the object). */
export function drawRanges(c: HTMLCanvasElement, s: { fetched: [number, number][]; decrypted: [number, number][] } | undefined): void {
  const dpr = devicePixelRatio || 1;
  const w = Math.max(1, Math.round(c.clientWidth * dpr)), h = Math.max(1, Math.round(c.clientHeight * dpr));
  if (c.width !== w || c.height !== h) { c.width = w; c.height = h; }
  const g = c.getContext('2d');
  if (!g) return;
  g.clearRect(0, 0, w, h);
  if (!s) return;
  const css = getComputedStyle(c);
  const paint = (ranges: [number, number][], color: string, y: number, hh: number) => {
    g.fillStyle = color;
    for (const [a, b] of ranges) g.fillRect(Math.floor(a * w), y, Math.max(1, Math.ceil((b - a) * w)), hh);
  };
  paint(s.fetched, css.getPropertyValue('--callseal-fetched').trim(), 0, h);
  paint(s.decrypted, css.getPropertyValue('--callseal-decrypted').trim(), Math.round(h * 0.25), Math.round(h * 0.5));
}
