import { isGood } from '@xiang/protocol';
import type { RawRow } from '../rollup/summary.js';
import type { StepSegment } from '../types.js';
import type { HeldSample } from './time-weighted.js';

/**
 * The step function of a series over [fromMs, toMs) as segments: a Good valued sample's value is in force
 * from its time until the next stored sample or its time + maxHoldMs (same rule as heldAccumulator);
 * everything else is a segment with value null. Adjacent segments with the same value are merged (a
 * re-reported value continues its segment), so the segments tile the range exactly, oldest first.
 */
export function stepSegments(
  rows: readonly RawRow[],
  fromMs: number,
  toMs: number,
  maxHoldMs: number,
  before: HeldSample | null,
): StepSegment[] {
  const out: StepSegment[] = [];
  if (!(toMs > fromMs)) return out;
  const push = (startMs: number, endMs: number, value: number | null) => {
    const a = Math.max(startMs, fromMs);
    const b = Math.min(endMs, toMs);
    if (!(b > a)) return;
    const prev = out[out.length - 1];
    if (prev && prev.endMs === a && Object.is(prev.value, value)) prev.endMs = b;
    else out.push({ startMs: a, endMs: b, value });
  };
  let at = fromMs; // everything before `at` is in out
  let heldTs = before?.tsMs ?? 0;
  let heldV: number | null = before ? before.v : null;
  const until = (t: number) => {
    if (heldV !== null) {
      const end = Math.min(t, heldTs + maxHoldMs);
      push(at, end, heldV);
      if (end > at) at = end;
    }
    push(at, t, null);
    if (t > at) at = t;
  };
  for (const r of rows) {
    if (r.tsMs < fromMs || r.tsMs >= toMs) continue;
    until(r.tsMs);
    const good = r.value !== null && isGood(r.status);
    heldTs = r.tsMs;
    heldV = good ? r.value : null;
  }
  until(toMs);
  return out;
}
