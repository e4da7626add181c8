import { RejectedWriteError } from './writer.js';

export type WriteTarget = { writeUrl: URL; database: string; authHeader?: string; timeoutMs: number };

/** Where writes go, from the configured URL (credentials in the URL or given separately). */
export function writeTarget(
  url: string,
  database: string,
  username: string | undefined,
  password: string | undefined,
  timeoutMs: number,
): WriteTarget {
  const u = new URL(url);
  const base = `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
  return {
    writeUrl: new URL(`${base}/write`),
    database,
    ...(username !== undefined
      ? { authHeader: `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}` }
      : {}),
    timeoutMs,
  };
}

/**
 * POSTs line protocol to /write with ms precision. HTTP 400 means InfluxDB refused the data (a partial write
 * reports how many points it dropped): RejectedWriteError, never retried. Anything else — refused
 * connection, timeout, 5xx, 401, 404 database not found — counts as unreachable and is retried by the writer.
 */
export async function postLines(t: WriteTarget, rp: string, body: string | Buffer): Promise<void> {
  const url = new URL(t.writeUrl);
  url.searchParams.set('db', t.database);
  url.searchParams.set('rp', rp);
  url.searchParams.set('precision', 'ms');
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      ...(t.authHeader ? { authorization: t.authHeader } : {}),
    },
    signal: AbortSignal.timeout(t.timeoutMs),
  });
  if (res.status === 204 || res.status === 200) {
    await res.arrayBuffer().catch(() => undefined);
    return;
  }
  const text = await res.text().catch(() => '');
  if (res.status === 400) {
    const dropped = Number(/dropped=(\d+)/.exec(text)?.[1] ?? String(body).split('\n').length);
    throw new RejectedWriteError(
      `InfluxDB refused ${dropped} point(s): ${text.trim().slice(0, 300)}`,
      dropped,
    );
  }
  throw new Error(`InfluxDB write answered HTTP ${res.status}: ${text.trim().slice(0, 300)}`);
}
