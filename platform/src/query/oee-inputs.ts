import { isGood, type Quantity } from '@xiang/protocol';
import { ancestorAt } from '../oee/assets.js';
import {
  type CompiledMapping,
  compileMapping,
  defaultMappings,
  type IdealCycleSamples,
  type Interval,
  type MachineOeeInput,
  mergeStateAndMode,
  type UnattributedCounts,
} from '../oee/index.js';
import type { RegistryDevice, RegistrySnapshot } from '../registry/model.js';
import type { CounterInterval, SeriesKey, TimeSeriesStore } from '../store/types.js';
import { COUNTER_EVIDENCE_MS } from './energy-inputs-onchange.js';
import { stepCountIncrements } from './oee-step-counts.js';
import { valueInForce } from './value-in-force.js';

/**
 * Store + registry → OEE inputs for every machine of a factory. Metrics are found by quantity (the simulator's
 * state key is "state", an agent's may be "machineState"), so keys never need to match a convention.
 * - states and modes: raw points from a look-back before the window, plus the older point in force at the
 *   look-back start when the look-back holds none (on-change data: a machine off since Saturday), a non-Good
 *   point becomes "no value" (unknown);
 * - good/reject reported by exception (sampling interval 0 or unset — an idle machine publishes nothing): step
 *   increments at the sample times (query/oee-step-counts.ts), so a piece lands in the shift it was counted in;
 *   periodically sampled counters: the store's counterIncrease per interval — an interval without a covering
 *   sample pair (within 15 min) counts as "no change" unless the device was offline (outages are known from
 *   the device's online history), and the rise across such a silence is unattributed production (gap), never
 *   spread over it nor booked where the counter resumed;
 * - ideal cycle time: raw points (with the one in force, however old), else the line's person-entered value;
 * - offline intervals from the registry's online history → unknown time.
 */
export type OeeInputsOptions = {
  fromMs: number;
  toMs: number;
  /** How far before fromMs to look for the state in force at the window start (default 24 h). */
  lookbackMs?: number;
  /** Counter interval (default 1 min up to 7 days of window, else 5 min). */
  countIntervalMs?: number;
  /** Counter evidence limit for periodically sampled counters (default 15 min, see above). */
  counterMaxGapMs?: number;
  /** Report-by-exception counters: how far back to look for the count in force at the window start (7 days). */
  counterLookbackMs?: number;
  /** State mapping per device (default OPC 40001). */
  mappingFor?: (device: RegistryDevice) => CompiledMapping;
};

const DAY_MS = 86_400_000;
const opc40001 = compileMapping(defaultMappings.opc40001);

