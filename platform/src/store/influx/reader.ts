import type { InfluxDB } from 'influx';
import { alignDown, HOUR_MS, MINUTE_MS, QUARTER_MS } from '../engine/align.js';
import { type ColumnTarget, packedPageInto } from '../rollup/columns.js';
import { compactPageInto, decodeCompactPage } from '../rollup/compact.js';
import { type Packed, PackedBuilder } from '../rollup/pack.js';
import type { RawRow } from '../rollup/summary.js';
import type { LatestValue, SeriesKey } from '../types.js';
import { InfluxQueryError, type QueryTarget, selectTimeAndField } from './http-query.js';
import { anyOf, qualified, quoteIdent, quoteString, seriesWhere, timeRange } from './influxql.js';
import {
  HAS_TEXT,
  HAS_VALUE,
  parseSeriesKey,
  RAW_MEASUREMENT,
  ROLLUP_MEASUREMENT_1H,
  ROLLUP_MEASUREMENT_1M,
  ROLLUP_MEASUREMENT_15M,
} from './line-protocol.js';

export type RetentionNames = { raw: string; rollup1m: string; rollup15m: string; rollup1h: string };

type InfluxSeries = { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] };
type InfluxResponse = { results?: { series?: InfluxSeries[]; error?: string }[]; error?: string };

/** Rows per InfluxQL page: large reads are paged by time so no response is unbounded. */
const PAGE = 50_000;
const MAX_PAGES = 20_000;
/** Series per batched query (rowsMany): bounds the query text (≈ 80 bytes a series). */
const SERIES_PER_QUERY = 100;
const DAY_MS = 86_400_000;

export { InfluxQueryError };

/**
 * Reads through the `influx` client (InfluxQL over HTTP, epoch ms; rollup pages as CSV, http-query.ts); every id
 * goes through influxql.ts.
 */
export class InfluxReader {
  constructor(
    private readonly client: InfluxDB,
    private readonly db: string,
    private readonly rp: RetentionNames,
    /** Where rollup pages are read as CSV (http-query.ts); absent: through the client, as JSON. */
    private readonly csv?: QueryTarget,
  ) {}

  /** The rows of the first series of a SELECT (JSON through the client). */
  private async values(query: string): Promise<unknown[][]> {
    return (await this.select(query))[0]?.values ?? [];
  }

