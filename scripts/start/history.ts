import {
  advanceSimulation,
  createSimulation,
  runBackfill,
  type Scenario,
  type Simulation,
} from '@xiang/simulators';
import type { Logger } from 'pino';
import type { TimeSeriesStore } from '../../platform/src/store/types.js';
import type { StartClient } from './credentials.js';
import { type StartState, writeStartState } from './state.js';

const DAY_MS = 86_400_000;
/**
 * The replayed history is that agent's history, published under its id with metric indices from here on, so
 * they never collide with the indices the live agent assigns itself (0, 1, 2, … in the order it meets metrics).
 */
export const HISTORY_INDEX_OFFSET = 500_000;

export type HistoryContext = {
  /** The kept state of an earlier start (checked against the scenario), or null on the first start. */
  state: StartState | null;
  scenarioName: string;
  scenario: Scenario;
  dataDir: string;
  historyDays: number;
  store: TimeSeriesStore;
  brokerUrl: string;
  protocolVersion: 4 | 5;
  agentId: string;
  credentials: StartClient | null;
  log: Logger;
  say: (line: string) => void;
  signal: AbortSignal;
};

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The newest stored timestamp of the factory (what the previous run got stored), or null when none. */
export async function storedHistoryEnd(store: TimeSeriesStore, factoryId: string): Promise<number | null> {
  let end: number | null = null;
  for (const v of await store.latest(factoryId)) if (end === null || v.tsMs > end) end = v.tsMs;
  return end;
}

/**
 * Prepares the simulation that the live simulators then run in real time:
 *  - first start (no kept state or no stored data): a simulation starting --history-days before now, whose
 *    history is sent through the broker as the agent would replay its queue;
 *  - later start: the same simulation (kept start, same scenario), advanced without sending to where the stored
 *    history ends, then the gap since that point sent as history (at most --history-days; an older part stays
 *    a gap, as for a plant whose monitoring was off). Nothing already stored is sent again, and every counter
 *    continues from its stored value.
 */
export async function prepareSimulation(c: HistoryContext): Promise<{ sim: Simulation; resumed: boolean }> {
  const factoryId = c.scenario.factory.id;
  const tickMs = c.scenario.clock.tickSeconds * 1000;
  const liveStartMs = Math.floor(Date.now() / tickMs) * tickMs;
  const state = c.state;
  const storedEnd = state ? await storedHistoryEnd(c.store, factoryId) : null;
  const keepDays = Math.ceil(c.historyDays) + 2;

  if (!state || storedEnd === null) {
    const simStartMs = liveStartMs - Math.ceil(c.historyDays) * DAY_MS;
    writeStartState(c.dataDir, {
      version: 1,
      scenario: c.scenarioName,
      factoryId,
      simStartMs,
      createdAtMs: Date.now(),
    });
    const sim = createSimulation(c.scenario, { startMs: simStartMs, historyDays: keepDays });
    if (c.historyDays > 0) {
      c.say(
        `写入 ${c.historyDays} 天历史数据 / sending ${c.historyDays} days of simulated history through the broker…`,
      );
      await sendHistory(c, sim, liveStartMs);
    }
    return { sim, resumed: false };
  }

  const sim = createSimulation(c.scenario, { startMs: state.simStartMs, historyDays: keepDays });
  const fillFromMs = Math.max(storedEnd, liveStartMs - Math.ceil(c.historyDays) * DAY_MS);
  c.say(`继续上次的数据 / resuming: stored history ends at ${iso(storedEnd)}`);
  let lastPct = -1;
  await advanceSimulation(sim, fillFromMs, {
    signal: c.signal,
    onProgress: (p) => {
      const pct = Math.floor((p.tick / Math.max(1, p.lastTick)) * 100);
      if (pct !== lastPct && pct % 10 === 0) {
        lastPct = pct;
        process.stdout.write(`\r  仿真推进 advancing the simulation ${pct}%`);
      }
    },
  });
  if (lastPct >= 0) process.stdout.write('\n');
  if (fillFromMs > storedEnd)
    c.say(
      `  ${iso(storedEnd)} – ${iso(fillFromMs)} stays a gap (longer ago than --history-days ${c.historyDays})`,
    );
  if (liveStartMs > sim.timeOf(sim.tick)) {
    const minutes = (liveStartMs - sim.timeOf(sim.tick)) / 60_000;
    const span = minutes < 120 ? `${Math.round(minutes)} min` : `${(minutes / 60).toFixed(1)} h`;
    c.say(`补发停机期间的数据 / sending the ${span} since then as history…`);
    await sendHistory(c, sim, liveStartMs);
  }
  return { sim, resumed: true };
}

async function sendHistory(c: HistoryContext, sim: Simulation, toMs: number): Promise<void> {
  const fromMs = sim.timeOf(sim.tick + 1);
  let lastPct = -1;
  const r = await runBackfill({
    scenario: c.scenario,
    simulation: sim,
    brokerUrl: c.brokerUrl,
    protocolVersion: c.protocolVersion,
    days: Math.max(1 / 1440, (toMs - fromMs) / DAY_MS),
    toMs,
    agentId: c.agentId,
    metricIndexOffset: HISTORY_INDEX_OFFSET,
    clientId: `xiang-start-history-${process.pid}`,
    signal: c.signal,
    ...(c.credentials ? { username: c.credentials.username, password: c.credentials.password } : {}),
    logger: c.log,
    onProgress: (p) => {
      const pct = Math.min(100, Math.floor(((p.virtualMs - fromMs) / Math.max(1, toMs - fromMs)) * 100));
      if (pct !== lastPct && pct % 5 === 0) {
        lastPct = pct;
        process.stdout.write(`\r  ${pct}%  ${p.points.toLocaleString('en')} points`);
      }
    },
  });
  c.say(
    `\r  100%  ${r.points.toLocaleString('en')} points in ${(r.elapsedMs / 1000).toFixed(1)} s`.padEnd(60),
  );
}