export async function loadOeeInputs(
  store: TimeSeriesStore,
  snapshot: RegistrySnapshot,
  opts: OeeInputsOptions,
): Promise<MachineOeeInput[]> {
  const { fromMs, toMs } = opts;
  const lookbackMs = opts.lookbackMs ?? DAY_MS;
  const intervalMs = opts.countIntervalMs ?? (toMs - fromMs <= 7 * DAY_MS ? 60_000 : 300_000);
  const machines = snapshot.devices.filter((d) => d.kind === 'machine');
  const out: MachineOeeInput[] = [];
  for (const d of machines) {
    const key = (q: Quantity) => snapshot.metrics.find((m) => m.deviceId === d.id && m.quantity === q)?.key;
    const stateKey = key('machineState');
    if (!stateKey) continue; // no state tag: no timeline (the state/fault-capture indicator reports it)
    const series = (metric: string): SeriesKey => ({
      factoryId: snapshot.factory.id,
      deviceId: d.id,
      metric,
    });
    const points = async (metric: string | undefined) => {
      if (!metric) return [];
      const start = fromMs - lookbackMs;
      const raw = await store.raw(series(metric), start, toMs);
      // Published on change: the value in force at the look-back start may be older (query/value-in-force.ts).
      if ((raw[0]?.tsMs ?? Number.POSITIVE_INFINITY) > start) {
        const prev = await valueInForce(store, series(metric), start);
        if (prev) raw.unshift(prev);
      }
      return raw.map((p) => ({
        tsMs: p.tsMs,
        value: isGood(p.status) || (p.status >>> 30 === 1 && p.value !== null) ? p.value : null,
      }));
    };
    const states = mergeStateAndMode(await points(stateKey), await points(key('operationMode')));
    const input: MachineOeeInput = {
      deviceId: d.id,
      assetPath: d.assetPath,
      mapping: opts.mappingFor?.(d) ?? opc40001,
      states,
    };
    const offline = offlineIntervals(snapshot, d.id, fromMs - lookbackMs, toMs);
    // An on-change counter publishes nothing while it does not change: an interval no sample pair covers is
    // "no change" while the device was online, and unknown only if it was offline.
    const noPair = (startMs: number, endMs: number) =>
      offline.some((o) => o.startMs < endMs && o.endMs > startMs) ? Number.NaN : 0;
    const goodKey = key('goodCount');
    const metricOf = (k: string | undefined) =>
      snapshot.metrics.find((m) => m.deviceId === d.id && m.key === k);
    if (goodKey && !((metricOf(goodKey)?.samplingIntervalMs ?? 0) > 0)) {
      // Report-by-exception counter: increases belong at their sample times (query/oee-step-counts.ts).
      const rejectKey = key('rejectCount');
      input.counts = await stepCountIncrements(
        store,
        series(goodKey),
        rejectKey ? series(rejectKey) : undefined,
        {
          fromMs,
          toMs,
          lookbackMs: opts.counterLookbackMs ?? 7 * DAY_MS,
          offline,
          rolloverAt: { good: metricOf(goodKey)?.rolloverAt, reject: metricOf(rejectKey)?.rolloverAt },
        },
      );
    } else if (goodKey) {
      const rejectKey = key('rejectCount');
      const res = await store.counterIncrease({
        series: [series(goodKey), ...(rejectKey ? [series(rejectKey)] : [])],
        fromMs,
        toMs,
        intervalMs,
        maxGapMs: opts.counterMaxGapMs ?? COUNTER_EVIDENCE_MS,
      });
      const good = res.find((r) => r.series.metric === goodKey)?.intervals ?? [];
      const reject = rejectKey ? (res.find((r) => r.series.metric === rejectKey)?.intervals ?? []) : [];
      const byStart = new Map(reject.map((r) => [r.startMs, r]));
      // Covered part of the interval; a silent rest adds nothing ("no change") unless the device was offline.
      const counted = (c: CounterInterval | undefined, startMs: number, endMs: number) =>
        !c
          ? noPair(startMs, endMs)
          : c.coverage < 1 && noPair(startMs, endMs) !== 0
            ? Number.NaN
            : c.coveredIncrease;
      input.counts = {
        startMs: Float64Array.from(good.map((g) => g.startMs)),
        endMs: Float64Array.from(good.map((g) => g.endMs)),
        good: Float64Array.from(good.map((g) => counted(g, g.startMs, g.endMs))),
        // Without a reject counter every piece is taken as good (stated in the OEE README).
        reject: Float64Array.from(
          good.map((g) => (rejectKey ? counted(byStart.get(g.startMs), g.startMs, g.endMs) : 0)),
        ),
      };
      const gaps = unattributedCounts(good, reject);
      if (gaps.length > 0) input.counts.unattributed = gaps;
    }
    const ideal = (await points(key('idealCycleTime'))).filter((p) => p.value !== null);
    if (ideal.length > 0)
      input.idealCycle = {
        tsMs: Float64Array.from(ideal.map((p) => p.tsMs)),
        seconds: Float64Array.from(ideal.map((p) => p.value as number)),
      } satisfies IdealCycleSamples;
    const line = ancestorAt(snapshot, d.assetPath, 'line');
    const lineIdeal = snapshot.lines.find((l) => l.path === d.assetPath || l.path === line)?.idealCycleTimeS;
    if (lineIdeal !== undefined) input.defaultIdealCycleS = lineIdeal;
    if (offline.length > 0) input.unknownIntervals = offline;
    out.push(input);
  }
  return out;
}

/** The store's gap catch-ups of the good and reject counters as unattributed production. */
function unattributedCounts(good: CounterInterval[], reject: CounterInterval[]): UnattributedCounts[] {
  const out = new Map<string, UnattributedCounts>();
  const add = (c: CounterInterval, field: 'good' | 'reject') => {
    if (c.gapIncrease === 0) return;
    const fromMs = c.gapFromMs ?? c.startMs;
    const k = `${fromMs}:${c.endMs}`;
    const u = out.get(k) ?? { fromMs, toMs: c.endMs, good: 0, reject: 0 };
    u[field] += c.gapIncrease ?? Number.NaN;
    out.set(k, u);
  };
  for (const c of good) add(c, 'good');
  for (const c of reject) add(c, 'reject');
  return [...out.values()].sort((a, b) => a.toMs - b.toMs);
}

/** Offline stretches of a device from its online/offline transitions, clipped to [fromMs, toMs). */
export function offlineIntervals(
  snapshot: Pick<RegistrySnapshot, 'onlineHistory'>,
  deviceId: string,
  fromMs: number,
  toMs: number,
): Interval[] {
  const ts = snapshot.onlineHistory.filter((t) => t.deviceId === deviceId).sort((a, b) => a.atMs - b.atMs);
  const out: Interval[] = [];
  let offSince: number | null = null;
  for (const t of ts) {
    if (!t.online && offSince === null) offSince = t.atMs;
    else if (t.online && offSince !== null) {
      out.push({ startMs: offSince, endMs: t.atMs });
      offSince = null;
    }
  }
  if (offSince !== null) out.push({ startMs: offSince, endMs: toMs });
  return out
    .map((i) => ({ startMs: Math.max(i.startMs, fromMs), endMs: Math.min(i.endMs, toMs) }))
    .filter((i) => i.endMs > i.startMs);
}
