/**
 * The synthetic plant of bench/diagnose.ts as stored data (for bench/diagnose-store.ts): every meter's energy
 * counter at each quarter-hour boundary, reactive-energy counters on the incomer and feeders, phase voltages /
 * THD / unbalance on the incomer as mid-quarter gauges, the lines' good-part counters, the machines' state
 * changes — and the registry snapshot (metrics, line output counters) that lets the adapter find them.
 */
import { StatusCodes } from '@xiang/protocol';
import type { DiagnosisInput } from '../platform/src/energy/types.js';
import { loadEnergyInputs } from '../platform/src/query/energy-inputs.js';
import type { RegistryMetric, RegistrySnapshot } from '../platform/src/registry/model.js';
import type { StoredPoint, TimeSeriesStore } from '../platform/src/store/types.js';

const SLOT = 900_000;
const F = 'BENCH';
export type Series = { deviceId: string; key: string; at: (i: number) => number | null; counter: boolean };

/** The plant's series as stored metrics: counters cumulate the per-slot values, gauges keep them. */
export function plantSeries(input: DiagnosisInput): { series: Series[]; metrics: RegistryMetric[] } {
  const series: Series[] = [];
  const metrics: RegistryMetric[] = [];
  const add = (
    deviceId: string,
    key: string,
    quantity: RegistryMetric['quantity'],
    unit: string,
    values: Float64Array,
    counter: boolean,
    phase?: 'L1' | 'L2' | 'L3',
  ) => {
    metrics.push({
      factoryId: F,
      agentId: 'edge1',
      i: metrics.length,
      deviceId,
      key,
      quantity,
      kind: counter ? 'counter' : 'gauge',
      datatype: 'double',
      unit,
      ...(phase ? { phase } : {}),
    });
    if (!counter) return series.push({ deviceId, key, at: (i) => values[i] ?? null, counter });
    const cum = new Float64Array(values.length + 1);
    cum[0] = 1000;
    for (let i = 0; i < values.length; i++) cum[i + 1] = cum[i]! + values[i]!;
    series.push({ deviceId, key, at: (i) => cum[i] ?? null, counter });
  };
  for (const m of input.meters) {
    add(m.deviceId, 'energyImport', 'activeEnergyImport', 'kWh', m.consumption.values, true);
    if (m.reactiveKvarh)
      add(m.deviceId, 'reactiveEnergyImport', 'reactiveEnergyImport', 'kvarh', m.reactiveKvarh.values, true);
    if (m.deviceId !== 'M-MAIN') continue; // power quality on the incomer only: the benchmark stays ≈ 7 M points
    for (const ph of ['L1', 'L2', 'L3'] as const) {
      const v = m.voltageV?.[ph];
      if (v) add(m.deviceId, `voltage.${ph}`, 'voltage', 'V', v.values, false, ph);
    }
    if (m.voltageThdPct) add(m.deviceId, 'voltageThd', 'voltageThd', '%', m.voltageThdPct.values, false);
    if (m.voltageUnbalancePct)
      add(m.deviceId, 'voltageUnbalance', 'voltageUnbalance', '%', m.voltageUnbalancePct.values, false);
  }
  for (const l of input.lines) add(l.source.deviceId, 'goodCount', 'goodCount', '1', l.output.values, true);
  for (const mc of input.machines)
    metrics.push({
      factoryId: F,
      agentId: 'edge1',
      i: metrics.length,
      deviceId: mc.deviceId,
      key: 'state',
      quantity: 'machineState',
      kind: 'state',
      datatype: 'int',
      unit: '1',
    });
  return { series, metrics };
}

/** Time-major chunks of points, as ingest writes them; machine states at their change times. */
export function* points(input: DiagnosisInput, series: Series[], chunk: number): Generator<StoredPoint[]> {
  const n = (input.period.toMs - input.period.fromMs) / SLOT;
  let out: StoredPoint[] = [];
  for (let i = 0; i <= n; i++) {
    const t = input.period.fromMs + i * SLOT;
    for (const s of series) {
      const v = s.at(i);
      if (v === null || (!s.counter && i === n)) continue;
      out.push({
        factoryId: F,
        deviceId: s.deviceId,
        metric: s.key,
        tsMs: s.counter ? t : t + SLOT / 2,
        value: v,
        status: StatusCodes.Good,
      });
    }
    if (out.length >= chunk) {
      yield out;
      out = [];
    }
  }
  for (const mc of input.machines)
    for (let k = 0; k < (mc.states?.tMs.length ?? 0); k++)
      out.push({
        factoryId: F,
        deviceId: mc.deviceId,
        metric: 'state',
        tsMs: mc.states!.tMs[k]!,
        value: mc.states!.state[k]!,
        status: StatusCodes.Good,
      });
  yield out;
}

