import { SLOT_MS } from '../../energy/types.js';
import type { TimeSeriesStore } from '../../store/types.js';

/**
 * The period a diagnosis evaluates: the requested one clipped to the stored data and to now (issue 9). Hours
 * after the last stored point — the rest of "today", or time after the platform stopped — and hours before
 * the first are not data: judged, they became "counter frozen ~21 h" on every meter, waste annualised over
 * nothing. They are stated as coverage (the requested period, the data extent, the share evaluated), never
 * judged. Only whole quarter-hours with data are kept: the start rounds up to the quarter-hour holding or
 * following the first point, the end down to the last quarter-hour the data (or now) has closed.
 */
export type DataExtentMs = { firstMs: number | null; lastMs: number | null };

export type EvaluatedPeriod = {
  fromMs: number;
  toMs: number;
  /** The quarter-hour-aligned period asked for. */
  requested: { fromMs: number; toMs: number };
  /** First and last stored point of the factory's counters and machine states (null: none). */
  dataExtent: DataExtentMs;
  /** True when the evaluated period is shorter than the requested one. */
  clipped: boolean;
  /** Evaluated share of the requested period, 0..1. */
  evaluatedShare: number;
};

const floorSlot = (ms: number) => Math.floor(ms / SLOT_MS) * SLOT_MS;
const ceilSlot = (ms: number) => Math.ceil(ms / SLOT_MS) * SLOT_MS;

/**
 * Clips a quarter-hour-aligned request to [first stored point, min(last stored point, now)]. Returns null
 * when no whole quarter-hour of the request holds data (nothing to diagnose: the caller says so).
 */
export function evaluatedPeriod(
  requested: { fromMs: number; toMs: number },
  extent: DataExtentMs,
  nowMs: number,
): EvaluatedPeriod | null {
  let fromMs = requested.fromMs;
  let toMs = Math.min(requested.toMs, floorSlot(nowMs));
  if (extent.firstMs !== null) fromMs = Math.max(fromMs, ceilSlot(extent.firstMs));
  if (extent.lastMs !== null) toMs = Math.min(toMs, floorSlot(extent.lastMs));
  if (extent.firstMs === null || extent.lastMs === null || toMs <= fromMs) return null;
  return {
    fromMs,
    toMs,
    requested: { fromMs: requested.fromMs, toMs: requested.toMs },
    dataExtent: { firstMs: extent.firstMs, lastMs: extent.lastMs },
    clipped: fromMs > requested.fromMs || toMs < requested.toMs,
    evaluatedShare: (toMs - fromMs) / (requested.toMs - requested.fromMs),
  };
}

/** Series read at a time for their first point (index seeks). */
const FIRST_BATCH = 64;

/**
 * First and last stored point over every series of the factory — counters, gauges and states alike: a counter
 * that froze silent while its power gauge kept reporting is inside the data, and must stay inside the period.
 */
export async function storedExtent(
  store: TimeSeriesStore,
  factoryId: string,
  nowMs: number,
): Promise<DataExtentMs> {
  const latest = await store.latest(factoryId);
  let lastMs: number | null = null;
  for (const l of latest) if (l.tsMs <= nowMs && (lastMs === null || l.tsMs > lastMs)) lastMs = l.tsMs;
  const series = await store.listSeries(factoryId);
  let firstMs: number | null = null;
  for (let i = 0; i < series.length; i += FIRST_BATCH) {
    const firsts = await Promise.all(
      series.slice(i, i + FIRST_BATCH).map((k) => store.raw(k, 0, nowMs + 1, 1)),
    );
    for (const f of firsts) {
      const t = f[0]?.tsMs;
      if (t !== undefined && (firstMs === null || t < firstMs)) firstMs = t;
    }
  }
  return { firstMs, lastMs };
}
