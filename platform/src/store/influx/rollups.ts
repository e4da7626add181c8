import { alignDown, HOUR_MS, QUARTER_MS } from '../engine/align.js';
import { seriesKeyString } from '../engine/points.js';
import { buildRollupsByHour } from '../rollup/build.js';
import { toSummaries } from '../rollup/pack.js';
import type { RawRow, Summary } from '../rollup/summary.js';
import type { SeriesKey } from '../types.js';
import {
  compactPageLine,
  ROLLUP_MEASUREMENT_1H,
  ROLLUP_MEASUREMENT_1M,
  ROLLUP_MEASUREMENT_15M,
  rollupPageLine,
  seriesTags,
} from './line-protocol.js';
import type { InfluxReader, RetentionNames } from './reader.js';
import type { DirtyHour, Sidecar } from './sidecar.js';

/** Consecutive dirty hours of one series are rebuilt from one paged raw read, at most this many (a year). */
const MAX_RUN_HOURS = 8_784;
/** Rollup pages are posted in bodies of about this size (InfluxDB 1.8 refuses bodies over 25 MB by default). */
const BYTES_PER_POST = 4_000_000;
const DAY_MS = 86_400_000;

/**
 * Platform-run rollups for InfluxDB, with the same summaries as the embedded store (rollup/summary.ts).
 * Continuous queries cannot express the counter semantics (increase with reset/rollover detection and
 * gap awareness) nor recompute an old bucket after a late write, so the platform recomputes dirty hours
 * from raw points and writes rollup_1m / rollup_1h itself. An hour is recomputed only once every write
 * that dirtied it has reached InfluxDB (Sidecar write sequence numbers).
 */
export class InfluxRollups {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly sidecar: Sidecar,
    private readonly reader: InfluxReader,
    private readonly rp: RetentionNames,
    private readonly post: (rp: string, body: string) => Promise<void>,
    private readonly landedSeq: () => number,
    /** Raw points older than this are gone (retention): never rebuild a rollup from what is left. */
    private readonly rawHorizonMs: () => number,
  ) {}

  /** Runs one refresh at a time (timer, queries and flush share it). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Recomputes up to maxHours landed dirty hours; returns how many were taken. */
  refreshSome(maxHours: number): Promise<number> {
    return this.exclusive(async () => {
      const dirty = this.sidecar.landedDirty(this.landedSeq(), maxHours);
      await this.recompute(dirty);
      return dirty.length;
    });
  }

  /** Makes rollups of these series over [fromMs, toMs) current; false if some hour still waits for its data. */
  refreshFor(keys: SeriesKey[], fromMs: number, toMs: number): Promise<boolean> {
    return this.exclusive(async () => {
      const landed = this.landedSeq();
      let current = true;
      for (const k of keys) {
        const dirty = this.sidecar.dirtyOf(k, alignDown(fromMs, HOUR_MS), toMs);
        const ready = dirty.filter((d) => d.writeSeq <= landed);
        if (ready.length < dirty.length) current = false;
        await this.recompute(ready);
      }
      return current;
    });
  }

  private async recompute(dirty: DirtyHour[]): Promise<void> {
    let i = 0;
    while (i < dirty.length) {
      const first = dirty[i] as DirtyHour;
      const ks = seriesKeyString(first.key);
      let j = i + 1;
      while (
        j < dirty.length &&
        j - i < MAX_RUN_HOURS &&
        seriesKeyString((dirty[j] as DirtyHour).key) === ks &&
        (dirty[j] as DirtyHour).hourMs === first.hourMs + (j - i) * HOUR_MS
      ) {
        j++;
      }
      await this.recomputeRun(dirty.slice(i, j));
      i = j;
    }
  }

  private async recomputeRun(run: DirtyHour[]): Promise<void> {
    const first = run[0] as DirtyHour;
    const h0 = first.hourMs;
    const hEnd = h0 + run.length * HOUR_MS;
    if (h0 >= this.rawHorizonMs()) await this.rebuild(first.key, h0, hEnd);
    this.sidecar.clearDirtyMany(run);
  }

  /** Rebuilds the pages of hours [h0, hEnd) of one series from its raw points, streaming them page by page. */
  private async rebuild(key: SeriesKey, h0: number, hEnd: number): Promise<void> {
    const tags = seriesTags(key);
    const out = { m: [] as string[], q: [] as string[], h: [] as string[], bytes: 0 };
    const send = async (final: boolean) => {
      if (!final && out.bytes < BYTES_PER_POST) return;
      // Minute and quarter pages before hour pages: a reader that sees a new hour page also sees the rest.
      for (const [rp, lines] of [
        [this.rp.rollup1m, out.m],
        [this.rp.rollup15m, out.q],
        [this.rp.rollup1h, out.h],
      ] as const) {
        while (lines.length > 0) {
          let n = 0;
          let bytes = 0;
          while (n < lines.length && bytes < BYTES_PER_POST) bytes += (lines[n++] as string).length;
          await this.post(rp, lines.splice(0, n).join('\n'));
        }
      }
      out.bytes = 0;
    };
    let day = Number.NaN;
    let dayHours: Summary[] = [];
    let dayQuarters: Summary[] = [];
    const finishDay = async () => {
      if (dayHours.length === 0) return;
      let hours = dayHours;
      let quarters = dayQuarters;
      if (day < h0 || day + DAY_MS > hEnd) {
        // A day only partly rebuilt keeps its other hours from the stored pages.
        const outside = (s: Summary) => s.startMs < h0 || s.startMs >= hEnd;
        const byStart = (a: Summary, b: Summary) => a.startMs - b.startMs;
        const stored = toSummaries(await this.reader.rollups(key, HOUR_MS, day, day + DAY_MS));
        hours = stored.filter(outside).concat(dayHours).sort(byStart);
        const storedQ = toSummaries(await this.reader.rollups(key, QUARTER_MS, day, day + DAY_MS));
        quarters = storedQ.filter(outside).concat(dayQuarters).sort(byStart);
      }
      const line = rollupPageLine(ROLLUP_MEASUREMENT_1H, tags, day, hours);
      const qLine = compactPageLine(ROLLUP_MEASUREMENT_15M, tags, day, QUARTER_MS, quarters);
      out.h.push(line);
      out.q.push(qLine);
      out.bytes += line.length + qLine.length;
      dayHours = [];
      dayQuarters = [];
    };
    const emit = async (rows: RawRow[]) => {
      for (const h of buildRollupsByHour(rows)) {
        const d = alignDown(h.hourStartMs, DAY_MS);
        if (d !== day) {
          await finishDay();
          day = d;
        }
        dayHours.push(h.hour);
        for (const q of h.quarters) dayQuarters.push(q);
        if (h.minutes.length > 0) {
          const line = rollupPageLine(ROLLUP_MEASUREMENT_1M, tags, h.hourStartMs, h.minutes);
          out.m.push(line);
          out.bytes += line.length;
        }
      }
    };
    // Pages of raw rows end anywhere; the last, possibly incomplete hour waits for the next page.
    let carry: RawRow[] = [];
    await this.reader.eachRowPage(key, h0, hEnd, async (rows) => {
      const all = carry.length > 0 ? carry.concat(rows) : rows;
      const lastHour = alignDown((all[all.length - 1] as RawRow).tsMs, HOUR_MS);
      let cut = all.length;
      while (cut > 0 && (all[cut - 1] as RawRow).tsMs >= lastHour) cut--;
      await emit(all.slice(0, cut));
      carry = all.slice(cut);
      await send(false);
    });
    await emit(carry);
    await finishDay();
    await send(true);
  }
}
