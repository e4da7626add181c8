import type { Simulation } from './physics/simulation.js';

export type LiveClockOptions = {
  /** Simulated seconds per real second (3600 = one simulated hour per second). */
  speed: number;
  /** Stop stepping once this virtual time is reached (inclusive). */
  untilMs?: number;
  /** At most this many ticks per timer turn, so a far-behind clock cannot starve the event loop. */
  maxTicksPerTurn?: number;
};

/**
 * Drives a Simulation from the wall clock: tick k is due `k·tick/speed` real seconds after start. The values
 * do not depend on timing (only on the tick number); a late timer just catches up, in bounded turns.
 * Can be stopped and resumed; resuming continues from the next tick at the current speed.
 */
export class LiveClock {
  private timer: NodeJS.Timeout | null = null;
  private realStartMs = 0;
  private baseTick = 0;
  private running = false;

  constructor(
    readonly sim: Simulation,
    private readonly opts: LiveClockOptions,
  ) {
    if (!(opts.speed > 0)) throw new Error(`speed must be > 0, got ${opts.speed}`);
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.realStartMs = performance.now();
    this.baseTick = this.sim.tick + 1;
    this.turn();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Virtual time the wall clock says it is now (may be ahead of the last computed tick). */
  virtualNowMs(): number {
    const elapsed = this.running ? performance.now() - this.realStartMs : 0;
    return this.sim.timeOf(this.baseTick) + elapsed * this.opts.speed;
  }

  private turn(): void {
    this.timer = null;
    if (!this.running) return;
    const { sim } = this;
    const dueTick =
      this.baseTick + Math.floor(((performance.now() - this.realStartMs) * this.opts.speed) / sim.tickMs);
    const limit = this.opts.maxTicksPerTurn ?? 2000;
    for (let n = 0; n < limit && sim.tick < dueTick; n++) {
      if (this.opts.untilMs !== undefined && sim.tick >= 0 && sim.timeOf(sim.tick) >= this.opts.untilMs) {
        this.stop();
        return;
      }
      sim.step();
    }
    if (this.opts.untilMs !== undefined && sim.timeOf(sim.tick) >= this.opts.untilMs) {
      this.stop();
      return;
    }
    const nextDueReal = this.realStartMs + ((sim.tick + 1 - this.baseTick) * sim.tickMs) / this.opts.speed;
    const wait = Math.max(0, nextDueReal - performance.now());
    this.timer = sim.tick < dueTick ? setTimeout(() => this.turn(), 0) : setTimeout(() => this.turn(), wait);
  }
}
