import path from 'node:path';
import { InfluxDB } from 'influx';
import { HOUR_MS, QUARTER_MS } from '../engine/align.js';
import { partitionPoints } from '../engine/points.js';
import {
  QueryStats,
  runCounterQuery,
  runCoverageQuery,
  runRangeQuery,
  runStepQuery,
  type StoreBackend,
} from '../engine/run.js';
import { runSummaryQuery } from '../engine/summaries.js';
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
  SharedRollupMarks,
  StepQuery,
  StoredPoint,
  StoreHealth,
  SummaryQuery,
  TimeSeriesStore,
} from '../types.js';
import { authRefused, type InfluxCredentials, influxCredentials, influxStatus } from './auth.js';
import { DirtyMarks } from './dirty-marks.js';
import { queryTarget } from './http-query.js';
import { postLines, type WriteTarget, writeTarget } from './http-write.js';
import { LineBuffer, type LinePrefix, linePrefix } from './line-buffer.js';
import { pointLineAfter, seriesTags } from './line-protocol.js';
import {
  durationMs,
  type InfluxStoreOptions,
  type InfluxStoreOptionsInput,
  influxStoreOptionsSchema,
} from './options.js';
import { InfluxReader } from './reader.js';
import { RollupBackfill } from './rollup-backfill.js';
import { InfluxRollups } from './rollups.js';
import { InfluxSchema } from './schema.js';
import { type LineBody, Sidecar } from './sidecar.js';
import { errorText, InfluxWriter, RejectedWriteError } from './writer.js';

/** A point this close to the raw retention edge is refused up front instead of by InfluxDB. */
const RETENTION_MARGIN_MS = 60_000;
/** The pool never benches the host: the writer does its own backoff and backlog. */
const NO_BACKOFF = { getDelay: () => 0, next: () => NO_BACKOFF, reset: () => NO_BACKOFF };

/** InfluxDB 1.x time-series store (schema, rollups and backlog: ../README.md). */
export class InfluxStore implements TimeSeriesStore {
  readonly kind = 'influx' as const;
  readonly options: InfluxStoreOptions;
  private readonly client: InfluxDB;
  private readonly reader: InfluxReader;
  private readonly schema: InfluxSchema;
  private readonly target: WriteTarget;
  private sidecar: Sidecar | null = null;
  private writer: InfluxWriter | null = null;
  private rollups: InfluxRollups | null = null;
  private backfill: RollupBackfill | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly stats = new QueryStats();
  private readonly backend: StoreBackend;
  private rejectedPoints = 0;
  private lastError: string | undefined;
  private readonly credentials: InfluxCredentials;
  private readonly prefixCache = new Map<string, LinePrefix>();

  /** `sharedMarks`: dirty rollup marks shared with the other instances writing this database (scale-out). */
  constructor(
    input: InfluxStoreOptionsInput,
    private readonly deps: { sharedMarks?: SharedRollupMarks } = {},
  ) {
    const o = influxStoreOptionsSchema.parse(input);
    this.options = o;
    const u = new URL(o.url);
    this.credentials = influxCredentials(o);
    const username = this.credentials?.username;
    const password = this.credentials?.password;
    this.client = new InfluxDB({
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: Number(u.port || (u.protocol === 'https:' ? 443 : 8086)),
      protocol: u.protocol === 'https:' ? 'https' : 'http',
      path: u.pathname === '/' ? '' : u.pathname,
      ...(username !== undefined ? { username, password: password ?? '' } : {}),
      database: o.database,
      pool: { maxRetries: 0, requestTimeout: o.requestTimeoutMs, backoff: NO_BACKOFF },
    });
    this.target = writeTarget(o.url, o.database, username, password, o.requestTimeoutMs);
    this.reader = new InfluxReader(this.client, o.database, o.retentionNames, queryTarget(this.target));
    this.schema = new InfluxSchema(this.client, o.database, o.retentionNames, o.retention);
    this.backend = {
      rows: (key, fromMs, toMs) => this.reader.rows(key, fromMs, toMs),
      rowsMany: (keys, fromMs, toMs) => this.reader.rowsMany(keys, fromMs, toMs),
      rollupsMany: (keys, widthMs, fromMs, toMs) => this.reader.rollupsMany(keys, widthMs, fromMs, toMs),
      rollups: (key, widthMs, fromMs, toMs, into) => this.reader.rollups(key, widthMs, fromMs, toMs, into),
      rollupColumns: (key, t) => this.reader.rollupColumns(key, t),
      // InfluxDB answers over HTTP: overlapping round trips keep both of its cores busy.
      seriesConcurrency: 8,
      prepareRollups: async (keys, widthMs, fromMs, toMs) => {
        if (!this.rollups) return false;
        // Older than the rollup's own retention: those buckets are gone, read raw instead.
        const r = this.options.retention;
        const keepMs = durationMs(
          widthMs === HOUR_MS ? r.rollup1h : widthMs === QUARTER_MS ? r.rollup15m : r.rollup1m,
        );
        if (Number.isFinite(keepMs) && fromMs < Date.now() - keepMs + HOUR_MS) return false;
        // Pages of data stored before this rollup format are not built yet: raw until they are.
        if (!(await this.backfill?.ensure().catch(() => false))) return false;
        return await this.rollups.refreshFor(keys, fromMs, toMs);
      },
    };
  }

