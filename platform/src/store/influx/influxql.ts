import type { SeriesKey } from '../types.js';

/**
 * InfluxQL literals. Every id that reaches a query goes through these — never concatenated raw.
 * The `influx` client's escape.stringLit does not escape backslashes, so a value ending in "\" would
 * swallow the closing quote; these follow the InfluxQL scanner (\\, \', \", \n are its escapes).
 */
export function quoteString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

export function quoteIdent(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** "db"."rp"."measurement" */
export function qualified(db: string, rp: string, measurement: string): string {
  return `${quoteIdent(db)}.${quoteIdent(rp)}.${quoteIdent(measurement)}`;
}

export function seriesWhere(k: SeriesKey): string {
  return `"factory" = ${quoteString(k.factoryId)} AND "device" = ${quoteString(k.deviceId)} AND "metric" = ${quoteString(k.metric)}`;
}

/** Half-open time range in epoch ms (negative bounds clamp to 0: no point is stored before 1970). */
export function timeRange(fromMs: number, toMs: number): string {
  return `time >= ${Math.max(0, Math.trunc(fromMs))}ms AND time < ${Math.max(0, Math.trunc(toMs))}ms`;
}

/** `"tag" = 'a' OR "tag" = 'b'` in parentheses. */
export function anyOf(tag: string, values: readonly string[]): string {
  return `(${values.map((v) => `${quoteIdent(tag)} = ${quoteString(v)}`).join(' OR ')})`;
}
