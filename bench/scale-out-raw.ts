/**
 * The raw PostgreSQL limit of bench/scale-out.ts: the same points INSERTed into the same server by an async
 * `pg` client on one connection (no worker bridge, no platform), one transaction — one durable commit — per
 * message of `batch` points, as a platform committing each message on its own would at best.
 */
import type { PointTuple } from '@xiang/protocol';
import pg from 'pg';

export async function rawPostgres(
  url: string,
  points: number,
  batch: number,
  tuple: (n: number) => PointTuple,
): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('CREATE TABLE p (series INTEGER, ts BIGINT, v DOUBLE PRECISION, PRIMARY KEY (series, ts))');
    const t0 = Date.now();
    for (let n = 0; n < points; ) {
      const values: unknown[] = [];
      const rows: string[] = [];
      for (let k = 0; k < batch && n < points; k++, n++) {
        const [i, ts, v] = tuple(n);
        rows.push(`($${values.length + 1}, $${values.length + 2}, $${values.length + 3})`);
        values.push(i, ts, v);
      }
      await c.query('BEGIN');
      await c.query(
        `INSERT INTO p VALUES ${rows.join(', ')} ON CONFLICT (series, ts) DO UPDATE SET v = excluded.v`,
        values,
      );
      await c.query('COMMIT');
    }
    return points / ((Date.now() - t0) / 1000);
  } finally {
    await c.end();
  }
}
