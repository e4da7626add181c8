import type { Logger } from 'pino';

/** Logs at most once per key per interval and says how many were suppressed in between. */
export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  constructor(
    private readonly log: Logger,
    private readonly intervalMs: number,
  ) {}
  warn(key: string, obj: Record<string, unknown>, msg: string, nowMs = Date.now()): boolean {
    const e = this.last.get(key);
    if (e && nowMs - e.at < this.intervalMs) {
      e.suppressed++;
      return false;
    }
    this.log.warn({ ...obj, suppressedSinceLast: e?.suppressed ?? 0 }, msg);
    this.last.set(key, { at: nowMs, suppressed: 0 });
    return true;
  }
}
