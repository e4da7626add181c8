import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * What `npm start` must remember between starts to resume instead of starting over: the scenario and the
 * virtual start of its simulation. The simulation is a deterministic function of (scenario, seed, start, tick),
 * so the same start replayed to where the stored history ends continues every counter where it stopped.
 */
export const START_STATE_FILE = 'start-state.json';

const stateSchema = z.object({
  version: z.literal(1),
  scenario: z.string().min(1),
  factoryId: z.string().min(1),
  /** Virtual time of the simulation's tick 0 (epoch ms). */
  simStartMs: z.number().int(),
  createdAtMs: z.number().int(),
});
export type StartState = z.infer<typeof stateSchema>;

/** Everything a start creates inside --data-dir; `--fresh` deletes exactly these (never anything else there). */
export const START_ENTRIES = [START_STATE_FILE, 'platform', 'edge1', 'sim-pki', 'broker', 'logs'];

export class StartStateError extends Error {}

export function readStartState(dataDir: string): StartState | null {
  const file = path.join(dataDir, START_STATE_FILE);
  if (!existsSync(file)) {
    if (existsSync(path.join(dataDir, 'platform', 'platform.db')))
      throw new StartStateError(
        `${dataDir} holds data of an earlier npm start without ${START_STATE_FILE}, so it cannot be resumed ` +
          'consistently; start over with --fresh, or choose another --data-dir',
      );
    return null;
  }
  const r = stateSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!r.success) throw new StartStateError(`${file} is not a valid start state; start over with --fresh`);
  return r.data;
}

export function writeStartState(dataDir: string, state: StartState): void {
  writeFileSync(path.join(dataDir, START_STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}

/** The scenario of the kept data must be the one asked for: resuming another plant's counters is nonsense. */
export function checkScenario(state: StartState, scenario: string): void {
  if (state.scenario !== scenario)
    throw new StartStateError(
      `the data in this directory is of scenario "${state.scenario}", not "${scenario}": ` +
        `use --scenario ${state.scenario}, another --data-dir, or --fresh to start over`,
    );
}

/** `--fresh`: deletes what earlier starts kept (and, with an InfluxDB store, drops its database). */
export async function wipeStartData(
  dataDir: string,
  influx?: { url: string; database: string },
): Promise<string[]> {
  const removed: string[] = [];
  for (const e of START_ENTRIES) {
    const p = path.join(dataDir, e);
    if (!existsSync(p)) continue;
    rmSync(p, { recursive: true, force: true });
    removed.push(e);
  }
  if (influx) {
    const res = await fetch(`${influx.url.replace(/\/$/, '')}/query`, {
      method: 'POST',
      body: new URLSearchParams({ q: `DROP DATABASE "${influx.database}"` }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new StartStateError(`--fresh: InfluxDB refused DROP DATABASE (HTTP ${res.status})`);
    removed.push(`InfluxDB database ${influx.database}`);
  }
  return removed;
}
