import type { SeriesKey } from '../types.js';

type SeriesHours = { key: SeriesKey; last: number; hours: Set<number> };

/**
 * The (series, hour) pairs one write touches, each once — what the journal marks dirty. Keyed by the series'
 * key string the write already has, with the last hour of each series checked first (consecutive points of a
 * series are mostly in one hour): no `${tags}|${hour}` string built and hashed per point, which the ingest
 * profile showed among the InfluxDB store's largest costs.
 */
export class DirtyMarks {
  private readonly series = new Map<string, SeriesHours>();

  add(seriesKey: string, key: SeriesKey, hourMs: number): void {
    const s = this.series.get(seriesKey);
    if (s === undefined) {
      this.series.set(seriesKey, { key, last: hourMs, hours: new Set([hourMs]) });
      return;
    }
    if (s.last === hourMs) return;
    s.last = hourMs;
    s.hours.add(hourMs);
  }

  /** Each touched (series, hour) once, series in first-write order, hours in first-touch order. */
  list(): [SeriesKey, number][] {
    const out: [SeriesKey, number][] = [];
    for (const s of this.series.values()) for (const h of s.hours) out.push([s.key, h]);
    return out;
  }
}
