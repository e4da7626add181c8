import { CAT, type CompiledMapping, NO_VALUE } from './mapping.js';

/**
 * State timeline of one machine: raw samples (state + mode, report-by-exception or periodic) become runs of
 * one loss category. A sample holds until the next sample, at most `maxHoldMs` (then the state is unknown),
 * and never across an interval the device was offline: unknown time is not run time.
 */

/** Samples sorted by time. state/mode = NO_VALUE (255) for a sample without a usable value (Bad quality). */
export type StateSamples = { tsMs: Float64Array; state: Uint8Array; mode: Uint8Array };
export type Interval = { startMs: number; endMs: number };

/** Runs (struct of arrays) covering [startMs, endMs) contiguously, adjacent runs of different categories. */
export type Runs = {
  n: number;
  startMs: Float64Array;
  endMs: Float64Array;
  cat: Uint8Array;
  /** Raw state number of the run's first sample (NO_VALUE for unknown). */
  state: Uint8Array;
};

class RunBuilder {
  n = 0;
  startMs = new Float64Array(64);
  endMs = new Float64Array(64);
  cat = new Uint8Array(64);
  state = new Uint8Array(64);

  push(s: number, e: number, cat: number, state: number): void {
    if (e <= s) return;
    const last = this.n - 1;
    if (last >= 0 && this.cat[last] === cat && this.endMs[last] === s) {
      this.endMs[last] = e;
      return;
    }
    if (this.n === this.startMs.length) this.grow();
    this.startMs[this.n] = s;
    this.endMs[this.n] = e;
    this.cat[this.n] = cat;
    this.state[this.n] = state;
    this.n++;
  }

  private grow(): void {
    const cap = this.startMs.length * 2;
    const s = new Float64Array(cap);
    s.set(this.startMs);
    const e = new Float64Array(cap);
    e.set(this.endMs);
    const c = new Uint8Array(cap);
    c.set(this.cat);
    const st = new Uint8Array(cap);
    st.set(this.state);
    this.startMs = s;
    this.endMs = e;
    this.cat = c;
    this.state = st;
  }

  done(): Runs {
    return { n: this.n, startMs: this.startMs, endMs: this.endMs, cat: this.cat, state: this.state };
  }
}

export type BuildRunsOptions = {
  fromMs: number;
  toMs: number;
  /** A sample's state holds at most this long without a newer sample; default: until the next sample. */
  maxHoldMs?: number;
  /** Intervals with no data by definition (device offline per the registry's online history). */
  unknownIntervals?: Interval[];
};

/**
 * Builds runs over [min(fromMs, first sample), toMs). Starting at the first sample (which the adapter fetches
 * with a look-back) keeps a stop that began before the window at its true length for micro-stop detection;
 * `toMs` is the data horizon (past the window end when the adapter read ahead), for the same reason.
 */
