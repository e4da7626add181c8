import { CAT } from './mapping.js';
import { firstRunEndingAfter, type Runs } from './timeline.js';
import type { CountIncrements } from './types.js';

/**
 * Counter increments with every after-gap jump resolved against the machine's runs. A counter that comes back
 * from a gap (a Bad stretch, the device offline) shows at once what was made during it; booking that at the
 * sample time would put a day's pieces into one shift (OEE 2.7 measured). Instead:
 * - machine state known throughout the gap and running for some of it → the pieces are spread over the
 *   running time in the gap, pro rata (pieces are made while running);
 * - otherwise (state unknown for any part of the gap, or never running) → unattributed: kept out of the
 *   figures and reported beside them (`unattributed` = 1), prorated over the gap by time so buckets add up.
 * Increments without `afterGap` pass through unchanged.
 */
export type PlacedCounts = CountIncrements & { unattributed: Uint8Array };

export function placeGapIncrements(counts: CountIncrements, runs: Runs): PlacedCounts {
  const flags = counts.afterGap;
  const n = counts.startMs.length;
  if (!flags?.some((f) => f !== 0)) return { ...counts, unattributed: new Uint8Array(n) };
  const rows: [number, number, number, number, number][] = [];
  for (let i = 0; i < n; i++) {
    const a = counts.startMs[i] as number;
    const b = counts.endMs[i] as number;
    const g = counts.good[i] as number;
    const r = counts.reject[i] as number;
    if (flags?.[i] !== 1 || !(b > a) || Number.isNaN(g) || Number.isNaN(r)) {
      rows.push([a, b, g, r, 0]);
      continue;
    }
    const running = runningPieces(runs, a, b);
    if (running === null) {
      rows.push([a, b, g, r, 1]);
      continue;
    }
    const total = running.reduce((s, p) => s + (p[1] - p[0]), 0);
    for (const [s, e] of running) rows.push([s, e, (g * (e - s)) / total, (r * (e - s)) / total, 0]);
  }
  rows.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  return {
    startMs: Float64Array.from(rows, (x) => x[0]),
    endMs: Float64Array.from(rows, (x) => x[1]),
    good: Float64Array.from(rows, (x) => x[2]),
    reject: Float64Array.from(rows, (x) => x[3]),
    unattributed: Uint8Array.from(rows, (x) => x[4]),
  };
}

/**
 * The running stretches of [a, b) when the state is known over all of it and the machine ran some of it;
 * null when any part is unknown (no run, or an unknown run) or nothing ran.
 */
function runningPieces(runs: Runs, a: number, b: number): [number, number][] | null {
  const out: [number, number][] = [];
  let pos = a;
  for (let r = firstRunEndingAfter(runs, a); r < runs.n && pos < b; r++) {
    const s = runs.startMs[r] as number;
    if (s > pos) return null; // a hole before this run: unknown
    const e = Math.min(runs.endMs[r] as number, b);
    const cat = runs.cat[r];
    if (cat === CAT.unknown) return null;
    if (cat === CAT.running && e > pos) out.push([pos, e]);
    pos = e;
  }
  if (pos < b || out.length === 0) return null;
  return out;
}
