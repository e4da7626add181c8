import { HOUR_MS } from '../engine/align.js';
import type { SeriesKey } from '../types.js';
import { qualified, quoteIdent, seriesWhere, timeRange } from './influxql.js';
import { parseSeriesKey, RAW_MEASUREMENT } from './line-protocol.js';
import type { InfluxReader } from './reader.js';
import type { Sidecar } from './sidecar.js';

/** Sidecar meta key and value: every stored hour has (or is marked for) rollup pages of format 2. */
const META_KEY = 'rollup_format';
const READY = '2';
/** Hours counted per query (and marked per transaction): 365 days. */
const MARK_SPAN_MS = 365 * 24 * HOUR_MS;

/**
 * Rollup pages of the current format (rollup/pack.ts format 2, in the `*_v2` measurements) may be missing for
 * data already stored — written by an older platform (no 15-min tier, or format-1 pages), or with a new
 * sidecar next to an old database. A missing page must never read as missing data, so until the sidecar
 * records the pages as complete, bucketed queries read raw points. Completing it: when the raw measurement is
 * empty there is nothing to do; otherwise every stored (series, hour) is marked dirty with write sequence 0
 * (already landed), so the usual refresh — background, flush(), or right before a query reads that hour —
 * builds its pages. Runs once per sidecar; a failure (InfluxDB down) is retried later. Pages of older
 * formats live in other measurements and are never read (they may be dropped by hand).
 */
export class RollupBackfill {
  private running: Promise<boolean> | null = null;

  constructor(
    private readonly sidecar: Sidecar,
    private readonly reader: InfluxReader,
    private readonly db: string,
    private readonly rawRp: string,
  ) {}

  get ready(): boolean {
    return this.sidecar.meta(META_KEY) === READY;
  }

  /** True once the rollups can serve queries; starts (or joins) the backfill otherwise. */
  ensure(): Promise<boolean> {
    if (this.ready) return Promise.resolve(true);
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Resolves once no backfill is running (the sidecar may then be closed). */
  async idle(): Promise<void> {
    await this.running?.catch(() => false);
  }

  private async run(): Promise<boolean> {
    const raw = qualified(this.db, this.rawRp, RAW_MEASUREMENT);
    const any = await this.reader.select(`SELECT "s" FROM ${raw} LIMIT 1`);
    if ((any[0]?.values.length ?? 0) > 0) {
      for (const key of await this.allSeries()) await this.markSeries(raw, key);
    }
    this.sidecar.setMeta(META_KEY, READY);
    return true;
  }

  private async allSeries(): Promise<SeriesKey[]> {
    const out: SeriesKey[] = [];
    const series = await this.reader.select(
      `SHOW SERIES ON ${quoteIdent(this.db)} FROM ${quoteIdent(RAW_MEASUREMENT)}`,
    );
    for (const s of series) {
      for (const [k] of s.values) {
        const t = parseSeriesKey(String(k));
        if (t.factory && t.device && t.metric)
          out.push({ factoryId: t.factory, deviceId: t.device, metric: t.metric });
      }
    }
    return out;
  }

  /** Marks every hour of the series that holds a point (bounded by its first and last point). */
  private async markSeries(raw: string, key: SeriesKey): Promise<void> {
    const where = seriesWhere(key);
    const first = await this.reader.select(`SELECT first("s") FROM ${raw} WHERE ${where}`);
    const last = await this.reader.select(`SELECT last("s") FROM ${raw} WHERE ${where}`);
    const t0 = first[0]?.values[0]?.[0] as number | undefined;
    const t1 = last[0]?.values[0]?.[0] as number | undefined;
    if (t0 === undefined || t1 === undefined) return;
    // A year of hours per query stays under InfluxDB's row limit (max-row-limit, 10 000 in some configs).
    for (let from = t0 - (t0 % HOUR_MS); from <= t1; from += MARK_SPAN_MS) {
      const hours = await this.reader.select(
        `SELECT count("s") FROM ${raw} WHERE ${where} AND ${timeRange(from, Math.min(t1 + 1, from + MARK_SPAN_MS))} GROUP BY time(1h) fill(none)`,
      );
      const marks: [SeriesKey, number][] = [];
      for (const [t] of hours[0]?.values ?? []) marks.push([key, t as number]);
      this.sidecar.markDirty(marks, 0);
    }
  }
}
