import { SLOT_MS } from './slots.js';
import type { MeterSeries } from './types.js';

/**
 * Maximum demand as billing meters measure it (最大需量, 滑差): the mean power of a 15-min window that slides
 * every minute. Per quarter-hour slot i: the highest demand of the windows that END inside it (window ends
 * at minutes 15i+1 … 15i+15 from the period start), so the clock-aligned block is one of its 15 windows and
 * a fixed-block maximum can only be lower. From the meter's minute consumption when present, else its demand
 * register (max per slot), else fixed blocks (kWh × 4 — stated: it understates the billed maximum).
 */
export type DemandSource = 'minuteCounter' | 'register' | 'fixedBlocks';
export type SlotDemand = { kw: Float64Array; source: DemandSource };

const MIN_MS = 60_000;

export function slotDemand(m: MeterSeries, n: number): SlotDemand {
  if (m.minuteKwh && m.minuteKwh.intervalMs === MIN_MS)
    return { kw: slidingFromMinutes(m.minuteKwh.values, n), source: 'minuteCounter' };
  if (m.demandRegisterMaxKw)
    return { kw: Float64Array.from(m.demandRegisterMaxKw.values), source: 'register' };
  const kw = new Float64Array(n);
  for (let i = 0; i < n; i++) kw[i] = m.consumption.values[i]! * (3_600_000 / SLOT_MS);
  return { kw, source: 'fixedBlocks' };
}

/** Per slot, the highest 15-min sliding demand (1-min step) of the windows ending in it; NaN windows skipped. */
export function slidingFromMinutes(minuteKwh: Float64Array, n: number): Float64Array {
  const per = SLOT_MS / MIN_MS;
  const out = new Float64Array(n).fill(Number.NaN);
  let sum = 0;
  let gaps = 0;
  for (let e = 1; e <= minuteKwh.length; e++) {
    const add = minuteKwh[e - 1]!;
    if (Number.isNaN(add)) gaps++;
    else sum += add;
    if (e > per) {
      const drop = minuteKwh[e - 1 - per]!;
      if (Number.isNaN(drop)) gaps--;
      else sum -= drop;
    }
    if (e < per || gaps > 0) continue;
    const slot = Math.ceil(e / per) - 1;
    if (slot >= n) break;
    const kw = (sum * 3_600_000) / SLOT_MS;
    if (!(kw <= out[slot]!)) out[slot] = kw;
  }
  return out;
}

/** Rolling median of d over [i − half, i + half], NaN-skipping (insertion sort: the window is small). */
export function rollingMedian(d: Float64Array, half: number): Float64Array {
  const out = new Float64Array(d.length);
  const w = new Float64Array(2 * half + 1);
  for (let i = 0; i < d.length; i++) {
    let m = 0;
    for (let j = Math.max(0, i - half); j <= Math.min(d.length - 1, i + half); j++) {
      const v = d[j]!;
      if (Number.isNaN(v)) continue;
      let k = m++;
      while (k > 0 && w[k - 1]! > v) {
        w[k] = w[k - 1]!;
        k--;
      }
      w[k] = v;
    }
    out[i] = m === 0 ? Number.NaN : m % 2 ? w[(m - 1) >> 1]! : (w[m / 2 - 1]! + w[m / 2]!) / 2;
  }
  return out;
}

export type Shaving = {
  maxKw: number;
  maxSlot: number;
  /** The month's maximum with the short excursions replaced by the load around them. */
  withoutPeaksKw: number;
  shaveKw: number;
  /** Excursions (slot ranges) that were shaved, with their peak. */
  peaks: { start: number; end: number; peakKw: number; aroundKw: number }[];
};

/**
 * Plateau-aware shaving over the slots of one month: the load around each moment is the median of the
 * demand within ± maxPeakHours (a plateau up to that long stays a minority of the window, so the median
 * is the load around it, not the plateau itself); an excursion is a run of slots standing above that by
 * more than `deltaKw`, merged across gaps shorter than `mergeSlots`, no longer than maxPeakHours, and
 * returning to the surrounding level on both sides. Shaving = the month's maximum minus its maximum with the
 * excursions replaced by the surrounding load — what rescheduling or storage takes off the billed demand.
 */
export function shaveMonth(
  d: Float64Array,
  slots: number[],
  maxPeakSlots: number,
  mergeSlots: number,
  deltaKw: number,
): Shaving | null {
  const vals = Float64Array.from(slots, (i) => d[i]!);
  let maxKw = Number.NaN;
  let at = -1;
  vals.forEach((v, k) => {
    if (!(v <= maxKw) && !Number.isNaN(v)) {
      maxKw = v;
      at = k;
    }
  });
  if (at < 0) return null;
  const around = rollingMedian(vals, maxPeakSlots);
  const above = vals.map((v, k) => (v - around[k]! > deltaKw ? 1 : 0));
  // Runs of "above", merged across short gaps.
  const runs: [number, number][] = [];
  let a = -1;
  let lastOn = -1;
  for (let k = 0; k <= vals.length; k++) {
    const on = k < vals.length && above[k] === 1;
    if (on) {
      if (a < 0) a = k;
      else if (k - lastOn - 1 >= mergeSlots) {
        runs.push([a, lastOn + 1]);
        a = k;
      }
      lastOn = k;
    }
    if (k === vals.length && a >= 0) runs.push([a, lastOn + 1]);
  }
  const clean = Float64Array.from(vals);
  const peaks: Shaving['peaks'] = [];
  for (const [s, e] of runs) {
    if (e - s > maxPeakSlots) continue;
    // The sliding window ramps over 15 min: one slot each side belongs to the excursion.
    const s2 = Math.max(0, s - 1);
    const e2 = Math.min(vals.length, e + 1);
    let peak = 0;
    for (let k = s2; k < e2; k++) {
      // A slot without demand (a gap in the minute data) beside or inside the excursion is unknown: it
      // neither sets the peak (Math.max would make it NaN) nor is shaved.
      if (Number.isNaN(vals[k]!)) continue;
      peak = Math.max(peak, vals[k]!);
      clean[k] = Math.min(vals[k]!, around[k]!);
    }
    peaks.push({ start: slots[s2]!, end: slots[e2 - 1]! + 1, peakKw: peak, aroundKw: around[s]! });
  }
  let withoutPeaksKw = 0;
  for (const v of clean) if (v > withoutPeaksKw) withoutPeaksKw = v;
  return { maxKw, maxSlot: slots[at]!, withoutPeaksKw, shaveKw: Math.max(0, maxKw - withoutPeaksKw), peaks };
}
