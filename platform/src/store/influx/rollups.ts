import { HOUR_MS, alignDown } from '../engine/align.js';
import { seriesKeyString } from '../engine/points.js';
import { buildRollupsByHour } from '../rollup/build.js';
import type { SeriesKey } from '../types.js';
import { ROLLUP_MEASUREMENT_1H, ROLLUP_MEASUREMENT_1M, rollupLine, seriesTags } from './line-protocol.js';
import type { InfluxReader, RetentionNames } from './reader.js';
import type { DirtyHour, Sidecar } from './sidecar.js';

/** Consecutive dirty hours of one series are recomputed from one raw read, at most this many. */
const MAX_RUN_HOURS = 168;
const LINES_PER_POST = 5_000;

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
    if (h0 >= this.rawHorizonMs()) {
      const rows = await this.reader.rows(first.key, h0, hEnd);
      const tags = seriesTags(first.key);
      const l1m: string[] = [];
      const l1h: string[] = [];
      for (const h of buildRollupsByHour(rows)) {
        l1h.push(rollupLine(ROLLUP_MEASUREMENT_1H, tags, h.hour));
        for (const m of h.minutes) l1m.push(rollupLine(ROLLUP_MEASUREMENT_1M, tags, m));
      }
      // Minutes before hours: a reader that sees the new hour also sees its minutes.
      for (let k = 0; k < l1m.length; k += LINES_PER_POST) {
        await this.post(this.rp.rollup1m, l1m.slice(k, k + LINES_PER_POST).join('\n'));
      }
      for (let k = 0; k < l1h.length; k += LINES_PER_POST) {
        await this.post(this.rp.rollup1h, l1h.slice(k, k + LINES_PER_POST).join('\n'));
      }
    }
    for (const d of run) this.sidecar.clearDirty(d);
  }
}
