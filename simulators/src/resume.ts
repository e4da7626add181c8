import type { Simulation } from './physics/simulation.js';

export type AdvanceProgress = { tick: number; lastTick: number; virtualMs: number };

/**
 * Steps a simulation, publishing nothing, until its last computed tick is the last one at or before `untilMs`.
 * A simulation is a deterministic function of (scenario, seed, start, tick), so a run that is started again
 * with the same start and advanced to where its stored history ends is the same plant in the same state:
 * counters continue from the values already stored instead of starting over. Yields to the event loop every
 * `chunkTicks` ticks so that signals and timers are served; stops early when `signal` is aborted.
 * Resolves with the number of ticks stepped.
 */
export async function advanceSimulation(
  sim: Simulation,
  untilMs: number,
  opts: { signal?: AbortSignal; chunkTicks?: number; onProgress?: (p: AdvanceProgress) => void } = {},
): Promise<number> {
  const lastTick = Math.floor((untilMs - sim.startMs) / sim.tickMs);
  const chunk = Math.max(1, opts.chunkTicks ?? 1000);
  let stepped = 0;
  while (sim.tick < lastTick && !opts.signal?.aborted) {
    const end = Math.min(lastTick, sim.tick + chunk);
    while (sim.tick < end) {
      sim.step();
      stepped++;
    }
    opts.onProgress?.({ tick: sim.tick, lastTick, virtualMs: sim.timeOf(sim.tick) });
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return stepped;
}
