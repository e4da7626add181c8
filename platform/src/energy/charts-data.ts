import type { DiagnosisContext } from './context.js';
import type { Accounting, DiagnosisResult } from './result.js';
import { SLOT_MS } from './slots.js';
import { mediumRoots } from './tree.js';

/**
 * Data behind the report's charts, from the plant's electricity (sum of the root meters): a load curve
 * (hourly for up to 31 days, daily beyond, mean and max kW), a weekday × hour heat map of mean kW, a
 * load-duration curve (quarter-hour kW sorted, sampled to ≤ 200 points) and energy by medium (kgce).
 */
export function chartsData(ctx: DiagnosisContext, accounting: Accounting): DiagnosisResult['charts'] {
  const { grid } = ctx;
  const roots = mediumRoots(ctx.tree, 'electricity').filter((r) => ctx.meterById.has(r.id));
  const kw = new Float64Array(grid.n).fill(roots.length ? 0 : Number.NaN);
  for (const r of roots) {
    const v = ctx.meterById.get(r.id)!.consumption.values;
    for (let i = 0; i < grid.n; i++) kw[i] = kw[i]! + v[i]! * 4;
  }
  const perBucket = grid.n <= 31 * 96 ? 4 : 96;
  const nb = Math.ceil(grid.n / perBucket);
  const meanKw: (number | null)[] = [];
  const maxKw: (number | null)[] = [];
  for (let b = 0; b < nb; b++) {
    let s = 0;
    let n = 0;
    let mx = Number.NEGATIVE_INFINITY;
    for (let i = b * perBucket; i < Math.min(grid.n, (b + 1) * perBucket); i++) {
      const v = kw[i]!;
      if (Number.isNaN(v)) continue;
      s += v;
      n++;
      if (v > mx) mx = v;
    }
    meanKw.push(n ? s / n : null);
    maxKw.push(n ? mx : null);
  }
  const hs = new Float64Array(7 * 24);
  const hn = new Uint32Array(7 * 24);
  const known = new Float64Array(grid.n);
  let m = 0;
  for (let i = 0; i < grid.n; i++) {
    const v = kw[i]!;
    if (Number.isNaN(v)) continue;
    const cell = (grid.weekday[i]! - 1) * 24 + grid.localHour[i]!;
    hs[cell]! += v;
    hn[cell]!++;
    known[m++] = v;
  }
  const heatmapKw = Array.from({ length: 7 }, (_, d) =>
    Array.from({ length: 24 }, (_, h) => (hn[d * 24 + h] ? hs[d * 24 + h]! / hn[d * 24 + h]! : null)),
  );
  const desc = known.subarray(0, m).sort().reverse();
  const points = Math.min(200, desc.length);
  const loadDurationKw = Array.from(
    { length: points },
    (_, k) => desc[points > 1 ? Math.round((k * (desc.length - 1)) / (points - 1)) : 0]!,
  );
  return {
    meterId: roots.length === 1 ? roots[0]!.id : null,
    loadCurve: { startMs: grid.fromMs, intervalMs: perBucket * SLOT_MS, meanKw, maxKw },
    heatmapKw,
    loadDurationKw,
    byMedium: accounting.media
      .filter((m) => m.kgce !== null && m.countedInComprehensive)
      .map((m) => ({ medium: m.medium, kgce: m.kgce! })),
  };
}