  async select(query: string): Promise<InfluxSeries[]> {
    let res: InfluxResponse;
    try {
      res = (await this.client.queryRaw(query, { database: this.db, precision: 'ms' })) as InfluxResponse;
    } catch (e) {
      throw new InfluxQueryError(`InfluxDB query failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    const r = res.results?.[0];
    const err = res.error ?? r?.error;
    if (err) throw new InfluxQueryError(`InfluxDB query failed: ${err} — query: ${query.slice(0, 300)}`);
    return r?.series ?? [];
  }

  /** SELECT of fields over [fromMs, toMs), oldest first, one page at a time; `limit` bounds the total. */
  private async eachPage(
    from: string,
    fields: readonly string[],
    where: string,
    fromMs: number,
    toMs: number,
    limit: number,
    onPage: (values: unknown[][]) => Promise<void> | void,
    read: (query: string) => Promise<unknown[][]> = (query) => this.values(query),
  ): Promise<void> {
    const cols = fields.map(quoteIdent).join(', ');
    let start = fromMs;
    let total = 0;
    for (let page = 0; page < MAX_PAGES && start < toMs && total < limit; page++) {
      const n = Math.min(PAGE, limit - total);
      const values = await read(
        `SELECT ${cols} FROM ${from} WHERE ${where} AND ${timeRange(start, toMs)} ORDER BY time ASC LIMIT ${n}`,
      );
      total += values.length;
      if (values.length > 0) await onPage(values);
      if (values.length < n) break;
      start = (values[values.length - 1]?.[0] as number) + 1;
    }
  }

  private async paged(
    from: string,
    fields: readonly string[],
    where: string,
    fromMs: number,
    toMs: number,
    limit: number,
  ): Promise<unknown[][]> {
    const out: unknown[][] = [];
    await this.eachPage(from, fields, where, fromMs, toMs, limit, (values) => {
      for (const v of values) out.push(v);
    });
    return out;
  }

  /**
   * Raw rows of many series over one [fromMs, toMs), oldest first — exactly what rows() answers per series —
   * in one query per factory and chunk of series instead of one round trip each (groupedPages).
   */
  async rowsMany(keys: readonly SeriesKey[], fromMs: number, toMs: number): Promise<RawRow[][]> {
    const out: RawRow[][] = keys.map(() => []);
    if (!(toMs > fromMs)) return out;
    const from = qualified(this.db, this.rp.raw, RAW_MEASUREMENT);
    const full = await this.groupedPages(from, ['k', 's', 't', 'v'], keys, fromMs, toMs, (i, values) => {
      out[i] = values.map(toRawRow);
    });
    for (const i of full) out[i] = await this.rows(keys[i] as SeriesKey, fromMs, toMs);
    return out;
  }

  /** rollups() of many series over one range, batched like rowsMany(). */
  async rollupsMany(
    keys: readonly SeriesKey[],
    widthMs: number,
    fromMs: number,
    toMs: number,
  ): Promise<Packed[]> {
    const out: Packed[] = keys.map(() => new Float64Array(0));
    if (!(toMs > fromMs)) return out;
    const [from, pageMs] = this.rollupSource(widthMs);
    const full = await this.groupedPages(from, ['p'], keys, alignDown(fromMs, pageMs), toMs, (i, values) => {
      const b = new PackedBuilder(Math.max(1, values.length * Math.ceil(pageMs / widthMs)));
      for (const v of values)
        addRollupPage(b, widthMs, v[0] as number, Buffer.from(String(v[1] ?? ''), 'base64'), fromMs, toMs);
      out[i] = b.finish();
    });
    for (const i of full) out[i] = await this.rollups(keys[i] as SeriesKey, widthMs, fromMs, toMs);
    return out;
  }

  /**
   * One InfluxQL query per factory and chunk of series (GROUP BY "device", "metric"; the LIMIT holds per
   * series) instead of one per series: short reads are all round trip — measured on the diagnose-store plant,
   * 113 one-hour windows read per series took 8× the time of one grouped query. Hands each series' rows
   * (oldest first) to onSeries by index in keys (series without rows get none); returns the indices of series
   * that filled the page limit, which the caller reads alone, paged.
   */
  private async groupedPages(
    from: string,
    fields: readonly string[],
    keys: readonly SeriesKey[],
    fromMs: number,
    toMs: number,
    onSeries: (i: number, values: unknown[][]) => void,
  ): Promise<number[]> {
    const full: number[] = [];
    const cols = fields.map(quoteIdent).join(', ');
    for (const chunk of seriesChunks(keys)) {
      // Each distinct (device, metric) once in the query; duplicates in keys share its rows.
      const at = new Map<string, { key: SeriesKey; indices: number[] }>();
      for (const i of chunk) {
        const k = keys[i] as SeriesKey;
        const id = JSON.stringify([k.deviceId, k.metric]);
        const hit = at.get(id);
        if (hit) hit.indices.push(i);
        else at.set(id, { key: k, indices: [i] });
      }
      const which = [...at.values()].map(
        ({ key }) => `("device" = ${quoteString(key.deviceId)} AND "metric" = ${quoteString(key.metric)})`,
      );
      const factory = (keys[chunk[0] as number] as SeriesKey).factoryId;
      const series = await this.select(
        `SELECT ${cols} FROM ${from} WHERE "factory" = ${quoteString(factory)} AND (${which.join(' OR ')}) AND ${timeRange(fromMs, toMs)} GROUP BY "device", "metric" ORDER BY time ASC LIMIT ${PAGE}`,
      );
      for (const s of series) {
        for (const i of at.get(JSON.stringify([s.tags?.device ?? '', s.tags?.metric ?? '']))?.indices ?? []) {
          if (s.values.length >= PAGE) full.push(i);
          else onSeries(i, s.values);
        }
      }
    }
    return full;
  }

  async rows(
    key: SeriesKey,
    fromMs: number,
    toMs: number,
    limit = Number.MAX_SAFE_INTEGER,
  ): Promise<RawRow[]> {
    if (!(toMs > fromMs)) return [];
    const from = qualified(this.db, this.rp.raw, RAW_MEASUREMENT);
    const values = await this.paged(from, ['k', 's', 't', 'v'], seriesWhere(key), fromMs, toMs, limit);
    return values.map(toRawRow);
  }

  /** Raw rows page by page (for rollup rebuilds over long ranges with bounded memory). */
  async eachRowPage(
    key: SeriesKey,
    fromMs: number,
    toMs: number,
    onPage: (rows: RawRow[]) => Promise<void> | void,
  ): Promise<void> {
    if (!(toMs > fromMs)) return;
    const from = qualified(this.db, this.rp.raw, RAW_MEASUREMENT);
    await this.eachPage(
      from,
      ['k', 's', 't', 'v'],
      seriesWhere(key),
      fromMs,
      toMs,
      Number.MAX_SAFE_INTEGER,
      (v) => onPage(v.map(toRawRow)),
    );
  }

  /**
   * Rollup summaries of widthMs whose bucket starts in [fromMs, toMs), unpacked from the pages covering
   * them (line-protocol.ts rollupPageLine).
   */
  private rollupSource(widthMs: number): [from: string, pageMs: number] {
    if (widthMs === HOUR_MS) return [qualified(this.db, this.rp.rollup1h, ROLLUP_MEASUREMENT_1H), DAY_MS];
    if (widthMs === QUARTER_MS)
      return [qualified(this.db, this.rp.rollup15m, ROLLUP_MEASUREMENT_15M), DAY_MS];
    if (widthMs === MINUTE_MS) return [qualified(this.db, this.rp.rollup1m, ROLLUP_MEASUREMENT_1M), HOUR_MS];
    throw new Error(`no rollup of width ${widthMs} ms`);
  }

  /** The stored pages (start, bytes) of a series' rollups of widthMs covering [fromMs, toMs). */
  private async rollupPages(
    key: SeriesKey,
    widthMs: number,
    fromMs: number,
    toMs: number,
    onPage: (pageStartMs: number, page: Buffer) => void,
  ): Promise<void> {
    const [from, pageMs] = this.rollupSource(widthMs);
    await this.eachPage(
      from,
      ['p'],
      seriesWhere(key),
      alignDown(fromMs, pageMs),
      toMs,
      Number.MAX_SAFE_INTEGER,
      (values) => {
        for (const v of values)
          onPage(v[0] as number, Buffer.isBuffer(v[1]) ? v[1] : Buffer.from(String(v[1] ?? ''), 'base64'));
      },
      this.csv
        ? (query) => selectTimeAndField(this.csv as QueryTarget, query, { base64Field: true })
        : undefined,
    );
  }

  /**
   * Rollup summaries of widthMs whose bucket starts in [fromMs, toMs), unpacked from the pages covering
   * them (line-protocol.ts rollupPageLine / compactPageLine), into `into` when given.
   */
  async rollups(
    key: SeriesKey,
    widthMs: number,
    fromMs: number,
    toMs: number,
    into?: PackedBuilder,
  ): Promise<Packed> {
    const out = into ?? new PackedBuilder(Math.min(100_000, Math.ceil((toMs - fromMs) / widthMs)));
    await this.rollupPages(key, widthMs, fromMs, toMs, (start, page) =>
      addRollupPage(out, widthMs, start, page, fromMs, toMs),
    );
    return out.finish();
  }

  /** The 1-h or 15-min rollups of [t.fromMs, t.toMs) into columns (rollup/columns.ts). */
  async rollupColumns(key: SeriesKey, t: ColumnTarget): Promise<void> {
    if (t.widthMs !== QUARTER_MS && t.widthMs !== HOUR_MS)
      throw new Error(`no column read for ${t.widthMs} ms`);
    await this.rollupPages(key, t.widthMs, t.fromMs, t.toMs, (start, page) => {
      if (t.widthMs === QUARTER_MS) compactPageInto(page, start, t);
      else packedPageInto(page, t);
    });
  }

  async count(key: SeriesKey, fromMs: number, toMs: number): Promise<number> {
    if (!(toMs > fromMs)) return 0;
    const series = await this.select(
      `SELECT count("s") FROM ${qualified(this.db, this.rp.raw, RAW_MEASUREMENT)} WHERE ${seriesWhere(key)} AND ${timeRange(fromMs, toMs)}`,
    );
    return (series[0]?.values[0]?.[1] as number | undefined) ?? 0;
  }

  async latest(
    factoryId: string,
    filter?: { deviceIds?: string[]; metrics?: string[] },
  ): Promise<LatestValue[]> {
    if (filter?.deviceIds?.length === 0 || filter?.metrics?.length === 0) return [];
    let where = `"factory" = ${quoteString(factoryId)}`;
    if (filter?.deviceIds) where += ` AND ${anyOf('device', filter.deviceIds)}`;
    if (filter?.metrics) where += ` AND ${anyOf('metric', filter.metrics)}`;
    const series = await this.select(
      `SELECT "k", "s", "t", "v" FROM ${qualified(this.db, this.rp.raw, RAW_MEASUREMENT)} WHERE ${where} GROUP BY "device", "metric" ORDER BY time DESC LIMIT 1`,
    );
    const out: LatestValue[] = [];
    for (const s of series) {
      const v = s.values[0];
      if (!v || !s.tags) continue;
      const r = toRawRow(v);
      out.push({ factoryId, deviceId: s.tags.device ?? '', metric: s.tags.metric ?? '', ...r });
    }
    return out;
  }

  async listSeries(factoryId: string): Promise<SeriesKey[]> {
    const series = await this.select(
      `SHOW SERIES ON ${quoteIdent(this.db)} FROM ${quoteIdent(RAW_MEASUREMENT)} WHERE "factory" = ${quoteString(factoryId)}`,
    );
    const out: SeriesKey[] = [];
    for (const s of series) {
      for (const [k] of s.values) {
        const tags = parseSeriesKey(String(k));
        if (tags.factory === factoryId && tags.device && tags.metric) {
          out.push({ factoryId, deviceId: tags.device, metric: tags.metric });
        }
      }
    }
    return out.sort((a, b) => (a.deviceId + '\u0000' + a.metric < b.deviceId + '\u0000' + b.metric ? -1 : 1));
  }
}

/** A stored rollup page into `out`: its buckets starting in [fromMs, toMs). */
function addRollupPage(
  out: PackedBuilder,
  widthMs: number,
  pageStartMs: number,
  page: Buffer,
  fromMs: number,
  toMs: number,
): void {
  if (widthMs === QUARTER_MS) decodeCompactPage(page, pageStartMs, widthMs, fromMs, toMs, out);
  else out.addPage(page, fromMs, toMs);
}

/** Indices of keys grouped by factory, in chunks of at most SERIES_PER_QUERY. */
function seriesChunks(keys: readonly SeriesKey[]): number[][] {
  const byFactory = new Map<string, number[]>();
  keys.forEach((k, i) => {
    const list = byFactory.get(k.factoryId);
    if (list) list.push(i);
    else byFactory.set(k.factoryId, [i]);
  });
  const chunks: number[][] = [];
  for (const idx of byFactory.values())
    for (let i = 0; i < idx.length; i += SERIES_PER_QUERY) chunks.push(idx.slice(i, i + SERIES_PER_QUERY));
  return chunks;
}

/** [time, k, s, t, v] → RawRow; the flags decide whether v and t belong to this point. */
function toRawRow(v: unknown[]): RawRow {
  const flags = (v[1] as number | null) ?? 0;
  return {
    tsMs: v[0] as number,
    value: flags & HAS_VALUE ? ((v[4] as number | null) ?? null) : null,
    status: (v[2] as number | null) ?? 0,
    text: flags & HAS_TEXT ? ((v[3] as string | null) ?? null) : null,
  };
}