  private post(rp: string, body: LineBody): Promise<void> {
    return postLines(this.target, rp, body);
  }

  async init(): Promise<void> {
    if (this.writer) return;
    const o = this.options;
    this.sidecar = new Sidecar(path.join(o.dataDir, 'influx-sidecar.sqlite'), o.synchronous);
    let schemaReady = false;
    try {
      await this.schema.ensure();
      schemaReady = true;
    } catch (e) {
      const status = influxStatus(e);
      if (status === 401 || status === 403) {
        // Wrong credentials are a setting to fix, not an outage to wait out: refuse to start, saying which.
        this.sidecar.close();
        this.sidecar = null;
        throw authRefused(o.url, this.credentials, status);
      }
      // Start anyway: writes go to the backlog, which creates the schema before it drains.
      this.lastError = `InfluxDB not ready at start: ${errorText(e)}`;
    }
    this.writer = new InfluxWriter(this.sidecar, {
      mode: o.writeMode,
      batchSize: o.batchSize,
      flushIntervalMs: o.flushIntervalMs,
      memoryRetryMs: o.memoryRetryMs,
      maxBacklogPoints: o.maxBacklogPoints,
      post: (body) => this.post(o.retentionNames.raw, body),
      ensureSchema: () => this.schema.ensure(),
      onDrained: () => this.kickRollups(),
      onError: (m) => {
        this.lastError = m;
      },
    });
    if (!schemaReady) this.writer.down = true;
    const rawMs = durationMs(o.retention.raw);
    this.rollups = new InfluxRollups(
      this.sidecar,
      this.reader,
      o.retentionNames,
      async (rp, body) => {
        try {
          await this.post(rp, body);
        } catch (e) {
          // Buckets older than the rollup retention are refused by InfluxDB; nothing to keep there.
          if (!(e instanceof RejectedWriteError)) throw e;
          this.lastError = `rollup write: ${e.message}`;
        }
      },
      () => this.writer?.landedSeq() ?? 0,
      () => (Number.isFinite(rawMs) ? Date.now() - rawMs + HOUR_MS : Number.NEGATIVE_INFINITY),
      this.deps.sharedMarks,
    );
    this.backfill = new RollupBackfill(this.sidecar, this.reader, o.database, o.retentionNames.raw);
    if (schemaReady) {
      this.backfill.ensure().catch((e) => {
        this.lastError = `rollup backfill: ${errorText(e)}`;
      });
    }
    if (o.rollupRefreshMs > 0) {
      this.timer = setInterval(() => this.kickRollups(), o.rollupRefreshMs);
      this.timer.unref();
    }
  }

  private refreshing = false;
  private kickRollups(): void {
    if (this.refreshing || !this.rollups || this.writer?.down) return;
    this.refreshing = true;
    this.rollups
      .refreshSome(this.options.rollupHoursPerTick)
      .catch((e) => {
        this.lastError = `rollup refresh: ${errorText(e)}`;
      })
      .finally(() => {
        this.refreshing = false;
      });
  }

  private ready(): { writer: InfluxWriter; sidecar: Sidecar; rollups: InfluxRollups } {
    if (!this.writer || !this.sidecar || !this.rollups) {
      throw new Error('InfluxDB store is not initialised (call init()) or already closed');
    }
    return { writer: this.writer, sidecar: this.sidecar, rollups: this.rollups };
  }

  private prefixOf(p: SeriesKey, k: string): LinePrefix {
    let t = this.prefixCache.get(k);
    if (t === undefined) {
      t = linePrefix(seriesTags(p));
      if (this.prefixCache.size > 100_000) this.prefixCache.clear();
      this.prefixCache.set(k, t);
    }
    return t;
  }

  async write(points: StoredPoint[]): Promise<void> {
    const { writer, sidecar } = this.ready();
    const { good, keys, rejected, lastProblem } = partitionPoints(points);
    let lastProblemText = lastProblem;
    let refused = rejected;
    const rawMs = durationMs(this.options.retention.raw);
    const horizon = Number.isFinite(rawMs)
      ? Date.now() - rawMs + RETENTION_MARGIN_MS
      : Number.NEGATIVE_INFINITY;
    const journal = this.options.writeMode === 'journal';
    const body = new LineBuffer();
    const lines: string[] = [];
    const marks = new DirtyMarks();
    for (let i = 0; i < good.length; i++) {
      const p = good[i] as StoredPoint;
      if (p.tsMs < horizon) {
        refused++;
        lastProblemText = `point at ${p.tsMs} is older than the raw retention (${this.options.retention.raw})`;
        continue;
      }
      const k = keys[i] as string;
      const prefix = this.prefixOf(p, k);
      if (journal) body.add(prefix, p);
      else lines.push(pointLineAfter(prefix.text, p));
      marks.add(k, p, p.tsMs - (p.tsMs % HOUR_MS));
    }
    if (refused > 0) {
      this.rejectedPoints += refused;
      this.lastError = `rejected ${refused} point(s); last: ${lastProblemText}`;
    }
    if (body.lines + lines.length === 0) return;
    const seq = writer.takeSeq();
    // Marks and body in one transaction of the journal: a crash cannot leave a rollup silently stale.
    if (journal) return await writer.append(body.bytes(), body.lines, seq, marks.list());
    // Marked before sending: a crash after the send cannot leave a rollup silently stale.
    sidecar.markDirty(marks.list(), seq);
    await writer.write(lines, seq);
  }

