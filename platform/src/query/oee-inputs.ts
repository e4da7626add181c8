import { isGood, type Quantity } from '@xiang/protocol';
import { ancestorAt } from '../oee/assets.js';
import {
  type CompiledMapping,
  type CountIncrements,
  compileMapping,
  defaultMappings,
  type IdealCycleSamples,
  type Interval,
  type MachineOeeInput,
  mergeStateAndMode,
} from '../oee/index.js';
import type { RegistryDevice, RegistrySnapshot } from '../registry/model.js';
import type { SeriesKey, TimeSeriesStore } from '../store/types.js';
import { periodicCountIncrements } from './oee-periodic-counts.js';
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
 *   periodically sampled counters: the store's counterIncrease per interval, the rise across a dropout as one
 *   after-gap increment (query/oee-periodic-counts.ts), and an interval without a covering sample pair counts
 *   as "no change" unless the device was offline — outages are known from the device's online history;
 * - ideal cycle time: raw points (with the one in force, however old), else the line's person-entered value;
 * - offline intervals from the registry's online history → unknown time.
 */
export type OeeInputsOptions = {
  fromMs: number;
  toMs: number;
  /** How far before fromMs to look for the state in force at the window start (default 24 h). */
  lookbackMs?: number;
  /**
   * How far past toMs states are read, so a stop running over the window end is classified by its full length
   * (default 15 min; at least the micro-stop threshold). Capped at nowMs.
   */
  lookaheadMs?: number;
  /** The present: nothing after it is read (default: no limit, for stored history). */
  nowMs?: number;
  /** Counter interval (default 1 min up to 7 days of window, else 5 min). */
  countIntervalMs?: number;
  /** Counter gap limit for periodically sampled counters (default 24 h, see above). */
  counterMaxGapMs?: number;
  /** Report-by-exception counters: how far back to look for the count in force at the window start (7 days). */
  counterLookbackMs?: number;
  /** Report-by-exception counters: how far past toMs to look for the sample that closes a gap (7 days). */
  counterLookaheadMs?: number;
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
  const nowMs = opts.nowMs ?? Number.POSITIVE_INFINITY;
  const lookbackMs = opts.lookbackMs ?? DAY_MS;
  const counterLookaheadMs = opts.counterLookaheadMs ?? 7 * DAY_MS;
  const horizonMs = Math.max(toMs, Math.min(toMs + (opts.lookaheadMs ?? 15 * 60_000), nowMs));
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
    const points = async (metric: string | undefined, startMs: number, endMs: number) => {
      if (!metric) return [];
      const raw = await store.raw(series(metric), startMs, endMs);
      // Published on change: the value in force at the look-back start may be older (query/value-in-force.ts).
      if ((raw[0]?.tsMs ?? Number.POSITIVE_INFINITY) > startMs) {
        const prev = await valueInForce(store, series(metric), startMs);
        if (prev) raw.unshift(prev);
      }
      return raw.map((p) => ({
        tsMs: p.tsMs,
        value: isGood(p.status) || (p.status >>> 30 === 1 && p.value !== null) ? p.value : null,
      }));
    };
    const offline = offlineIntervals(
      snapshot,
      d.id,
      fromMs - Math.max(lookbackMs, opts.counterLookbackMs ?? 7 * DAY_MS),
      toMs + counterLookaheadMs,
    );
    const input: MachineOeeInput = {
      deviceId: d.id,
      assetPath: d.assetPath,
      mapping: opts.mappingFor?.(d) ?? opc40001,
      states: { tsMs: new Float64Array(0), state: new Uint8Array(0), mode: new Uint8Array(0) },
    };
    const counts = await loadCounts(store, snapshot, d.id, series, offline, {
      fromMs,
      toMs,
      nowMs,
      intervalMs,
      counterLookaheadMs,
      ...(opts.counterMaxGapMs !== undefined ? { counterMaxGapMs: opts.counterMaxGapMs } : {}),
      ...(opts.counterLookbackMs !== undefined ? { counterLookbackMs: opts.counterLookbackMs } : {}),
    });
    if (counts) input.counts = counts;
    // States cover the window, a look-back and a look-ahead, and every after-gap span the counts need judged
    // (spread over running time, or unattributed), so the answer does not depend on where the window ends.
    const span = afterGapSpan(counts);
    const statesFrom = Math.min(fromMs - lookbackMs, span.startMs);
    const statesTo = Math.max(horizonMs, Math.min(span.endMs, nowMs));
    input.states = mergeStateAndMode(
      await points(stateKey, statesFrom, statesTo),
      await points(key('operationMode'), statesFrom, statesTo),
    );
    input.statesKnownUntilMs = statesTo;
    const ideal = (await points(key('idealCycleTime'), fromMs - lookbackMs, toMs)).filter(
      (p) => p.value !== null,
    );
    if (ideal.length > 0)
      input.idealCycle = {
        tsMs: Float64Array.from(ideal.map((p) => p.tsMs)),
        seconds: Float64Array.from(ideal.map((p) => p.value as number)),
      } satisfies IdealCycleSamples;
    const line = ancestorAt(snapshot, d.assetPath, 'line');
    const lineIdeal = snapshot.lines.find((l) => l.path === d.assetPath || l.path === line)?.idealCycleTimeS;
    if (lineIdeal !== undefined) input.defaultIdealCycleS = lineIdeal;
    const unknown = offline
      .map((o) => ({ startMs: Math.max(o.startMs, statesFrom), endMs: Math.min(o.endMs, statesTo) }))
      .filter((o) => o.endMs > o.startMs);
    if (unknown.length > 0) input.unknownIntervals = unknown;
    out.push(input);
  }
  return out;
}

