import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { HOUR_MS } from '../engine/align.js';
import { partitionPoints, seriesKeyString } from '../engine/points.js';
import {
  QueryStats,
  runCounterQuery,
  runCoverageQuery,
  runRangeQuery,
  runStepQuery,
  type StoreBackend,
} from '../engine/run.js';
import { runSummaryQuery } from '../engine/summaries.js';
import type { RawRow } from '../rollup/summary.js';
import type {
  CounterQuery,
  CounterSummaryQuery,
  CoverageQuery,
  LatestValue,
  RangeQuery,
  SeriesBuckets,
  SeriesCounter,
  SeriesCounterSummaries,
  SeriesCoverage,
  SeriesKey,
  SeriesSteps,
  SeriesSummaries,
  StepQuery,
  StoredPoint,
  StoreHealth,
  SummaryQuery,
  TimeSeriesStore,
} from '../types.js';
import { EmbeddedRollups } from './rollups.js';
import { openSchema, type Synchronous } from './schema.js';

export type EmbeddedStoreOptions = {
  /** SQLite file; ':memory:' for throwaway use. */
  file: string;
  synchronous?: Synchronous;
  /** How often dirty rollup hours are recomputed in the background (0 = only on flush and before queries). */
  rollupRefreshMs?: number;
  /** Dirty hours recomputed per background tick, to keep the event loop responsive. */
  rollupHoursPerTick?: number;
  /** Points per write transaction; a larger write() is split and yields to the event loop in between. */
  pointsPerTransaction?: number;
  /** Staged points are merged into the points table at least this often (ms), and before every read. */
  mergeIntervalMs?: number;
  /** …or as soon as this many points are staged. */
  mergeThreshold?: number;
  /**
   * A write of at least this many points goes straight into the points table, sorted (one group commit of
   * the ingest); smaller ones are staged (many small commits would scatter writes over one leaf per series).
   */
  directWriteMinPoints?: number;
};

type StagedRow = [number, number, number, number | null, number, string | null];

type RowTuple = [number, number | null, number, string | null];
const toRow = (r: RowTuple): RawRow => ({ tsMs: r[0], value: r[1], status: r[2], text: r[3] });
// Dirty (series, hour) pairs as one number: 2^22 hours reach past the year 2400.
const HOUR_SLOTS = 4_194_304;
const RAW_LIMIT = 1_000_000;

/** SQLite time-series store (better-sqlite3, WAL): the default when no InfluxDB URL is configured. */
export class EmbeddedStore implements TimeSeriesStore {
  readonly kind = 'embedded' as const;
  private db: Database.Database | null = null;
  private rollups!: EmbeddedRollups;
  private readonly ids = new Map<string, number>();
  private s!: ReturnType<EmbeddedStore['prepare']>;
  private timer: NodeJS.Timeout | null = null;
  private mergeTimer: NodeJS.Timeout | null = null;
  /** Points appended to staging and not yet merged into `points`. */
  private staged = 0;
  private readonly stats = new QueryStats();
  private pointsWritten = 0;
  private rejectedPoints = 0;
  private lastError: string | undefined;
  private readonly backend: StoreBackend;

  constructor(private readonly opts: EmbeddedStoreOptions) {
    this.backend = {
      rows: async (key, fromMs, toMs) => this.rowsOf(key, fromMs, toMs, Number.MAX_SAFE_INTEGER),
      rollups: async (key, widthMs, fromMs, toMs, into) => {
        const id = this.ids.get(seriesKeyString(key));
        return id === undefined ? new Float64Array(0) : this.rollups.read(id, widthMs, fromMs, toMs, into);
      },
      rollupColumns: async (key, t) => {
        const id = this.ids.get(seriesKeyString(key));
        if (id !== undefined) this.rollups.readColumns(id, t);
      },
      seriesConcurrency: 1,
      prepareRollups: async (keys, _widthMs, fromMs, toMs) => {
        for (const k of keys) {
          const id = this.ids.get(seriesKeyString(k));
          if (id !== undefined) this.rollups.refreshRange(id, fromMs, toMs);
        }
        return true;
      },
    };
  }

