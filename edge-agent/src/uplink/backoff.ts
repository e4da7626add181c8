/** Bounded exponential backoff with ±20 % jitter (so a fleet of agents does not reconnect in lockstep). */
export class Backoff {
  private attempt = 0;
  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {}
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(Math.min(this.maxMs, base * (0.8 + Math.random() * 0.4)));
  }
  reset(): void {
    this.attempt = 0;
  }
}
