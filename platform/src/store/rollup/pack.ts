import type { Summary } from './summary.js';

/**
 * Packed summaries: Float64, PACKED_FIELDS per bucket, in the field order below (all integers or doubles,
 * exact in f64). This is the rollup page format in both stores (little-endian bytes on disk / base64 in
 * InfluxDB) and the format the query engine works on — a year of hourly rollups is then bytes copied into
 * one array per series, not 8 760 objects. Format 2 (22 fields; format 1 had the first 14): stores written
 * with format 1 rebuild their pages once (embedded/schema.ts, influx/rollup-backfill.ts).
 */
export const PACKED_FIELDS = 22;
export const F_START = 0;
export const F_N = 1;
export const F_SUM = 2;
export const F_MIN = 3;
export const F_MAX = 4;
export const F_FIRST_TS = 5;
export const F_FIRST_V = 6;
export const F_LAST_TS = 7;
export const F_LAST_V = 8;
export const F_INC = 9;
export const F_DROPS = 10;
export const F_MAX_GAP = 11;
export const F_USABLE = 12;
export const F_ALL = 13;
export const F_FIRST_ANY_TS = 14;
export const F_LAST_ANY_TS = 15;
export const F_TW_SUM = 16;
export const F_TW_MS = 17;
export const F_MAX_HOLD = 18;
export const F_FLAT_HEAD = 19;
export const F_FLAT_TAIL = 20;
export const F_FLAT_MAX = 21;
const ENTRY_BYTES = PACKED_FIELDS * 8;

/** Summaries in packed form (length = buckets × PACKED_FIELDS). */
export type Packed = Float64Array;

function write(f: Float64Array, o: number, s: Summary): void {
  f[o + F_START] = s.startMs;
  f[o + F_N] = s.n;
  f[o + F_SUM] = s.sum;
  f[o + F_MIN] = s.min;
  f[o + F_MAX] = s.max;
  f[o + F_FIRST_TS] = s.firstTs;
  f[o + F_FIRST_V] = s.firstV;
  f[o + F_LAST_TS] = s.lastTs;
  f[o + F_LAST_V] = s.lastV;
  f[o + F_INC] = s.inc;
  f[o + F_DROPS] = s.drops;
  f[o + F_MAX_GAP] = s.maxGapMs;
  f[o + F_USABLE] = s.nUsable;
  f[o + F_ALL] = s.nAll;
  f[o + F_FIRST_ANY_TS] = s.firstAnyTs;
  f[o + F_LAST_ANY_TS] = s.lastAnyTs;
  f[o + F_TW_SUM] = s.twSum;
  f[o + F_TW_MS] = s.twMs;
  f[o + F_MAX_HOLD] = s.maxHoldMs;
  f[o + F_FLAT_HEAD] = s.flatHeadMs;
  f[o + F_FLAT_TAIL] = s.flatTailMs;
  f[o + F_FLAT_MAX] = s.flatMaxMs;
}

export function packed(ss: readonly Summary[]): Packed {
  const f = new Float64Array(ss.length * PACKED_FIELDS);
  for (let i = 0; i < ss.length; i++) write(f, i * PACKED_FIELDS, ss[i] as Summary);
  return f;
}

/** A stored page: the packed summaries (sorted by startMs) as little-endian bytes. */
export function packSummaries(ss: readonly Summary[]): Buffer {
  const f = packed(ss);
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength);
}

