import type { ColumnTarget } from './columns.js';
import {
  F_ALL as F_ALL_,
  F_FIRST_ANY_TS as F_FIRST_ANY_TS_,
  F_FIRST_TS as F_FIRST_TS_,
  F_FIRST_V as F_FIRST_V_,
  F_LAST_ANY_TS as F_LAST_ANY_TS_,
  F_LAST_TS as F_LAST_TS_,
  F_LAST_V as F_LAST_V_,
  F_MAX as F_MAX_,
  F_MIN as F_MIN_,
  F_N as F_N_,
  F_START as F_START_,
  F_SUM as F_SUM_,
  F_USABLE as F_USABLE_,
  PACKED_FIELDS as PACKED_FIELDS_,
  PackedBuilder,
  packed,
  toSummaries,
} from './pack.js';
import type { Summary } from './summary.js';

// Packed field offsets as module constants: V8 folds these in the hot loops below, imported live bindings
// it does not (measured 4–8× on a year of quarter-hours).
const F_ALL = F_ALL_;
const F_FIRST_ANY_TS = F_FIRST_ANY_TS_;
const F_FIRST_TS = F_FIRST_TS_;
const F_FIRST_V = F_FIRST_V_;
const F_LAST_ANY_TS = F_LAST_ANY_TS_;
const F_LAST_TS = F_LAST_TS_;
const F_LAST_V = F_LAST_V_;
const F_MAX = F_MAX_;
const F_MIN = F_MIN_;
const F_N = F_N_;
const F_START = F_START_;
const F_SUM = F_SUM_;
const F_USABLE = F_USABLE_;
const PACKED_FIELDS = PACKED_FIELDS_;

/**
 * Compact rollup page (the 15-min tier): the summaries of one page (e.g. a UTC day of quarter-hours) where a
 * bucket holding exactly one Good sample with a value — most buckets of meters that publish every quarter
 * hour or on change — is stored as that sample (11 or 15 bytes) instead of 21 doubles (168 bytes). Its
 * summary is fully determined by the sample: n = nUsable = nAll = 1, sum = min = max = first = last = value,
 * firstAnyTs = lastAnyTs = its time, every other field 0. A year of quarter-hours of such a meter is then
 * ~0.4 MB instead of 6 MB.
 *
 * Layout (little-endian): byte 0 = format 2; then per bucket, sorted by start: u16 slot (bucket index in the
 * page), u8 kind, and
 *   kind 0 — one sample at the bucket start: f64 value;
 *   kind 1 — one sample inside the bucket: u32 offset from the bucket start (ms), f64 value;
 *   kind 2 — any other bucket: the 21 f64 fields of its packed summary after the start (rollup/pack.ts order).
 * Format 1 (before the time-weighted and flat-run fields) had 13 f64 in kind 2; such pages are never read —
 * stores rebuild them from raw once (embedded/schema.ts, influx/rollup-backfill.ts).
 */
const FORMAT = 2;
const KIND_AT_START = 0;
const KIND_POINT = 1;
const KIND_FULL = 2;
const FULL_FIELDS = PACKED_FIELDS - 1;
const FULL_BYTES = 3 + 8 * FULL_FIELDS;
const MAX_SLOTS = 65_536;

/** True when the summary is exactly what one Good valued sample gives (−0 excepted: its sum is +0). */
function isSingleSample(s: Summary): boolean {
  return s.n === 1 && s.nAll === 1 && s.nUsable === 1 && Object.is(s.sum, s.firstV);
}

const kindSize = (kind: number): number =>
  kind === KIND_AT_START ? 11 : kind === KIND_POINT ? 15 : FULL_BYTES;

function checkFormat(dv: DataView, page: Uint8Array): void {
  if (page.byteLength < 1 || dv.getUint8(0) !== FORMAT) {
    throw new Error(`unknown compact rollup page format ${page.byteLength ? dv.getUint8(0) : 'empty'}`);
  }
}

export function encodeCompactPage(ss: readonly Summary[], pageStartMs: number, widthMs: number): Buffer {
  let bytes = 1;
  for (const s of ss) bytes += isSingleSample(s) ? (s.firstTs === s.startMs ? 11 : 15) : FULL_BYTES;
  const buf = Buffer.allocUnsafe(bytes);
  buf.writeUInt8(FORMAT, 0);
  let o = 1;
  for (const s of ss) {
    const slot = (s.startMs - pageStartMs) / widthMs;
    if (!(Number.isInteger(slot) && slot >= 0 && slot < MAX_SLOTS)) {
      throw new Error(`summary at ${s.startMs} is not a bucket of the page at ${pageStartMs}`);
    }
    buf.writeUInt16LE(slot, o);
    if (isSingleSample(s) && s.firstTs === s.startMs) {
      buf.writeUInt8(KIND_AT_START, o + 2);
      buf.writeDoubleLE(s.firstV, o + 3);
      o += 11;
    } else if (isSingleSample(s)) {
      buf.writeUInt8(KIND_POINT, o + 2);
      buf.writeUInt32LE(s.firstTs - s.startMs, o + 3);
      buf.writeDoubleLE(s.firstV, o + 7);
      o += 15;
    } else {
      buf.writeUInt8(KIND_FULL, o + 2);
      const v = packed([s]);
      for (let i = 0; i < FULL_FIELDS; i++) buf.writeDoubleLE(v[i + 1] as number, o + 3 + 8 * i);
      o += FULL_BYTES;
    }
  }
  return buf;
}

