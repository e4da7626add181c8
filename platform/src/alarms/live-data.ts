import { isGood } from '@xiang/protocol';
import { valueInForce } from '../query/value-in-force.js';
import type { RegistryMetric, RegistrySnapshot } from '../registry/model.js';
import type { LatestValue, SeriesKey, StoredPoint, TimeSeriesStore } from '../store/types.js';

/**
 * What the alarm kinds read, with each answer kept for one evaluation: the latest value of every series, the
 * step series (last value held) of a gauge and its time-weighted mean, a counter's value in force. Gauges and
 * counters are published on change, so the value at an instant is the last Good sample before it.
 *
 * Time-weighted means are computed here from raw points until the store offers them as an aggregate (branch
 * `semantics`): `stepMean` is the one function to switch.
 */
export class LiveData {
  private latestCache: Promise<LatestValue[]> | null = null;
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(
    readonly store: TimeSeriesStore,
    readonly snapshot: RegistrySnapshot,
  ) {}

  private once<T>(key: string, make: () => Promise<T>): Promise<T> {
    const hit = this.memo.get(key);
    if (hit) return hit as Promise<T>;
    const p = make();
    this.memo.set(key, p);
    return p;
  }

  key(deviceId: string, metric: string): SeriesKey {
    return { factoryId: this.snapshot.factory.id, deviceId, metric };
  }

  /** A device's metric by quantity (whole-device, not a phase). */
  metric(deviceId: string, quantity: string): RegistryMetric | undefined {
    return this.snapshot.metrics.find((m) => m.deviceId === deviceId && m.quantity === quantity && !m.phase);
  }

  latest(): Promise<LatestValue[]> {
    this.latestCache ??= this.store.latest(this.snapshot.factory.id);
    return this.latestCache;
  }

  async latestOf(deviceId: string, metric: string): Promise<LatestValue | undefined> {
    return (await this.latest()).find((l) => l.deviceId === deviceId && l.metric === metric);
  }

  /** The Good value in force at `atMs` (last Good sample at or before it), or null. */
  valueAt(deviceId: string, metric: string, atMs: number): Promise<StoredPoint | null> {
    return this.once(`at|${deviceId}|${metric}|${atMs}`, async () => {
      const k = this.key(deviceId, metric);
      const pts = (await this.store.raw(k, atMs - 86_400_000, atMs + 1)).filter(
        (p) => p.value !== null && isGood(p.status),
      );
      return pts[pts.length - 1] ?? (await valueInForce(this.store, k, atMs - 86_400_000));
    });
  }

  /** Time-weighted mean of a gauge over [fromMs, toMs), last value held; null when nothing is known. */
  stepMean(deviceId: string, metric: string, fromMs: number, toMs: number): Promise<number | null> {
    return this.once(`mean|${deviceId}|${metric}|${fromMs}|${toMs}`, async () => {
      const k = this.key(deviceId, metric);
      const start = await valueInForce(this.store, k, fromMs);
      const pts = await this.store.raw(k, fromMs, toMs);
      return timeWeightedMean(start, pts, fromMs, toMs);
    });
  }
}

/**
 * ∫ value dt / covered time over [fromMs, toMs) of the step series: each Good sample holds until the next
 * sample; a non-Good sample makes the time after it unknown until the next Good one.
 */
export function timeWeightedMean(
  start: StoredPoint | null,
  pts: StoredPoint[],
  fromMs: number,
  toMs: number,
): number | null {
  let held: number | null = start && start.value !== null && isGood(start.status) ? start.value : null;
  let t = fromMs;
  let area = 0;
  let covered = 0;
  for (const p of pts) {
    if (p.tsMs < fromMs || p.tsMs >= toMs) continue;
    if (held !== null) {
      area += held * (p.tsMs - t);
      covered += p.tsMs - t;
    }
    held = p.value !== null && isGood(p.status) ? p.value : null;
    t = p.tsMs;
  }
  if (held !== null) {
    area += held * (toMs - t);
    covered += toMs - t;
  }
  return covered > 0 ? area / covered : null;
}
