import { isGood } from '@xiang/protocol';
import type { IntervalSeries, LineOutputSeries, MachineSeries } from '../energy/types.js';
import type { RegistryDevice, RegistryMetric } from '../registry/model.js';
import type { SeriesKey, TimeSeriesStore } from '../store/types.js';
import { SLOT_MS, slotSummaries } from './energy-inputs-onchange.js';
import type { LineSource } from './energy-inputs-plan.js';
import type { Interval } from './held-values.js';

const DAY_MS = 86_400_000;
type KeyOf = (deviceId: string, metric: string) => SeriesKey;

/** Machine state reads in flight at once: a remote store answers them side by side, not one round trip each. */
const STATE_READS_AT_ONCE = 8;

/** Machine state changes (Good values, changes only) from a look-back before the period. */
export async function loadMachineStates(
  store: TimeSeriesStore,
  key: KeyOf,
  machines: readonly RegistryDevice[],
  metricsOf: Map<string, RegistryMetric[]>,
  o: { fromMs: number; toMs: number; lookbackMs: number; onDone: () => void },
): Promise<MachineSeries[]> {
  const read = async (d: RegistryDevice): Promise<MachineSeries | null> => {
    const stateMetric = metricsOf.get(d.id)?.find((m) => m.quantity === 'machineState');
    if (!stateMetric) return null;
    const t: number[] = [];
    const s: number[] = [];
    for (const pt of await store.raw(key(d.id, stateMetric.key), o.fromMs - o.lookbackMs, o.toMs)) {
      if (pt.value === null || !isGood(pt.status) || s[s.length - 1] === pt.value) continue; // changes only
      t.push(pt.tsMs);
      s.push(pt.value);
    }
    return { deviceId: d.id, states: { tMs: Float64Array.from(t), state: Uint8Array.from(s) } };
  };
  const out: MachineSeries[] = [];
  for (let i = 0; i < machines.length; i += STATE_READS_AT_ONCE) {
    const group = machines.slice(i, i + STATE_READS_AT_ONCE);
    for (const m of await Promise.all(group.map(read))) {
      if (m) out.push(m);
      o.onDone();
    }
  }
  return out;
}

/**
 * Line output per quarter-hour from the line's part counter. Part counters publish on change: a quarter-hour
 * without a covering sample pair within a day means no parts, unless the device was offline (unknown).
 */
export async function loadLineOutputs(
  store: TimeSeriesStore,
  key: KeyOf,
  sources: readonly LineSource[],
  o: {
    fromMs: number;
    toMs: number;
    batch: number;
    offlineOf: (deviceId: string) => Interval[];
    onBatch: () => void;
  },
): Promise<LineOutputSeries[]> {
  const n = Math.max(0, (o.toMs - o.fromMs) / SLOT_MS);
  const series = (values: Float64Array): IntervalSeries => ({
    startMs: o.fromMs,
    intervalMs: SLOT_MS,
    values,
  });
  const lines: LineOutputSeries[] = [];
  for (let i = 0; i < sources.length; i += o.batch) {
    const jobs = sources.slice(i, i + o.batch);
    const keys = jobs.map((j) => key(j.deviceId, j.metric));
    const res = await slotSummaries(store, keys, o.fromMs, o.toMs, { maxGapMs: DAY_MS });
    jobs.forEach((j, k) => {
      const values = res[k]!.increase.slice(); // NaN where no covering sample pair
      const offline = o.offlineOf(j.deviceId);
      for (let q = 0; q < n; q++) {
        const s0 = o.fromMs + q * SLOT_MS;
        if (Number.isNaN(values[q]!) && !offline.some((x) => x.startMs < s0 + SLOT_MS && x.endMs > s0))
          values[q] = 0;
      }
      lines.push({
        assetPath: j.assetPath,
        ...(j.productId ? { productId: j.productId } : {}),
        output: series(values),
        source: {
          deviceId: j.deviceId,
          metric: j.metric,
          ...(j.assumption ? { assumption: j.assumption } : {}),
        },
      });
    });
    o.onBatch();
  }
  return lines;
}