export function buildRuns(samples: StateSamples, mapping: CompiledMapping, opts: BuildRunsOptions): Runs {
  const { tsMs, state, mode } = samples;
  const table = mapping.table;
  const hold = opts.maxHoldMs ?? Number.POSITIVE_INFINITY;
  const toMs = opts.toMs;
  let n = tsMs.length;
  while (n > 0 && (tsMs[n - 1] as number) >= toMs) n--; // samples at or after the window end say nothing
  const b = new RunBuilder();
  const first = n > 0 ? (tsMs[0] as number) : toMs;
  b.push(Math.min(opts.fromMs, first), Math.min(first, toMs), CAT.unknown, NO_VALUE);
  if (n === 0) return finish(b, opts);
  // One pass; a run is only pushed when the category changes or a sample goes stale. Dense (e.g. 1 Hz) data
  // mostly repeats itself, so the loop compares raw bytes first and reads a timestamp only at a change.
  let runStart = first;
  let prevState = state[0] as number;
  let prevMode = mode[0] as number;
  let runCat = table[prevState * 256 + prevMode] as number;
  let runState = prevState;
  let prevTs = first;
  if (hold === Number.POSITIVE_INFINITY) {
    // Four samples per step where both arrays are 4-byte aligned: a word equal to the repeated previous byte
    // means four unchanged samples.
    const words = state.byteOffset % 4 === 0 && mode.byteOffset % 4 === 0 ? n >> 2 : 0;
    const s32 = words > 0 ? new Uint32Array(state.buffer, state.byteOffset, words) : null;
    const m32 = words > 0 ? new Uint32Array(mode.buffer, mode.byteOffset, words) : null;
    let sWord = (prevState * 0x01010101) >>> 0;
    let mWord = (prevMode * 0x01010101) >>> 0;
    const wordEnd = words * 4;
    let i = 1;
    for (let guard = 0; i < n && guard < n; guard++) {
      if (s32 && m32 && (i & 3) === 0 && i < wordEnd && s32[i >> 2] === sWord && m32[i >> 2] === mWord) {
        i += 4;
        continue;
      }
      const st = state[i] as number;
      const md = mode[i] as number;
      if (st !== prevState || md !== prevMode) {
        prevState = st;
        prevMode = md;
        sWord = (st * 0x01010101) >>> 0;
        mWord = (md * 0x01010101) >>> 0;
        const cat = table[st * 256 + md] as number;
        if (cat !== runCat) {
          const t = tsMs[i] as number;
          b.push(runStart, t, runCat, runState);
          runStart = t;
          runCat = cat;
          runState = st;
        }
      }
      i++;
    }
    prevTs = tsMs[n - 1] as number;
  } else {
    for (let i = 1; i < n; i++) {
      const t = tsMs[i] as number;
      const st = state[i] as number;
      const cat = table[st * 256 + (mode[i] as number)] as number;
      if (t - prevTs > hold) {
        b.push(runStart, prevTs + hold, runCat, runState);
        b.push(prevTs + hold, t, CAT.unknown, NO_VALUE);
        runStart = t;
        runCat = cat;
        runState = st;
      } else if (cat !== runCat) {
        b.push(runStart, t, runCat, runState);
        runStart = t;
        runCat = cat;
        runState = st;
      }
      prevTs = t;
    }
  }
  const end = Math.min(toMs, prevTs + hold);
  b.push(runStart, end, runCat, runState);
  if (end < toMs) b.push(end, toMs, CAT.unknown, NO_VALUE);
  return finish(b, opts);
}

function finish(b: RunBuilder, opts: BuildRunsOptions): Runs {
  const runs = b.done();
  const unknown = opts.unknownIntervals ?? [];
  return unknown.length > 0 ? overlayUnknown(runs, unknown) : runs;
}

/** Replaces the parts of `runs` inside the given intervals by unknown (linear merge; intervals any order). */
export function overlayUnknown(runs: Runs, intervals: Interval[]): Runs {
  const iv = intervals.filter((i) => i.endMs > i.startMs).sort((a, b) => a.startMs - b.startMs);
  const b = new RunBuilder();
  let j = 0;
  for (let r = 0; r < runs.n; r++) {
    let s = runs.startMs[r] as number;
    const e = runs.endMs[r] as number;
    const cat = runs.cat[r] as number;
    const st = runs.state[r] as number;
    while (j < iv.length && (iv[j] as Interval).endMs <= s) j++;
    let k = j;
    while (s < e) {
      const cur = iv[k];
      if (!cur || cur.startMs >= e) {
        b.push(s, e, cat, st);
        break;
      }
      if (cur.startMs > s) b.push(s, cur.startMs, cat, st);
      const ue = Math.min(cur.endMs, e);
      b.push(Math.max(cur.startMs, s), ue, CAT.unknown, NO_VALUE);
      s = ue;
      if (cur.endMs <= e) k++;
    }
  }
  return b.done();
}

