import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroundTruth } from './ground-truth.js';
import { Simulation } from './physics/simulation.js';
import { loadScenario } from './scenario/load.js';
import { startTruthServer, type TruthServer } from './truth-http.js';

let sim: Simulation;
let srv: TruthServer;
beforeAll(async () => {
  sim = new Simulation(await loadScenario('tiny'));
  sim.advanceTo(sim.startMs + 86_400_000);
  srv = await startTruthServer(new GroundTruth(sim), 0);
});
afterAll(async () => {
  await srv?.close();
});

const get = async (p: string) => {
  const r = await fetch(`${srv.url}${p}`);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};

describe('ground truth over HTTP (loopback)', () => {
  it('answers the same numbers as the in-process API', async () => {
    const truth = new GroundTruth(sim);
    const from = '2025-03-03T08:00:00+08:00';
    const to = '2025-03-03T17:00:00+08:00';
    const q = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
    const inc = await get(`/truth/meters/M-MAIN/increase?${q}`);
    expect(inc.body.value).toBe(truth.counterIncrease('M-MAIN', Date.parse(from), Date.parse(to)));
    const st = await get(`/truth/machines/CNC01/states?from=${Date.parse(from)}&to=${Date.parse(to)}`);
    expect(st.body.states).toEqual(truth.stateDurations('CNC01', Date.parse(from), Date.parse(to)).states);
    const hourly = await get(`/truth/hourly?${q}&meters=M-AIR`);
    expect(hourly.body).toHaveLength(9);
    const faults = (await get('/truth/faults')).body as unknown as { id: string }[];
    expect(faults.map((f) => f.id)).toEqual(['leak-ac01', 'thd-sensor-bad']);
    expect(srv.url.startsWith('http://127.0.0.1:')).toBe(true);
  });

  it('rejects bad requests with a specific message', async () => {
    const r = await get(
      '/truth/meters/M-MAIN/increase?from=2025-03-03T08:00:30%2B08:00&to=2025-03-03T09:00:00%2B08:00',
    );
    expect(r.status).toBe(400);
    expect(String(r.body.error)).toMatch(/tick boundary/);
    expect((await get('/truth/meters/NOPE/increase?from=0&to=1')).status).toBe(400);
    expect((await get('/truth/nothing')).status).toBe(404);
    expect((await get('/truth/hourly?from=2025-03-03')).body.error).toBe('missing query parameter "to"');
  });
});
