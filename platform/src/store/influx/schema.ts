import type { InfluxDB } from 'influx';
import { quoteIdent } from './influxql.js';
import type { RetentionNames } from './reader.js';

export type RetentionDurations = { raw: string; rollup1m: string; rollup15m: string; rollup1h: string };

/** InfluxDB reports durations like "2160h0m0s" and "0s" (= INF). */
function sameDuration(reported: string, wanted: string): boolean {
  const hours = (d: string): number => {
    if (d === 'INF' || d === '0s' || d === '0') return 0;
    const m = /^(\d+)([hdw])$/.exec(d);
    if (m) return Number(m[1]) * (m[2] === 'h' ? 1 : m[2] === 'd' ? 24 : 168);
    const h = /^(\d+)h/.exec(d);
    return h ? Number(h[1]) : Number.NaN;
  };
  return hours(reported) === hours(wanted);
}

/**
 * Database and retention policies, created or corrected on init (and again before a backlog drains, in
 * case InfluxDB was empty or unreachable at start). raw is the default policy.
 */
export class InfluxSchema {
  constructor(
    private readonly client: InfluxDB,
    private readonly db: string,
    private readonly names: RetentionNames,
    private readonly durations: RetentionDurations,
  ) {}

  async ensure(): Promise<void> {
    await this.client.queryRaw(`CREATE DATABASE ${quoteIdent(this.db)}`, { method: 'POST' });
    const existing = await this.client.showRetentionPolicies(this.db);
    const wanted: [name: string, duration: string, isDefault: boolean][] = [
      [this.names.raw, this.durations.raw, true],
      [this.names.rollup1m, this.durations.rollup1m, false],
      [this.names.rollup15m, this.durations.rollup15m, false],
      [this.names.rollup1h, this.durations.rollup1h, false],
    ];
    for (const [name, duration, isDefault] of wanted) {
      const have = existing.find((rp) => rp.name === name);
      const stmt = have ? 'ALTER' : 'CREATE';
      if (have && sameDuration(have.duration, duration) && have.default === isDefault) continue;
      await this.client.queryRaw(
        `${stmt} RETENTION POLICY ${quoteIdent(name)} ON ${quoteIdent(this.db)} DURATION ${duration} REPLICATION 1${isDefault ? ' DEFAULT' : ''}`,
        { method: 'POST' },
      );
    }
  }
}