/** Earliest start and latest end of the after-gap increments (empty: +∞, −∞). */
function afterGapSpan(c: CountIncrements | undefined): Interval {
  let startMs = Number.POSITIVE_INFINITY;
  let endMs = Number.NEGATIVE_INFINITY;
  if (c?.afterGap)
    for (let i = 0; i < c.afterGap.length; i++)
      if (c.afterGap[i] === 1) {
        startMs = Math.min(startMs, c.startMs[i] as number);
        endMs = Math.max(endMs, c.endMs[i] as number);
      }
  return { startMs, endMs };
}

/**
 * Good/reject counts of one machine: step increments for report-by-exception counters, the store's
 * counterIncrease for periodically sampled ones; undefined without a good counter.
 */
async function loadCounts(
  store: TimeSeriesStore,
  snapshot: RegistrySnapshot,
  deviceId: string,
  series: (metric: string) => SeriesKey,
  offline: Interval[],
  o: {
    fromMs: number;
    toMs: number;
    nowMs: number;
    intervalMs: number;
    counterLookaheadMs: number;
    counterMaxGapMs?: number;
    counterLookbackMs?: number;
  },
): Promise<CountIncrements | undefined> {
  const metricOf = (q: Quantity) => snapshot.metrics.find((m) => m.deviceId === deviceId && m.quantity === q);
  const goodMetric = metricOf('goodCount');
  if (!goodMetric) return undefined;
  const rejectMetric = metricOf('rejectCount');
  const { fromMs, toMs } = o;
  if (!((goodMetric.samplingIntervalMs ?? 0) > 0)) {
    // Report-by-exception counter: increases belong at their sample times (query/oee-step-counts.ts).
    return stepCountIncrements(
      store,
      series(goodMetric.key),
      rejectMetric ? series(rejectMetric.key) : undefined,
      {
        fromMs,
        toMs,
        lookbackMs: o.counterLookbackMs ?? 7 * DAY_MS,
        lookaheadMs: o.counterLookaheadMs,
        ...(Number.isFinite(o.nowMs) ? { nowMs: o.nowMs } : {}),
        offline,
        rolloverAt: { good: goodMetric.rolloverAt, reject: rejectMetric?.rolloverAt },
      },
    );
  }
  return periodicCountIncrements(
    store,
    series(goodMetric.key),
    rejectMetric ? series(rejectMetric.key) : undefined,
    {
      fromMs,
      toMs,
      intervalMs: o.intervalMs,
      offline,
      ...(o.counterMaxGapMs !== undefined ? { maxGapMs: o.counterMaxGapMs } : {}),
    },
  );
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
