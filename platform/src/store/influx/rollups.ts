import { alignDown, HOUR_MS, QUARTER_MS } from '../engine/align.js';
import { seriesKeyString } from '../engine/points.js';
import { buildRollupsByHour } from '../rollup/build.js';
import { toSummaries } from '../rollup/pack.js';
import type { RawRow, Summary } from '../rollup/summary.js';
import type { RollupClaim, RollupMark, SeriesKey, SharedRollupMarks } from '../types.js';
import {
  compactPageLine,
  ROLLUP_MEASUREMENT_1H,
  ROLLUP_MEASUREMENT_1M,
  ROLLUP_MEASUREMENT_15M,
  rollupPageLine,
  seriesTags,
} from './line-protocol.js';
import type { InfluxReader, RetentionNames } from './reader.js';
import { dirtyBySeries, spansOf } from './rollup-spans.js';
import type { DirtyHour, Sidecar } from './sidecar.js';

/** Series rebuilt at the same time. */
const SERIES_CONCURRENCY = 4;
/** Rollup pages are posted in bodies of about this size (InfluxDB 1.8 refuses bodies over 25 MB by default). */
const BYTES_PER_POST = 4_000_000;
const DAY_MS = 86_400_000;
/** A claim on shared marks lasts this long: a builder that dies frees its marks after it. */
const CLAIM_TTL_MS = 10 * 60_000;
/** Local landed marks handed to the shared table per round. */
const PUBLISH_BATCH = 20_000;

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
    /** Marks shared by the instances writing this database; absent: marks stay in the sidecar. */
    private readonly shared?: SharedRollupMarks,
  ) {}

  /** Dirty hours rebuilt by this instance. */
  hoursBuilt = 0;

  /** Marks not yet rebuilt: this sidecar's (not landed, or not yet shared) and the shared table's. */
  dirtyHours(): number {
    return this.sidecar.dirtyHours + (this.shared?.pending() ?? 0);
  }

  /**
   * Hands the sidecar's landed marks to the shared table (any instance may then rebuild them). Synchronous:
   * no write can re-mark an hour between reading and clearing its local mark.
   */
  publish(): void {
    // The sidecar counts its marks: a settled store (every diagnosis read) has none to hand over.
    if (!this.shared || this.sidecar.dirtyHours === 0) return;
    for (let i = 0; i < 10_000; i++) {
      const landed = this.sidecar.landedDirty(this.landedSeq(), PUBLISH_BATCH);
      if (landed.length === 0) return;
      this.shared.mark(landed.map((d): RollupMark => ({ key: d.key, hourMs: d.hourMs })));
      this.sidecar.clearDirtyMany(landed);
    }
  }

  /** Rebuilds the shared marks claimed, then clears them (or frees those re-marked meanwhile). */
  private async buildClaimed(claim: RollupClaim): Promise<void> {
    try {
      await this.recompute(
        claim.marks.map((m) => ({ ...m, writeSeq: 0 })),
        () => {},
      );
    } catch (e) {
      this.shared?.finish(claim, false); // nothing built: free them at once for a retry
      throw e;
    }
    this.shared?.finish(claim, true);
  }

  /** Runs one refresh at a time (timer, queries and flush share it). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Recomputes up to maxHours landed dirty hours; returns how many were taken. */
  refreshSome(maxHours: number): Promise<number> {
    return this.exclusive(async () => {
      if (this.shared) {
        this.publish();
        const claim = this.shared.claim(maxHours, CLAIM_TTL_MS);
        await this.buildClaimed(claim);
        return claim.marks.length;
      }
      const dirty = this.sidecar.landedDirty(this.landedSeq(), maxHours);
      await this.recompute(dirty, (marks) => this.sidecar.clearDirtyMany(marks));
      return dirty.length;
    });
  }

  /** Makes rollups of these series over [fromMs, toMs) current; false if some hour still waits for its data. */
  refreshFor(keys: SeriesKey[], fromMs: number, toMs: number): Promise<boolean> {
    return this.exclusive(async () => {
      const landed = this.landedSeq();
      const h0 = alignDown(fromMs, HOUR_MS);
      let current = true;
      this.publish();
      // One read per factory instead of a write transaction per series: a settled store has no marks, and
      // a diagnosis asks for hundreds of series (on PostgreSQL each claim is blocking round trips).
      const marked = new Map<string, Set<string>>();
      const hasMarks = (k: SeriesKey): boolean => {
        if (!this.shared) return false;
        let set = marked.get(k.factoryId);
        if (!set) {
          set = new Set(this.shared.seriesMarked(k.factoryId, h0, toMs).map(seriesKeyString));
          marked.set(k.factoryId, set);
        }
        return set.has(seriesKeyString(k));
      };
      for (const k of keys) {
        const dirty = this.sidecar.dirtyOf(k, h0, toMs);
        const ready = dirty.filter((d) => d.writeSeq <= landed);
        if (ready.length < dirty.length) current = false;
        if (this.shared) {
          if (!hasMarks(k)) continue;
          // Hours another instance is building right now: this query reads them raw.
          const claim = this.shared.claim(1_000_000, CLAIM_TTL_MS, { key: k, fromMs: h0, toMs });
          if (claim.busy > 0) current = false;
          if (claim.marks.length > 0) await this.buildClaimed(claim);
        } else await this.recompute(ready, (marks) => this.sidecar.clearDirtyMany(marks));
      }
      return current;
    });
  }

  /**
   * Rebuilds the pages of these dirty hours. Profiled on a year for 200 meters (issue 13), the cost was the
   * number of round trips, not the bytes: a run of consecutive hours per raw read and a partly rebuilt day
   * re-reading its stored pages made a sparse series (a machine's state changes) one raw read, two page reads
   * and two posts per changed hour. So each series' hours are rebuilt as whole UTC days in spans (dirty days
   * up to MAX_SPAN_GAP_DAYS apart share one span: the days between hold few points or none, or they would be
   * dirty too), several series at a time (InfluxDB answers over HTTP on its own cores). Rebuilding a clean
   * hour from raw gives its stored page again, so whole days change no answer.
   */
  private async recompute(dirty: DirtyHour[], clear: (marks: DirtyHour[]) => void): Promise<void> {
    const groups = dirtyBySeries(dirty);
    let next = 0;
    const worker = async () => {
      while (next < groups.length) {
        const g = groups[next++] as DirtyHour[];
        for (const span of spansOf(g, this.rawHorizonMs())) {
          if (span.fromMs !== null) await this.rebuild((g[0] as DirtyHour).key, span.fromMs, span.toMs);
          this.hoursBuilt += span.marks.length;
          clear(span.marks);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(SERIES_CONCURRENCY, groups.length) }, worker));
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
