import { NO_VALUE } from './mapping.js';
import type { Interval, StateSamples } from './timeline.js';

/**
 * Time in each raw machine state (OPC 40001 MachineryItemState names, or whatever the mapping names) over
 * [fromMs, toMs), by the same holding rule as the OEE timeline: a sample holds until the next one; time before
 * the first sample, after a sample without a usable value (Bad quality) and inside an offline interval is
 * `unknown`. The values add up to toMs − fromMs. Unlike the loss tree this ignores the calendar and the mode:
 * it is what the machine said, for comparing against a source's own counters (or a simulator's truth).
 */
export function timeInState(
  samples: StateSamples,
  stateNames: Map<number, string>,
  fromMs: number,
  toMs: number,
  unknownIntervals: Interval[] = [],
): Record<string, number> {
  const out: Record<string, number> = {};
  const add = (name: string, ms: number) => {
    if (ms > 0) out[name] = (out[name] ?? 0) + ms;
  };
  if (!(toMs > fromMs)) return out;
  const { tsMs, state } = samples;
  const n = tsMs.length;
  // Pieces [a, b) with one state each; then the offline intervals are cut out of them.
  const pieces: { a: number; b: number; name: string }[] = [];
  const first = n > 0 ? (tsMs[0] as number) : toMs;
  if (first > fromMs) pieces.push({ a: fromMs, b: Math.min(first, toMs), name: 'unknown' });
  for (let i = 0; i < n; i++) {
    const a = Math.max(tsMs[i] as number, fromMs);
    const b = Math.min(i + 1 < n ? (tsMs[i + 1] as number) : toMs, toMs);
    if (b <= a) continue;
    const s = state[i] as number;
    pieces.push({ a, b, name: s === NO_VALUE ? 'unknown' : (stateNames.get(s) ?? `state${s}`) });
  }
  const offline = unknownIntervals
    .map((iv) => ({ startMs: Math.max(iv.startMs, fromMs), endMs: Math.min(iv.endMs, toMs) }))
    .filter((iv) => iv.endMs > iv.startMs)
    .sort((x, y) => x.startMs - y.startMs);
  for (const p of pieces) {
    let covered = 0;
    let cursor = p.a;
    for (const iv of offline) {
      if (iv.endMs <= cursor || iv.startMs >= p.b) continue;
      const s = Math.max(iv.startMs, cursor);
      const e = Math.min(iv.endMs, p.b);
      if (e > s) {
        covered += e - s;
        cursor = e;
      }
    }
    add(p.name, p.b - p.a - covered);
    add('unknown', covered);
  }
  return out;
}