/**
 * Appends the page's buckets whose start lies in [fromMs, toMs) to out, in packed form (the engine's
 * summaries), without building objects: a year of quarter-hours is typed-array work only.
 */
export function decodeCompactPage(
  page: Uint8Array,
  pageStartMs: number,
  widthMs: number,
  fromMs: number,
  toMs: number,
  out: PackedBuilder,
): void {
  const dv = new DataView(page.buffer, page.byteOffset, page.byteLength);
  checkFormat(dv, page);
  let at = out.floats;
  let o = 1;
  while (o + 3 <= page.byteLength) {
    const start = pageStartMs + dv.getUint16(o, true) * widthMs;
    const kind = dv.getUint8(o + 2);
    const size = kindSize(kind);
    if (kind > KIND_FULL || o + size > page.byteLength) throw new Error('corrupt compact rollup page');
    if (start >= fromMs && start < toMs) {
      const f = out.slot();
      if (out.floats !== at) at = out.floats; // grown
      at[f + F_START] = start;
      if (kind === KIND_FULL) {
        for (let i = 0; i < FULL_FIELDS; i++) at[f + 1 + i] = dv.getFloat64(o + 3 + 8 * i, true);
      } else {
        const ts = kind === KIND_AT_START ? start : start + dv.getUint32(o + 3, true);
        const v = dv.getFloat64(o + (kind === KIND_AT_START ? 3 : 7), true);
        at.fill(0, f + 1, f + PACKED_FIELDS);
        at[f + F_N] = 1;
        at[f + F_SUM] = v;
        at[f + F_MIN] = v;
        at[f + F_MAX] = v;
        at[f + F_FIRST_TS] = ts;
        at[f + F_FIRST_V] = v;
        at[f + F_LAST_TS] = ts;
        at[f + F_LAST_V] = v;
        at[f + F_USABLE] = 1;
        at[f + F_ALL] = 1;
        at[f + F_FIRST_ANY_TS] = ts;
        at[f + F_LAST_ANY_TS] = ts;
      }
    }
    o += size;
  }
}

/**
 * The page's buckets straight into the target's columns (rollup/columns.ts). The columns start zeroed, so a
 * single-sample bucket leaves the fields it does not have (inc, drops, gaps, holds, flat runs) untouched.
 */
export function compactPageInto(page: Uint8Array, pageStartMs: number, t: ColumnTarget): void {
  const dv = new DataView(page.buffer, page.byteOffset, page.byteLength);
  checkFormat(dv, page);
  const c = t.cols;
  const { n, sum, min, max, firstTs, first, lastTs, last, usable, all, firstAnyTs, lastAnyTs } = c;
  const full = [
    n,
    sum,
    min,
    max,
    firstTs,
    first,
    lastTs,
    last,
    c.inc,
    c.drops,
    c.maxGap,
    usable,
    all,
    firstAnyTs,
    lastAnyTs,
    c.twSum,
    c.twMs,
    c.maxHold,
    c.flatHead,
    c.flatTail,
    c.flatMax,
  ];
  const { fromMs, toMs, baseMs, widthMs } = t;
  const end = page.byteLength;
  let o = 1;
  while (o + 3 <= end) {
    const start = pageStartMs + dv.getUint16(o, true) * widthMs;
    const kind = dv.getUint8(o + 2);
    const size = kindSize(kind);
    if (kind > KIND_FULL || o + size > end) throw new Error('corrupt compact rollup page');
    if (start >= fromMs && start < toMs) {
      const k = (start - baseMs) / widthMs;
      if (kind === KIND_FULL) {
        for (let i = 0; i < FULL_FIELDS; i++)
          (full[i] as Float64Array)[k] = dv.getFloat64(o + 3 + 8 * i, true);
      } else {
        const ts = kind === KIND_AT_START ? start : start + dv.getUint32(o + 3, true);
        const v = dv.getFloat64(o + (kind === KIND_AT_START ? 3 : 7), true);
        n[k] = 1;
        sum[k] = v;
        min[k] = v;
        max[k] = v;
        firstTs[k] = ts;
        first[k] = v;
        lastTs[k] = ts;
        last[k] = v;
        usable[k] = 1;
        all[k] = 1;
        firstAnyTs[k] = ts;
        lastAnyTs[k] = ts;
      }
    }
    o += size;
  }
}

/** The page's summaries as objects (rollup maintenance: merging a partly rebuilt page). */
export function compactPageSummaries(page: Uint8Array, pageStartMs: number, widthMs: number): Summary[] {
  const b = new PackedBuilder(96);
  decodeCompactPage(page, pageStartMs, widthMs, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, b);
  return toSummaries(b.finish());
}