export function snapshotOf(input: DiagnosisInput, metrics: RegistryMetric[]): RegistrySnapshot {
  return {
    ...input.registry,
    metrics,
    lines: input.lines.map((l) => ({
      factoryId: F,
      path: l.assetPath,
      outputCounter: { deviceId: l.source.deviceId, metric: 'goodCount' },
    })),
  };
}

/** `loadEnergyInputs` over the plant's period, with the wall time (ms) of each stage it reports. */
export async function loadTimed(
  store: TimeSeriesStore,
  snapshot: RegistrySnapshot,
  input: DiagnosisInput,
): Promise<{ loaded: DiagnosisInput; stages: Map<string, number> }> {
  const stages = new Map<string, number>();
  let last = performance.now();
  const loaded = await loadEnergyInputs(store, snapshot, {
    fromMs: input.period.fromMs,
    toMs: input.period.toMs,
    options: input.options ?? {},
    generatedAtMs: input.generatedAtMs,
    onProgress: (p) => {
      const now = performance.now();
      stages.set(p.stage, (stages.get(p.stage) ?? 0) + (now - last));
      last = now;
    },
  });
  return { loaded, stages };
}

/**
 * Waits until InfluxDB has settled, at most maxMs: every shard's write cache snapshotted to TSM files (tsm1_cache
 * memBytes 0 on /debug/vars) and no compaction running (tsm1_engine *CompactionsActive 0), three polls in a row a
 * second apart. A year written in minutes sits in InfluxDB's cache until the shard has been cold for
 * cache-snapshot-write-cold-duration (10 s in the harness, 10 min by default), then is snapshotted and compacted:
 * a diagnosis timed meanwhile shares the cores with that, which a year of data that arrived over a year does not.
 * Returns the ms waited, or null when /debug/vars does not answer (an InfluxDB without it).
 */
export async function influxSettled(url: string, maxMs = 900_000): Promise<number | null> {
  const t0 = performance.now();
  let quiet = 0;
  for (let poll = 0; poll < maxMs / 1000 && quiet < 3; poll++) {
    const vars = (await fetch(new URL('/debug/vars', url))
      .then((r) => (r.ok ? r.json() : null))
      .catch(() => null)) as Record<string, { name?: string; values?: Record<string, number> }> | null;
    if (!vars) return null;
    let busy = 0;
    for (const v of Object.values(vars)) {
      const values = Object.entries(v?.values ?? {});
      if (v?.name === 'tsm1_cache') busy += values.find(([k]) => k === 'memBytes')?.[1] ?? 0;
      if (v?.name === 'tsm1_engine')
        for (const [k, x] of values) if (k.endsWith('CompactionsActive')) busy += x;
    }
    quiet = busy === 0 ? quiet + 1 : 0;
    if (quiet < 3) await new Promise((r) => setTimeout(r, 1000));
  }
  return performance.now() - t0;
}

/** Wall time of every store call, by method (and aggregate); calls in one Promise.all overlap. */
export function timed(
  store: TimeSeriesStore,
  acc: Map<string, { ms: number; calls: number }>,
): TimeSeriesStore {
  return new Proxy(store, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      return (...a: unknown[]) => {
        const q = a[0] as { aggregate?: string; goodOnly?: boolean } | undefined;
        const name = `${String(prop)}${q?.aggregate ? `:${q.aggregate}` : ''}${q?.goodOnly !== undefined ? `:${q.goodOnly ? 'good' : 'all'}` : ''}`;
        const t0 = performance.now();
        const done = () => {
          const e = acc.get(name) ?? { ms: 0, calls: 0 };
          e.ms += performance.now() - t0;
          e.calls++;
          acc.set(name, e);
        };
        const r = (v as (...x: unknown[]) => unknown).apply(target, a);
        if (r instanceof Promise) return r.finally(done);
        done();
        return r;
      };
    },
  });
}