  private prepare(db: Database.Database) {
    return {
      insertSeries: db.prepare('INSERT INTO series (factory, device, metric) VALUES (?, ?, ?)'),
      allSeries: db.prepare('SELECT id, factory, device, metric FROM series').raw(true),
      factorySeries: db
        .prepare('SELECT id, device, metric FROM series WHERE factory = ? ORDER BY device, metric')
        .raw(true),
      insertPoint: db.prepare(
        'INSERT OR REPLACE INTO points (series_id, ts, value, status, text) VALUES (?, ?, ?, ?, ?)',
      ),
      rows: db
        .prepare(
          'SELECT ts, value, status, text FROM points WHERE series_id = ? AND ts >= ? AND ts < ? ORDER BY ts LIMIT ?',
        )
        .raw(true),
      latest: db
        .prepare('SELECT ts, value, status, text FROM points WHERE series_id = ? ORDER BY ts DESC LIMIT 1')
        .raw(true),
      count: db.prepare('SELECT count(*) FROM points WHERE series_id = ? AND ts >= ? AND ts < ?').pluck(),
      stage: db.prepare('INSERT INTO staging (series_id, ts, value, status, text) VALUES (?, ?, ?, ?, ?)'),
      staged: db
        .prepare('SELECT seq, series_id, ts, value, status, text FROM staging ORDER BY seq LIMIT ?')
        .raw(true),
      stagedCount: db.prepare('SELECT count(*) FROM staging').pluck(),
      unstage: db.prepare('DELETE FROM staging WHERE seq <= ?'),
    };
  }

  async init(): Promise<void> {
    if (this.db) return;
    if (this.opts.file !== ':memory:') mkdirSync(path.dirname(this.opts.file), { recursive: true });
    const db = new Database(this.opts.file);
    try {
      openSchema(db, this.opts.synchronous ?? 'normal');
    } catch (e) {
      db.close();
      throw e;
    }
    this.db = db;
    this.s = this.prepare(db);
    this.rollups = new EmbeddedRollups(db);
    for (const [id, f, d, m] of this.s.allSeries.all() as [number, string, string, string][]) {
      this.ids.set(seriesKeyString({ factoryId: f, deviceId: d, metric: m }), id);
    }
    this.staged = this.s.stagedCount.get() as number;
    this.merge(); // what a previous process staged but did not merge
    const every = this.opts.rollupRefreshMs ?? 5_000;
    if (every > 0) {
      this.timer = setInterval(() => this.backgroundRefresh(), every);
      this.timer.unref();
    }
    this.mergeTimer = setInterval(() => this.safeMerge(), this.opts.mergeIntervalMs ?? 250);
    this.mergeTimer.unref();
  }

  private safeMerge(): void {
    try {
      this.merge();
    } catch (e) {
      this.lastError = `staging merge: ${String(e)}`;
    }
  }

  /**
   * Moves every staged point into `points`: sorted by (series, time, arrival) so the B-tree is written in
   * order and a later write of the same (series, ts) still wins; marks each touched hour dirty once.
   */
  private merge(): void {
    if (this.staged === 0 || !this.db) return;
    const db = this.db;
    const tx = db.transaction((rows: StagedRow[]) => {
      // The batch is read in seq order: its last row holds the highest seq. Take it before sorting by key —
      // unstaging up to the last row *after* the sort left older rows staged, and a later merge wrote them over
      // newer points (found by the write-paths property test).
      const lastSeq = (rows[rows.length - 1] as StagedRow)[0];
      rows.sort((a, b) => a[1] - b[1] || a[2] - b[2] || a[0] - b[0]);
      let lastKey = -1;
      for (const [, id, ts, value, status, text] of rows) {
        this.s.insertPoint.run(id, ts, value, status, text);
        const key = id * HOUR_SLOTS + Math.floor(ts / HOUR_MS);
        if (key !== lastKey) {
          this.rollups.markDirty(id, Math.floor(ts / HOUR_MS) * HOUR_MS);
          lastKey = key;
        }
      }
      this.s.unstage.run(lastSeq);
    });
    for (let i = 0; i < 100_000 && this.staged > 0; i++) {
      const rows = this.s.staged.all(200_000) as StagedRow[];
      if (rows.length === 0) break;
      tx(rows);
      this.staged = Math.max(0, this.staged - rows.length);
    }
  }

  private backgroundRefresh(): void {
    try {
      this.rollups.refreshSome(this.opts.rollupHoursPerTick ?? 2_000);
    } catch (e) {
      this.lastError = `rollup refresh: ${String(e)}`;
    }
  }

