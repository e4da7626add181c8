import { encodeCompactPage } from '../rollup/compact.js';
import { packSummaries } from '../rollup/pack.js';
import type { Summary } from '../rollup/summary.js';
import type { SeriesKey, StoredPoint } from '../types.js';

/**
 * InfluxDB 1.x line protocol for the store's measurements (schema in ../README.md).
 *
 * Written here rather than by the `influx` client's writePoints(): that serializer rewrites the first `\'`
 * of every string (text values would not round-trip) and sorts field keys per point. Series keys never
 * contain backslashes or control characters (engine/points.ts refuses them), so escaping `,`, `=` and
 * space is complete for tags.
 */

export const RAW_MEASUREMENT = 'points';
/** Rollup pages of format 2 (rollup/pack.ts); format-1 pages were in rollup_1m / rollup_15m / rollup_1h. */
export const ROLLUP_MEASUREMENT_1M = 'rollup_1m_v2';
export const ROLLUP_MEASUREMENT_15M = 'rollup_15m_v2';
export const ROLLUP_MEASUREMENT_1H = 'rollup_1h_v2';

/** Bit flags in field `k`: which optional fields belong to this point (a replaced point may leave stale ones). */
export const HAS_VALUE = 1;
export const HAS_TEXT = 2;

export function escapeTag(s: string): string {
  return s.replace(/[,= ]/g, (c) => `\\${c}`);
}

export function fieldString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Tags in sorted key order (device, factory, metric), as InfluxDB stores them. */
export function seriesTags(k: SeriesKey): string {
  return `device=${escapeTag(k.deviceId)},factory=${escapeTag(k.factoryId)},metric=${escapeTag(k.metric)}`;
}

/**
 * One raw point. `s` (status) and `k` (flags) are always written, so a later write of the same series and
 * time replaces everything that matters even though InfluxDB merges field sets: a value or text the new
 * point lacks is ignored on read because its flag is off.
 */
export function pointLine(p: StoredPoint, tags = seriesTags(p)): string {
  const hasText = p.text !== undefined && p.text !== null;
  let fields = `k=${(p.value !== null ? HAS_VALUE : 0) | (hasText ? HAS_TEXT : 0)}i,s=${p.status}i`;
  if (hasText) fields += `,t=${fieldString(p.text as string)}`;
  if (p.value !== null) fields += `,v=${p.value}`;
  return `${RAW_MEASUREMENT},${tags} ${fields} ${p.tsMs}`;
}

/** What every line of a series starts with: `points,<tags> ` (built once per series, not per point). */
export function pointLinePrefix(tags: string): string {
  return `${RAW_MEASUREMENT},${tags} `;
}

/**
 * pointLine(p, tags) given pointLinePrefix(tags) — the same text (property test `line-protocol.property.test.ts`)
 * with one concatenation for the common point (a number without text), where pointLine builds the fields
 * in three template strings.
 */
export function pointLineAfter(prefix: string, p: StoredPoint): string {
  if (p.value !== null && (p.text === undefined || p.text === null)) {
    return `${prefix}k=${HAS_VALUE}i,s=${p.status}i,v=${p.value} ${p.tsMs}`;
  }
  const hasText = p.text !== undefined && p.text !== null;
  let fields = `k=${(p.value !== null ? HAS_VALUE : 0) | (hasText ? HAS_TEXT : 0)}i,s=${p.status}i`;
  if (hasText) fields += `,t=${fieldString(p.text as string)}`;
  if (p.value !== null) fields += `,v=${p.value}`;
  return `${prefix}${fields} ${p.tsMs}`;
}

/**
 * A rollup page: the packed summaries (rollup/pack.ts, little-endian Float64, 22 per bucket) of one series
 * and day (rollup_1h: its hour buckets) or hour (rollup_1m: its minute buckets), base64 in field `p`, with
 * the bucket count in `buckets`. One row per page instead of one per bucket: InfluxDB's cost is per row and
 * per field value, and a year of hourly rollups is then 365 rows per series, not 8 760 × 13 values.
 * Both fields are written every time, so an overwrite replaces the whole page.
 */
export function rollupPageLine(
  measurement: string,
  tags: string,
  pageStartMs: number,
  summaries: readonly Summary[],
): string {
  return `${measurement},${tags} buckets=${summaries.length}i,p="${packSummaries(summaries).toString('base64')}" ${pageStartMs}`;
}

/**
 * A compact rollup page (rollup/compact.ts; the 15-min tier: one row per series and UTC day), base64 in
 * field `p`, with the bucket count in `buckets` — the same bytes the embedded store keeps.
 */
export function compactPageLine(
  measurement: string,
  tags: string,
  pageStartMs: number,
  widthMs: number,
  summaries: readonly Summary[],
): string {
  const page = encodeCompactPage(summaries, pageStartMs, widthMs).toString('base64');
  return `${measurement},${tags} buckets=${summaries.length}i,p="${page}" ${pageStartMs}`;
}

/** Splits a SHOW SERIES key ("points,device=a\,b,factory=F,metric=m") into its tags, honouring escapes. */
export function parseSeriesKey(key: string): Record<string, string> {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < key.length; i++) {
    const c = key[i] as string;
    if (c === '\\' && i + 1 < key.length) {
      cur += key[++i];
      continue;
    }
    if (c === ',') {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  parts.push(cur);
  const tags: Record<string, string> = {};
  // parts[0] is the measurement; tag values may contain "=" only escaped, which was unescaped above,
  // so split on the first "=" — tag keys here are plain words.
  for (const part of parts.slice(1)) {
    const eq = part.indexOf('=');
    if (eq > 0) tags[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return tags;
}
