/**
 * Rate limit for the replay lane: `ratePerS` tokens per second, at most one second's worth banked. A send may
 * overdraw (a batch is never split); the next one waits until the balance is positive again.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;
  constructor(
    private readonly ratePerS: number,
    nowMs = Date.now(),
  ) {
    this.tokens = ratePerS;
    this.refilledAt = nowMs;
  }
  private refill(nowMs: number): void {
    this.tokens = Math.min(this.ratePerS, this.tokens + ((nowMs - this.refilledAt) / 1000) * this.ratePerS);
    this.refilledAt = nowMs;
  }
  /** True when a send may happen now. */
  ready(nowMs = Date.now()): boolean {
    this.refill(nowMs);
    return this.tokens > 0;
  }
  take(n: number): void {
    this.tokens -= n;
  }
  /** How long until ready() turns true. */
  waitMs(nowMs = Date.now()): number {
    this.refill(nowMs);
    return this.tokens > 0 ? 0 : Math.ceil((-this.tokens / this.ratePerS) * 1000);
  }
}