  private open(): Database.Database {
    if (!this.db) throw new Error('embedded store is not initialised (call init()) or already closed');
    return this.db;
  }

  private seriesId(p: SeriesKey, k: string): number {
    let id = this.ids.get(k);
    if (id === undefined) {
      id = Number(this.s.insertSeries.run(p.factoryId, p.deviceId, p.metric).lastInsertRowid);
      this.ids.set(k, id);
    }
    return id;
  }

  async write(points: StoredPoint[]): Promise<void> {
    const db = this.open();
    const { good, keys, rejected, lastProblem } = partitionPoints(points);
    if (rejected > 0) {
      this.rejectedPoints += rejected;
      this.lastError = `rejected ${rejected} point(s); last: ${lastProblem}`;
    }
    if (good.length >= (this.opts.directWriteMinPoints ?? 1_000)) return this.writeSorted(db, good, keys);
    const chunk = this.opts.pointsPerTransaction ?? 50_000;
    const tx = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const p = good[i] as StoredPoint;
        this.s.stage.run(this.seriesId(p, keys[i] as string), p.tsMs, p.value, p.status, p.text ?? null);
      }
    });
    for (let from = 0; from < good.length; from += chunk) {
      // Series ids created in a transaction that then fails must not stay cached.
      try {
        tx(from, Math.min(good.length, from + chunk));
      } catch (e) {
        this.reloadIds();
        throw e;
      }
      const n = Math.min(good.length, from + chunk) - from;
      this.pointsWritten += n;
      this.staged += n;
      if (from + chunk < good.length) await new Promise((r) => setImmediate(r));
    }
    if (this.staged >= (this.opts.mergeThreshold ?? 50_000)) this.safeMerge();
  }

  /**
   * A large write (a group commit of many MQTT messages) goes straight into `points`, sorted by (series,
   * time, arrival) so each series' B-tree leaves are written once per transaction and a later write of the
   * same (series, ts) still wins; each touched hour is marked dirty once. Staged points of earlier (small)
   * writes are merged first, so they cannot overwrite this newer one later.
   */
  private async writeSorted(db: Database.Database, good: StoredPoint[], keys: string[]): Promise<void> {
    if (this.staged > 0) this.merge();
    const n = good.length;
    const ids = new Float64Array(n);
    let order: Uint32Array | null = null;
    const tx = db.transaction((from: number, to: number) => {
      if (!order) {
        for (let i = 0; i < n; i++) ids[i] = this.seriesId(good[i] as StoredPoint, keys[i] as string);
        const o = new Uint32Array(n);
        for (let i = 0; i < n; i++) o[i] = i;
        o.sort((a, b) => ids[a]! - ids[b]! || good[a]!.tsMs - good[b]!.tsMs || a - b);
        order = o;
      }
      let lastKey = -1;
      for (let k = from; k < to; k++) {
        const i = order[k] as number;
        const p = good[i] as StoredPoint;
        const id = ids[i] as number;
        this.s.insertPoint.run(id, p.tsMs, p.value, p.status, p.text ?? null);
        const hour = Math.floor(p.tsMs / HOUR_MS);
        const key = id * HOUR_SLOTS + hour;
        if (key !== lastKey) {
          this.rollups.markDirty(id, hour * HOUR_MS);
          lastKey = key;
        }
      }
    });
    const chunk = this.opts.pointsPerTransaction ?? 50_000;
    for (let from = 0; from < n; from += chunk) {
      const to = Math.min(n, from + chunk);
      try {
        tx(from, to);
      } catch (e) {
        this.reloadIds(); // series ids created in a transaction that then failed must not stay cached
        throw e;
      }
      this.pointsWritten += to - from;
      if (to < n) await new Promise((r) => setImmediate(r));
    }
  }

  private reloadIds(): void {
    this.ids.clear();
    for (const [id, f, d, m] of this.s.allSeries.all() as [number, string, string, string][]) {
      this.ids.set(seriesKeyString({ factoryId: f, deviceId: d, metric: m }), id);
    }
  }

  /** Every read sees every acknowledged write: staged points are merged first. */
  private openForRead(): Database.Database {
    const db = this.open();
    this.merge();
    return db;
  }

  private rowsOf(key: SeriesKey, fromMs: number, toMs: number, limit: number): RawRow[] {
    this.openForRead();
    const id = this.ids.get(seriesKeyString(key));
    if (id === undefined || !(toMs > fromMs)) return [];
    return (this.s.rows.all(id, fromMs, toMs, limit) as RowTuple[]).map(toRow);
  }

  async raw(series: SeriesKey, fromMs: number, toMs: number, limit = RAW_LIMIT): Promise<StoredPoint[]> {
    this.openForRead();
    const id = this.ids.get(seriesKeyString(series));
    if (id === undefined || !(toMs > fromMs)) return [];
    const { factoryId, deviceId, metric } = series;
    // Straight from the row tuples with a fixed shape (object spread per point cost ~10 µs on a year of states).
    return (this.s.rows.all(id, fromMs, toMs, limit) as RowTuple[]).map((r) => ({
      factoryId,
      deviceId,
      metric,
      tsMs: r[0],
      value: r[1],
      status: r[2],
      text: r[3],
    }));
  }

  async query(q: RangeQuery): Promise<SeriesBuckets[]> {
    this.openForRead();
    return await runRangeQuery(this.backend, this.stats, q);
  }

  async counterIncrease(q: CounterQuery): Promise<SeriesCounter[]> {
    this.openForRead();
    return await runCounterQuery(this.backend, this.stats, q);
  }

  async step(q: StepQuery): Promise<SeriesSteps[]> {
    this.openForRead();
    return await runStepQuery(this.backend, this.stats, q);
  }

  async coverage(q: CoverageQuery): Promise<SeriesCoverage[]> {
    this.openForRead();
    return await runCoverageQuery(this.backend, this.stats, q);
  }

  summaries(q: CounterSummaryQuery): Promise<SeriesCounterSummaries[]>;
  summaries(q: SummaryQuery): Promise<SeriesSummaries[]>;
  async summaries(q: SummaryQuery | CounterSummaryQuery): Promise<SeriesCounterSummaries[]> {
    this.openForRead();
    return await runSummaryQuery(this.backend, this.stats, q);
  }

  async latest(
    factoryId: string,
    filter?: { deviceIds?: string[]; metrics?: string[] },
  ): Promise<LatestValue[]> {
    this.openForRead();
    const devices = filter?.deviceIds ? new Set(filter.deviceIds) : null;
    const metrics = filter?.metrics ? new Set(filter.metrics) : null;
    const out: LatestValue[] = [];
    for (const [id, deviceId, metric] of this.s.factorySeries.all(factoryId) as [number, string, string][]) {
      if ((devices && !devices.has(deviceId)) || (metrics && !metrics.has(metric))) continue;
      const r = this.s.latest.get(id) as RowTuple | undefined;
      if (!r) continue;
      out.push({ factoryId, deviceId, metric, tsMs: r[0], value: r[1], text: r[3], status: r[2] });
    }
    return out;
  }

  async listSeries(factoryId: string): Promise<SeriesKey[]> {
    this.open();
    return (this.s.factorySeries.all(factoryId) as [number, string, string][]).map(
      ([, deviceId, metric]) => ({
        factoryId,
        deviceId,
        metric,
      }),
    );
  }

  async countPoints(series: SeriesKey, fromMs: number, toMs: number): Promise<number> {
    this.openForRead();
    const id = this.ids.get(seriesKeyString(series));
    return id === undefined ? 0 : (this.s.count.get(id, fromMs, toMs) as number);
  }

  /** Merges staged points (already durable) and brings every rollup up to date, yielding between chunks. */
  async flush(): Promise<void> {
    this.openForRead();
    for (let i = 0; i < 1_000_000 && this.rollups.pendingHours > 0; i++) {
      if (this.rollups.refreshSome(5_000) === 0) break;
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Reports the state after every acknowledged write (staged points are merged first, as for reads). */
  health(): StoreHealth {
    if (this.db) this.safeMerge();
    return {
      ok: this.db !== null,
      kind: 'embedded',
      backlogPoints: 0,
      pointsWritten: this.pointsWritten,
      rejectedPoints: this.rejectedPoints,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      rollups: {
        dirtyHours: this.db ? this.rollups.pendingHours : 0,
        servedFromRollups: this.stats.servedFromRollups,
        servedFromRaw: this.stats.servedFromRaw,
      },
    };
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.mergeTimer) clearInterval(this.mergeTimer);
    this.timer = null;
    this.mergeTimer = null;
    if (this.db) this.safeMerge();
    const db = this.db;
    this.db = null;
    db?.close();
  }
}
