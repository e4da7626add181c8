// @ts-check
/**
 * Series published on change (OPC UA subscriptions, the simulator, most agents) as what they mean: a step
 * function that holds the last Good value until the next sample — never isolated dots — with a staleness limit
 * after which the value is unknown (a gap), plus its time-weighted mean and the sliding-window mean that a
 * demand meter shows. Pure (no DOM), unit-tested in Node.
 */

/** @typedef {{ tsMs: number, value: number | null, status: number }} RawPoint */
/** @typedef {[number, number | null]} StepPoint  [time ms, value or null = gap from here] */

/** OPC UA StatusCode severity Good (bits 31–30 = 00). */
const isGood = (/** @type {number} */ status) => ((status >>> 30) & 0b11) === 0;

/**
 * Breakpoints of the step function over [fromMs, toMs): each Good sample starts a level that holds until the
 * next sample or for `maxStaleMs` after it, whichever comes first (then a gap); a non-Good sample, or a sample
 * without a value, starts a gap. `start` is the
 * sample in force at fromMs (the newest before it), if any. The last breakpoint is at toMs.
 * @param {RawPoint | null} start
 * @param {RawPoint[]} points sorted by time
 * @param {number} fromMs
 * @param {number} toMs
 * @param {number} maxStaleMs
 * @returns {StepPoint[]}
 */
export function stepSeries(start, points, fromMs, toMs, maxStaleMs) {
  /** @type {StepPoint[]} */
  const out = [];
  /** @type {number | null} */
  let level = null;
  let since = fromMs;
  const open = (/** @type {number} */ t, /** @type {number | null} */ v) => {
    const last = out[out.length - 1];
    if (last && last[0] === t) last[1] = v;
    else if (!last || last[1] !== v) out.push([t, v]);
  };
  const holdUntil = (/** @type {number} */ t) => {
    // A level holds for less than maxStaleMs after its sample: a gap from since + maxStaleMs on.
    if (level !== null && t - since > maxStaleMs) {
      const end = Math.max(fromMs, since + maxStaleMs);
      if (end < toMs) {
        if (out.length && out[out.length - 1]?.[1] !== null) out.push([end, null]);
        level = null;
      }
    }
  };
  if (
    start &&
    start.tsMs < fromMs &&
    start.value !== null &&
    isGood(start.status) &&
    fromMs - start.tsMs <= maxStaleMs
  ) {
    level = start.value;
    since = start.tsMs;
  }
  open(fromMs, level);
  for (const p of points) {
    if (p.tsMs < fromMs) continue;
    if (p.tsMs >= toMs) break;
    holdUntil(p.tsMs);
    level = p.value !== null && isGood(p.status) ? p.value : null;
    since = p.tsMs;
    open(p.tsMs, level);
  }
  holdUntil(toMs);
  const last = out[out.length - 1];
  if (last && last[0] < toMs) out.push([toMs, last[1]]);
  return out;
}

/**
 * ∫v dt over [a, b) of a step series (levels hold from each breakpoint to the next; nulls contribute nothing),
 * with the covered time.
 * @param {StepPoint[]} s
 * @param {number} a
 * @param {number} b
 */
export function integrate(s, a, b) {
  let area = 0;
  let covered = 0;
  for (let i = 0; i + 1 < s.length; i++) {
    const [t0, v] = /** @type {StepPoint} */ (s[i]);
    const t1 = /** @type {StepPoint} */ (s[i + 1])[0];
    if (v === null) continue;
    const lo = Math.max(a, t0);
    const hi = Math.min(b, t1);
    if (hi > lo) {
      area += v * (hi - lo);
      covered += hi - lo;
    }
  }
  return { area, covered };
}

/**
 * Time-weighted mean over [a, b) — what a meter integrates, unlike the mean of the samples — or null when no
 * time in the window is known.
 * @param {StepPoint[]} s
 * @param {number} a
 * @param {number} b
 */
export function timeWeightedMean(s, a, b) {
  const { area, covered } = integrate(s, a, b);
  return covered > 0 ? area / covered : null;
}

/**
 * The mean over the trailing window at every `stepMs` from fromMs + windowMs to toMs (a 15-min sliding demand):
 * [t, mean over [t − windowMs, t)], null while part of the window is unknown.
 * @param {StepPoint[]} s
 * @param {number} fromMs
 * @param {number} toMs
 * @param {number} windowMs
 * @param {number} stepMs
 * @returns {StepPoint[]}
 */
export function slidingMean(s, fromMs, toMs, windowMs, stepMs) {
  // Cumulative area and covered time at each breakpoint, then differences: O(n + m log n).
  const cumA = [0];
  const cumC = [0];
  for (let i = 0; i + 1 < s.length; i++) {
    const [t0, v] = /** @type {StepPoint} */ (s[i]);
    const dt = /** @type {StepPoint} */ (s[i + 1])[0] - t0;
    cumA.push(/** @type {number} */ (cumA[i]) + (v === null ? 0 : v * dt));
    cumC.push(/** @type {number} */ (cumC[i]) + (v === null ? 0 : dt));
  }
  const at = (/** @type {number} */ t) => {
    let lo = 0;
    let hi = s.length - 1;
    if (hi < 0 || t <= /** @type {StepPoint} */ (s[0])[0]) return { a: 0, c: 0 };
    if (t >= /** @type {StepPoint} */ (s[hi])[0])
      return { a: /** @type {number} */ (cumA[hi]), c: /** @type {number} */ (cumC[hi]) };
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (/** @type {StepPoint} */ (s[mid])[0] <= t) lo = mid;
      else hi = mid;
    }
    const [t0, v] = /** @type {StepPoint} */ (s[lo]);
    const dt = t - t0;
    return {
      a: /** @type {number} */ (cumA[lo]) + (v === null ? 0 : v * dt),
      c: /** @type {number} */ (cumC[lo]) + (v === null ? 0 : dt),
    };
  };
  /** @type {StepPoint[]} */
  const out = [];
  for (let t = fromMs + windowMs; t <= toMs; t += stepMs) {
    const x = at(t);
    const y = at(t - windowMs);
    const covered = x.c - y.c;
    out.push([t, covered >= windowMs * (1 - 1e-12) ? (x.a - y.a) / covered : null]);
  }
  return out;
}

/** Share of [a, b) where the step series has a value. @param {StepPoint[]} s @param {number} a @param {number} b */
export function knownShare(s, a, b) {
  return b > a ? integrate(s, a, b).covered / (b - a) : 0;
}

/** Number of gaps (null levels) strictly inside [a, b). @param {StepPoint[]} s @param {number} a @param {number} b */
export function gapCount(s, a, b) {
  let n = 0;
  for (let i = 0; i + 1 < s.length; i++) {
    const [t0, v] = /** @type {StepPoint} */ (s[i]);
    if (v === null && t0 < b && /** @type {StepPoint} */ (s[i + 1])[0] > a) n++;
  }
  return n;
}
