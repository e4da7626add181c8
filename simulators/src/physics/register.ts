/**
 * What a counter register shows for the true cumulative quantity: after a meter replacement the new meter's
 * reading (its start value plus what was consumed since), and modulo its rollover value. The ground truth
 * keeps the true, continuous quantity.
 */
export class CounterRegister {
  private readonly swaps: { at: number; newReading: number }[];
  private next = 0;
  private base = 0;
  private trueAtSwap = 0;
  constructor(
    private readonly rolloverAt: number | undefined,
    replacements: readonly { at: string; newReading: number }[],
  ) {
    this.swaps = replacements
      .map((r) => ({ at: Date.parse(r.at), newReading: r.newReading }))
      .sort((a, b) => a.at - b.at);
  }

  /** The reading at tick time t (ticks arrive in time order). */
  read(trueValue: number, t: number): number {
    while (this.next < this.swaps.length && t >= this.swaps[this.next]!.at) {
      this.base = this.swaps[this.next]!.newReading;
      this.trueAtSwap = trueValue;
      this.next++;
    }
    const shown = this.next === 0 ? trueValue : this.base + (trueValue - this.trueAtSwap);
    if (!this.rolloverAt) return shown;
    const r = shown % this.rolloverAt;
    return Math.round(r * 1e6) / 1e6;
  }

  get active(): boolean {
    return this.rolloverAt !== undefined || this.swaps.length > 0;
  }
}
