/** Channels: Connect records the customer on the left, the agent on the right; soloing a side plays it in both ears. */
export type Channel = 'both' | 'agent' | 'customer';

export const CHANNELS: readonly Channel[] = ['both', 'agent', 'customer'];

/** A Web Audio graph over one media element, made at the first solo (plain stereo needs none). */
export class ChannelMixer {
  private graph?: { ctx: AudioContext; gains: GainNode[] };

  constructor(private readonly audio: HTMLMediaElement) {}

  set(ch: Channel): void {
    if (ch === 'both' && !this.graph) return;
    if (!this.graph) {
      const ctx = new AudioContext();
      const src = ctx.createMediaElementSource(this.audio);
      const split = ctx.createChannelSplitter(2);
      const merge = ctx.createChannelMerger(2);
      src.connect(split);
      // gains[in * 2 + out]: input channel (0 = left/customer, 1 = right/agent) to output ear.
      const gains = [0, 1].flatMap((inCh) => [0, 1].map((outCh) => {
        const g = ctx.createGain();
        split.connect(g, inCh);
        g.connect(merge, 0, outCh);
        return g;
      }));
      merge.connect(ctx.destination);
      this.graph = { ctx, gains };
    }
    const { ctx, gains } = this.graph;
    void ctx.resume();
    const m = ch === 'both' ? [1, 0, 0, 1] : ch === 'customer' ? [1, 1, 0, 0] : [0, 0, 1, 1];
    gains.forEach((g, i) => g.gain.setTargetAtTime(m[i]!, ctx.currentTime, 0.015));
  }

  close(): void {
    void this.graph?.ctx.close().catch(() => undefined);
    this.graph = undefined;
  }
}