  async raw(series: SeriesKey, fromMs: number, toMs: number, limit = 1_000_000): Promise<StoredPoint[]> {
    await this.ready().writer.settle(); // reads see every acknowledged write
    const { factoryId, deviceId, metric } = series;
    // A fixed shape instead of two object spreads per point (as the embedded store does; a year of states).
    return (await this.reader.rows(series, fromMs, toMs, limit)).map((r) => ({
      factoryId,
      deviceId,
      metric,
      tsMs: r.tsMs,
      value: r.value,
      status: r.status,
      text: r.text,
    }));
  }

  async query(q: RangeQuery): Promise<SeriesBuckets[]> {
    await this.ready().writer.settle(); // reads see every acknowledged write
    return await runRangeQuery(this.backend, this.stats, q);
  }

  async counterIncrease(q: CounterQuery): Promise<SeriesCounter[]> {
    await this.ready().writer.settle(); // reads see every acknowledged write
    return await runCounterQuery(this.backend, this.stats, q);
  }

  async step(q: StepQuery): Promise<SeriesSteps[]> {
    await this.ready().writer.settle(); // reads see every acknowledged write
    return await runStepQuery(this.backend, this.stats, q);
  }

  async coverage(q: CoverageQuery): Promise<SeriesCoverage[]> {
    await this.ready().writer.settle(); // reads see every acknowledged write
    return await runCoverageQuery(this.backend, this.stats, q);
  }

  summaries(q: CounterSummaryQuery): Promise<SeriesCounterSummaries[]>;
  summaries(q: SummaryQuery): Promise<SeriesSummaries[]>;
  async summaries(q: SummaryQuery | CounterSummaryQuery): Promise<SeriesCounterSummaries[]> {
    await this.ready().writer.settle(); // reads see every acknowledged write
    return await runSummaryQuery(this.backend, this.stats, q);
  }

  async latest(
    factoryId: string,
    filter?: { deviceIds?: string[]; metrics?: string[] },
  ): Promise<LatestValue[]> {
    await this.ready().writer.settle(); // reads see every acknowledged write
    return await this.reader.latest(factoryId, filter);
  }

  async listSeries(factoryId: string): Promise<SeriesKey[]> {
    await this.ready().writer.settle(); // reads see every acknowledged write
    return await this.reader.listSeries(factoryId);
  }

  async countPoints(series: SeriesKey, fromMs: number, toMs: number): Promise<number> {
    await this.ready().writer.settle(); // reads see every acknowledged write
    return await this.reader.count(series, fromMs, toMs);
  }

  /** Delivers buffered writes, drains the backlog if InfluxDB answers, then brings landed rollups up to date. */
  async flush(): Promise<void> {
    const { writer, rollups } = this.ready();
    await writer.flush();
    if (writer.down) return;
    // Until nothing is left to take (counting the shared marks each round would cost a scan of their table).
    for (let i = 0; i < 1_000_000; i++) {
      if ((await rollups.refreshSome(10_000)) === 0) break;
    }
  }

  /** Hands landed dirty marks to the shared table now (every refresh does it first, too). */
  shareLandedMarks(): void {
    this.ready().rollups.publish();
  }

  health(): StoreHealth {
    const w = this.writer;
    const lastError = this.lastError;
    return {
      ok: w !== null && !w.down,
      kind: 'influx',
      backlogPoints: w?.backlogPoints ?? 0,
      pointsWritten: w?.pointsLanded ?? 0,
      rejectedPoints: this.rejectedPoints + (w?.pointsRejected ?? 0),
      ...(lastError ? { lastError } : {}),
      rollups: {
        dirtyHours: this.rollups?.dirtyHours() ?? this.sidecar?.dirtyHours ?? 0,
        hoursBuilt: this.rollups?.hoursBuilt ?? 0,
        servedFromRollups: this.stats.servedFromRollups,
        servedFromRaw: this.stats.servedFromRaw,
      },
    };
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const writer = this.writer;
    const sidecar = this.sidecar;
    this.writer = null;
    this.rollups = null;
    await this.backfill?.idle(); // never close the sidecar under a running backfill
    this.backfill = null;
    await writer?.close();
    sidecar?.close();
    this.sidecar = null;
  }
}
