/**
 * An independent, plain recomputation of the rollup summaries (the 22 values per bucket of
 * platform/src/store/README.md, "Rollups") straight from their stated definitions — written without the
 * store's code (no import from platform/src/store or its helpers), so rollups built by either store can be
 * checked against it. Sums run in time order, as the definition reads, so equal means bit-identical.
 */
export type RefRow = { tsMs: number; value: number | null; status: number; text: string | null };

/** Field order of a packed bucket (rollup page format 2). */
export const REF_FIELDS = [
  'start',
  'n',
  'sum',
  'min',
  'max',
  'firstTs',
  'firstV',
  'lastTs',
  'lastV',
  'inc',
  'drops',
  'maxGapMs',
  'nUsable',
  'nAll',
  'firstAnyTs',
  'lastAnyTs',
  'twSum',
  'twMs',
  'maxHoldMs',
  'flatHeadMs',
  'flatTailMs',
  'flatMaxMs',
] as const;

/** OPC UA: the two top bits of a StatusCode are its severity, 00 = Good. */
const good = (status: number) => Math.floor(status / 2 ** 30) === 0;

/** The 22 values of one bucket from its stored rows (any order, one per time). */
export function referenceBucket(startMs: number, rowsIn: readonly RefRow[]): number[] {
  const rows = [...rowsIn].sort((a, b) => a.tsMs - b.tsMs);
  const g = rows.filter((r) => good(r.status) && r.value !== null) as (RefRow & { value: number })[];
  const n = g.length;
  let sum = 0;
  for (const r of g) sum += r.value;
  const vs = g.map((r) => r.value);
  let inc = 0;
  let drops = 0;
  let maxGap = 0;
  for (let i = 1; i < n; i++) {
    const a = g[i - 1]!;
    const b = g[i]!;
    if (b.value < a.value) {
      drops++;
      inc += b.value; // a reset: the new reading counts from zero
    } else inc += b.value - a.value;
    maxGap = Math.max(maxGap, b.tsMs - a.tsMs);
  }
  // Holds: a Good valued row holds its value until the next stored row of the bucket, whatever its quality.
  let twSum = 0;
  let twMs = 0;
  let maxHold = 0;
  for (let i = 1; i < rows.length; i++) {
    const p = rows[i - 1]!;
    if (!good(p.status) || p.value === null) continue;
    const hold = rows[i]!.tsMs - p.tsMs;
    twSum += p.value * hold;
    twMs += hold;
    maxHold = Math.max(maxHold, hold);
  }
  // Flat runs: maximal runs of consecutive Good valued readings with equal values, first to last reading.
  const runs: number[] = [];
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && g[j + 1]!.value === g[i]!.value) j++;
    runs.push(g[j]!.tsMs - g[i]!.tsMs);
    i = j + 1;
  }
  return [
    startMs,
    n,
    sum,
    n ? Math.min(...vs) : 0,
    n ? Math.max(...vs) : 0,
    n ? g[0]!.tsMs : 0,
    n ? g[0]!.value : 0,
    n ? g[n - 1]!.tsMs : 0,
    n ? g[n - 1]!.value : 0,
    inc,
    drops,
    maxGap,
    rows.filter((r) => good(r.status) && (r.value !== null || r.text !== null)).length,
    rows.length,
    rows.length ? rows[0]!.tsMs : 0,
    rows.length ? rows[rows.length - 1]!.tsMs : 0,
    twSum,
    twMs,
    maxHold,
    runs.length ? runs[0]! : 0,
    runs.length ? runs[runs.length - 1]! : 0,
    runs.length ? Math.max(...runs) : 0,
  ];
}

/** Every non-empty bucket of widthMs (epoch-aligned) over the rows, by start; minutes only for dense hours. */
export function referenceBuckets(rows: readonly RefRow[], widthMs: number): Map<number, number[]> {
  const by = new Map<number, RefRow[]>();
  for (const r of rows) {
    const s = r.tsMs - (((r.tsMs % widthMs) + widthMs) % widthMs);
    const l = by.get(s);
    if (l) l.push(r);
    else by.set(s, [r]);
  }
  const out = new Map<number, number[]>();
  for (const [s, l] of [...by].sort((a, b) => a[0] - b[0])) out.set(s, referenceBucket(s, l));
  return out;
}

/** Hours holding more stored samples than minutes (61 or more) keep minute rollups. */
export function denseHours(rows: readonly RefRow[]): Set<number> {
  const count = new Map<number, number>();
  for (const r of rows) {
    const h = r.tsMs - (r.tsMs % 3_600_000);
    count.set(h, (count.get(h) ?? 0) + 1);
  }
  return new Set([...count].filter(([, c]) => c >= 61).map(([h]) => h));
}

/**
 * A seeded random series for rollup checks: counter-like climbs with resets, flat runs (a frozen value),
 * Bad / Uncertain samples, null values, texts, silent gaps of hours to days, dense bursts (minute rollups),
 * spread over `days` days from t0. Times are unique.
 */
export function randomRollupSeries(seed: number, t0: number, days: number): RefRow[] {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
  const out: RefRow[] = [];
  let t = t0 + Math.floor(rnd() * 3_600_000);
  let v = Math.round(rnd() * 1000);
  const end = t0 + days * 86_400_000;
  while (t < end && out.length < 20_000) {
    const r = rnd();
    let value: number | null = v;
    let status = 0;
    let text: string | null = null;
    if (r < 0.03)
      v = Math.round(rnd() * 20); // a meter reset
    else if (r < 0.35) {
      /* flat: the value stays */
    } else v += Math.round(rnd() * 400) / 16;
    value = v;
    const q = rnd();
    if (q < 0.05)
      status = 0x80000000; // Bad
    else if (q < 0.08)
      status = 0x40000000; // Uncertain
    else if (q < 0.1) value = null;
    else if (q < 0.11) text = `t${Math.floor(rnd() * 10)}`;
    out.push({ tsMs: t, value, status, text });
    const step = rnd();
    if (step < 0.02)
      t += Math.floor(rnd() * 2 * 86_400_000); // a silent gap up to two days
    else if (step < 0.1)
      t += 1 + Math.floor(rnd() * 20_000); // a burst (dense hour)
    else t += 1 + Math.floor(rnd() * 1_800_000);
  }
  return out;
}
