import { MachineryItemState, type MachineryItemStateName } from '@xiang/protocol';
import type { GroundTruth } from '@xiang/simulators';
import { expect } from 'vitest';
import { type E2EStack, FACTORY, HOUR_MS, SCENARIO } from './stack.js';

/** Comparisons of what the HTTP API answers with the simulator's ground truth. */

type Api = { url: string; token: string };

export async function getJson<T>(api: Api, urlPath: string): Promise<T> {
  const res = await fetch(`${api.url}/api/v1${urlPath}`, {
    headers: { authorization: `Bearer ${api.token}` },
  });
  if (!res.ok) throw new Error(`GET ${urlPath}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

type ApiMetric = { deviceId: string; key: string; quantity: string; unit: string };

/** The counter series of every meter, found by quantity in the platform's metric table (from births). */
export async function meterCounters(api: Api): Promise<ApiMetric[]> {
  const metrics = await getJson<ApiMetric[]>(api, `/factories/${FACTORY}/metrics`);
  const meterIds = new Set(SCENARIO.meters.map((m) => m.id));
  return metrics.filter(
    (m) => meterIds.has(m.deviceId) && ['activeEnergyImport', 'volume', 'mass'].includes(m.quantity),
  );
}

export type HourlyComparison = {
  deviceId: string;
  key: string;
  quantity: string;
  hourStartMs: number;
  api: number | null;
  truth: number;
  relError: number;
};

/** Hourly consumption per counter from `/timeseries/increase` (1 h intervals) next to the ground truth. */
export async function hourlyComparison(
  api: Api,
  truth: GroundTruth,
  fromMs: number,
  toMs: number,
): Promise<HourlyComparison[]> {
  const counters = await meterCounters(api);
  const series = counters.map((m) => `${m.deviceId}:${m.key}`).join(',');
  const body = await getJson<{
    series: { deviceId: string; metric: string; intervals: { startMs: number; increase: number | null }[] }[];
  }>(api, `/factories/${FACTORY}/timeseries/increase?series=${series}&from=${fromMs}&to=${toMs}&interval=1h`);
  const out: HourlyComparison[] = [];
  for (const s of body.series) {
    const m = counters.find((c) => c.deviceId === s.deviceId && c.key === s.metric)!;
    for (const iv of s.intervals) {
      const t = truth.counterIncrease(s.deviceId, iv.startMs, iv.startMs + HOUR_MS);
      const relError = iv.increase === null ? Number.POSITIVE_INFINITY : Math.abs(iv.increase - t) / t;
      out.push({
        deviceId: s.deviceId,
        key: s.metric,
        quantity: m.quantity,
        hourStartMs: iv.startMs,
        api: iv.increase,
        truth: t,
        relError,
      });
    }
  }
  return out;
}

const stateNames = Object.fromEntries(Object.entries(MachineryItemState).map(([k, v]) => [v, k])) as Record<
  number,
  MachineryItemStateName
>;

/**
 * Time in each MachineryItemState from the raw `state` series of the API: each sample holds until the next
 * one (the simulator writes a state only when it changes, stamped with its tick time), the last one until toMs.
 */
export async function stateDurationsFromApi(
  api: Api,
  machineId: string,
  fromMs: number,
  toMs: number,
): Promise<{ states: Record<MachineryItemStateName, number>; samples: number }> {
  const body = await getJson<{
    series: { points: { tsMs: number; value: number | null; status: number }[] }[];
  }>(
    api,
    `/factories/${FACTORY}/timeseries/raw?series=${machineId}:state&from=${fromMs}&to=${toMs}&limit=500000`,
  );
  const pts = body.series[0]?.points ?? [];
  const states = { NotAvailable: 0, OutOfService: 0, NotExecuting: 0, Executing: 0 };
  if (pts[0]?.tsMs !== fromMs) throw new Error(`${machineId}: no state sample at the start of the range`);
  pts.forEach((p, i) => {
    const name = stateNames[p.value ?? -1];
    if (!name || p.status !== 0) throw new Error(`${machineId}: unusable state sample ${JSON.stringify(p)}`);
    states[name] += (pts[i + 1]?.tsMs ?? toMs) - p.tsMs;
  });
  return { states, samples: pts.length };
}

export const machineIds = (): string[] =>
  SCENARIO.workshops.flatMap((w) => w.lines.flatMap((l) => l.machines.map((m) => m.id)));
export const electricityMeterIds = (): string[] =>
  SCENARIO.meters.filter((m) => m.medium === 'electricity').map((m) => m.id);

/**
 * Exactly once, per series: the store holds exactly the distinct (metric, timestamp) pairs the agent published
 * (as the independent recorder saw them on the broker), nothing was dropped from the agent's queue, and every
 * value the agent took in was published. Values from OPC UA reach the agent once each, so there its own count
 * must equal the distinct pairs; `atLeastOnceMetrics` came over an MQTT hop (device → broker → agent) that
 * may deliver a reading twice — the agent then takes it in twice, and the store must still hold it once.
 */
export async function expectStoredExactlyOnce(
  s: E2EStack,
  atLeastOnceMetrics: (name: string) => boolean = () => false,
): Promise<{ series: number; points: number; repeatsTakenIn: number }> {
  const counts = await s.storedCounts();
  expect(counts.length).toBeGreaterThanOrEqual(s.opcuaMetrics.length);
  for (const name of s.opcuaMetrics) expect(counts.map((c) => c.name)).toContain(name);
  let repeatsTakenIn = 0;
  for (const c of counts) {
    expect(c.dropped, c.name).toBe(0);
    expect(c.published, c.name).toBeGreaterThan(0);
    expect(c.stored, c.name).toBe(c.published);
    if (atLeastOnceMetrics(c.name)) expect(c.takenIn, c.name).toBeGreaterThanOrEqual(c.published);
    else expect(c.takenIn, c.name).toBe(c.published);
    repeatsTakenIn += c.takenIn - c.published;
  }
  expect(s.recorder.errors).toEqual([]);
  return { series: counts.length, points: counts.reduce((a, c) => a + c.stored, 0), repeatsTakenIn };
}

/** Every tick of every electricity counter is a stored point with exactly its tick time (they change every tick). */
export async function expectEveryCounterTick(s: E2EStack, fromMs: number, toMs: number): Promise<void> {
  const ticks = Array.from({ length: (toMs - fromMs) / 60_000 + 1 }, (_, k) => fromMs + k * 60_000);
  for (const id of electricityMeterIds()) {
    const body = await getJson<{ series: { points: { tsMs: number }[] }[] }>(
      s.api,
      `/factories/${FACTORY}/timeseries/raw?series=${id}:energyImport&from=${fromMs}&to=${toMs + 1}&limit=100000`,
    );
    expect(
      body.series[0]!.points.map((p) => p.tsMs),
      id,
    ).toEqual(ticks);
  }
}