/** Appends the page's summaries with startMs in [fromMs, toMs) to out, as objects (rollup maintenance). */
export function unpackSummaries(buf: Uint8Array, fromMs: number, toMs: number, out: Summary[]): void {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let b = 0; b + ENTRY_BYTES <= buf.byteLength; b += ENTRY_BYTES) {
    const v = (i: number) => dv.getFloat64(b + i * 8, true);
    const startMs = v(F_START);
    if (startMs < fromMs || startMs >= toMs) continue;
    out.push({
      startMs,
      n: v(F_N),
      sum: v(F_SUM),
      min: v(F_MIN),
      max: v(F_MAX),
      firstTs: v(F_FIRST_TS),
      firstV: v(F_FIRST_V),
      lastTs: v(F_LAST_TS),
      lastV: v(F_LAST_V),
      inc: v(F_INC),
      drops: v(F_DROPS),
      maxGapMs: v(F_MAX_GAP),
      nUsable: v(F_USABLE),
      nAll: v(F_ALL),
      firstAnyTs: v(F_FIRST_ANY_TS),
      lastAnyTs: v(F_LAST_ANY_TS),
      twSum: v(F_TW_SUM),
      twMs: v(F_TW_MS),
      maxHoldMs: v(F_MAX_HOLD),
      flatHeadMs: v(F_FLAT_HEAD),
      flatTailMs: v(F_FLAT_TAIL),
      flatMaxMs: v(F_FLAT_MAX),
    });
  }
}

/** Packed summaries as objects. */
export function toSummaries(p: Packed): Summary[] {
  const out: Summary[] = [];
  unpackSummaries(
    new Uint8Array(p.buffer, p.byteOffset, p.byteLength),
    Number.NEGATIVE_INFINITY,
    Number.POSITIVE_INFINITY,
    out,
  );
  return out;
}

/** Collects packed summaries from pages and arrays into one aligned Float64Array, growing as needed. */
export class PackedBuilder {
  private bytes: Uint8Array;
  /** The same memory as Float64 (the buffer starts aligned and entries are whole doubles). */
  floats: Float64Array;
  private len = 0;

  constructor(expectedEntries = 64) {
    this.bytes = new Uint8Array(Math.max(1, expectedEntries) * ENTRY_BYTES);
    this.floats = new Float64Array(this.bytes.buffer);
  }

  private reserve(extra: number): void {
    if (this.len + extra <= this.bytes.byteLength) return;
    const next = new Uint8Array(Math.max(this.bytes.byteLength * 2, this.len + extra));
    next.set(this.bytes.subarray(0, this.len));
    this.bytes = next;
    this.floats = new Float64Array(next.buffer);
  }

  /**
   * Appends one entry and returns the index of its first field in `floats` (valid until the next append).
   * The entry is NOT zeroed: the caller writes every one of its PACKED_FIELDS fields.
   */
  slot(): number {
    this.reserve(ENTRY_BYTES);
    const f = this.len / 8;
    this.len += ENTRY_BYTES;
    return f;
  }

  /**
   * Empties the builder, keeping its memory: a query reading a year per series reuses one builder instead of
   * allocating megabytes per series. Arrays returned by an earlier finish() are then overwritten.
   */
  reset(): this {
    this.len = 0;
    return this;
  }

  /** The entries of a page (sorted by startMs) whose startMs lies in [fromMs, toMs). */
  addPage(page: Uint8Array, fromMs: number, toMs: number): void {
    const dv = new DataView(page.buffer, page.byteOffset, page.byteLength);
    const n = Math.floor(page.byteLength / ENTRY_BYTES);
    let a = 0;
    while (a < n && dv.getFloat64(a * ENTRY_BYTES, true) < fromMs) a++;
    let b = a;
    while (b < n && dv.getFloat64(b * ENTRY_BYTES, true) < toMs) b++;
    if (b === a) return;
    this.reserve((b - a) * ENTRY_BYTES);
    this.bytes.set(page.subarray(a * ENTRY_BYTES, b * ENTRY_BYTES), this.len);
    this.len += (b - a) * ENTRY_BYTES;
  }

  addPacked(p: Packed): void {
    this.addPage(
      new Uint8Array(p.buffer, p.byteOffset, p.byteLength),
      Number.NEGATIVE_INFINITY,
      Number.POSITIVE_INFINITY,
    );
  }

  finish(): Packed {
    return new Float64Array(this.bytes.buffer, 0, this.len / 8);
  }
}

export function concatPacked(parts: readonly Packed[]): Packed {
  if (parts.length === 1) return parts[0] as Packed;
  const b = new PackedBuilder(parts.reduce((n, p) => n + p.length / PACKED_FIELDS, 0));
  for (const p of parts) b.addPacked(p);
  return b.finish();
}