/**
 * Stop events: maximal contiguous stretches of idle or unplanned-stop runs. A stop shorter than the threshold
 * is a micro-stop (a performance loss); longer ones are availability losses. A stop is only known to be short
 * when known states bound it on both sides: one that touches unknown time (a data gap, the time before the
 * first sample) or the end of the runs (the data horizon) may have lasted longer, so it is never a micro-stop.
 * The adapter reads states a threshold's length past the window end, so this never depends on the window.
 * Returns, per run, whether it belongs to a micro-stop and where its stop event began (NaN for non-stop runs).
 */
export function markStopEvents(
  runs: Runs,
  microStopThresholdMs: number,
): { micro: Uint8Array; eventStartMs: Float64Array } {
  const micro = new Uint8Array(runs.n);
  const eventStartMs = new Float64Array(runs.n).fill(Number.NaN);
  let i = 0;
  while (i < runs.n) {
    const c = runs.cat[i];
    if (c !== CAT.idle && c !== CAT.unplannedStop) {
      i++;
      continue;
    }
    let j = i;
    while (
      j + 1 < runs.n &&
      (runs.cat[j + 1] === CAT.idle || runs.cat[j + 1] === CAT.unplannedStop) &&
      runs.startMs[j + 1] === runs.endMs[j]
    )
      j++;
    const s = runs.startMs[i] as number;
    const boundedBefore = i > 0 && runs.cat[i - 1] !== CAT.unknown && runs.endMs[i - 1] === s;
    const boundedAfter =
      j + 1 < runs.n && runs.cat[j + 1] !== CAT.unknown && runs.startMs[j + 1] === runs.endMs[j];
    const isMicro =
      boundedBefore && boundedAfter && (runs.endMs[j] as number) - s < microStopThresholdMs ? 1 : 0;
    for (let k = i; k <= j; k++) {
      micro[k] = isMicro;
      eventStartMs[k] = s;
    }
    i = j + 1;
  }
  return { micro, eventStartMs };
}

/** End times of setup runs followed directly by running: where start-up rejects are looked for. */
export function setupEnds(runs: Runs): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < runs.n; i++)
    if (runs.cat[i] === CAT.setup && runs.cat[i + 1] === CAT.running && runs.endMs[i] === runs.startMs[i + 1])
      out.push(runs.endMs[i] as number);
  return out;
}

/** Index of the first run whose end is after t (binary search). */
export function firstRunEndingAfter(runs: Runs, t: number): number {
  let lo = 0;
  let hi = runs.n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((runs.endMs[mid] as number) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

type Sample = { tsMs: number; value: number | null };

/**
 * Merges separate state and mode series (as stored: two metrics) into one sample stream. The mode in effect
 * at a time is the latest mode sample at or before it; none yet → NO_VALUE. A null value (Bad quality) becomes
 * NO_VALUE, i.e. unknown state. Inputs sorted by time.
 */
export function mergeStateAndMode(states: Sample[], modes: Sample[]): StateSamples {
  const ts: number[] = [];
  const st: number[] = [];
  const md: number[] = [];
  let i = 0;
  let j = 0;
  let curState = -1;
  let curMode = NO_VALUE;
  const toByte = (v: number | null) =>
    v === null || !Number.isInteger(v) || v < 0 || v >= NO_VALUE ? NO_VALUE : (v as number);
  while (i < states.length || j < modes.length) {
    const si = states[i];
    const mj = modes[j];
    const t = Math.min(si?.tsMs ?? Number.POSITIVE_INFINITY, mj?.tsMs ?? Number.POSITIVE_INFINITY);
    if (si && si.tsMs === t) {
      curState = toByte(si.value);
      i++;
    }
    if (mj && mj.tsMs === t) {
      curMode = toByte(mj.value);
      j++;
    }
    if (curState < 0) continue; // mode before any state: nothing to say yet
    ts.push(t);
    st.push(curState);
    md.push(curMode);
  }
  return { tsMs: Float64Array.from(ts), state: Uint8Array.from(st), mode: Uint8Array.from(md) };
}
