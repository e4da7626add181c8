import http from 'node:http';
import https from 'node:https';
import type { WriteTarget } from './http-write.js';

export class InfluxQueryError extends Error {
  override name = 'InfluxQueryError';
}

export type QueryTarget = { queryUrl: URL; database: string; authHeader?: string; timeoutMs: number };

/** Where queries go: next to /write, with the same database, credentials and timeout. */
export function queryTarget(w: WriteTarget): QueryTarget {
  return {
    queryUrl: new URL(w.writeUrl.href.replace(/\/write$/, '/query')),
    database: w.database,
    ...(w.authHeader ? { authHeader: w.authHeader } : {}),
    timeoutMs: w.timeoutMs,
  };
}

/**
 * A SELECT of one series' [time, field] rows — the field never holding a comma, quote or line break (rollup
 * pages are base64) — answered as CSV (`Accept: application/csv`) instead of JSON. Measured on a year of
 * 15-min rollup pages (27 MB, 113 series): InfluxDB spends about half the CPU encoding CSV that it spends on
 * JSON for these long strings, and the rows are sliced off each line instead of parsed. A server that answers
 * JSON anyway (no CSV support) is read as JSON.
 */
export async function selectTimeAndField(t: QueryTarget, query: string): Promise<unknown[][]> {
  const url = new URL(t.queryUrl);
  url.searchParams.set('db', t.database);
  url.searchParams.set('epoch', 'ms');
  let res: { status: number; type: string; body: Buffer };
  try {
    res = await post(url, `q=${encodeURIComponent(query)}`, t);
  } catch (e) {
    throw new InfluxQueryError(`InfluxDB query failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  // Rows are ASCII (base64, digits): latin1 makes one-byte strings without UTF-8 validation (measured 1.7 s of
  // CPU for utf8 over a year of 200 meters' pages). Messages and JSON may hold any text: UTF-8.
  const csv = res.status === 200 && res.type.includes('csv');
  const text = res.body.toString(csv ? 'latin1' : 'utf8');
  const fail = (why: string) =>
    new InfluxQueryError(
      `InfluxDB query failed: ${why.trim().slice(0, 300)} — query: ${query.slice(0, 300)}`,
    );
  if (res.status !== 200) throw fail(`HTTP ${res.status}: ${text}`);
  if (!csv) return jsonRows(text, fail);
  if (text.startsWith('error')) throw fail(res.body.toString('utf8', text.indexOf('\n') + 1));
  const rows: unknown[][] = [];
  let at = text.indexOf('\n') + 1; // past the header name,tags,time,<field>
  if (at === 0) return rows;
  while (at < text.length) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    const line = text.charCodeAt(end - 1) === 13 ? text.slice(at, end - 1) : text.slice(at, end);
    at = end + 1;
    if (line.length === 0) continue;
    const last = line.lastIndexOf(',');
    const prev = line.lastIndexOf(',', last - 1);
    if (prev < 0) throw fail(`unexpected CSV line: ${line.slice(0, 100)}`);
    rows.push([Number(line.slice(prev + 1, last)), line.slice(last + 1)]);
  }
  return rows;
}

/**
 * POST through node:http (keep-alive global agent): measured on 117 MB of rollup pages, fetch() cost about 1.5 s
 * more CPU than reading the same answers with http.request.
 */
function post(
  url: URL,
  body: string,
  t: QueryTarget,
): Promise<{ status: number; type: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request(
      url,
      {
        method: 'POST',
        headers: {
          accept: 'application/csv',
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          ...(t.authHeader ? { authorization: t.authHeader } : {}),
        },
        timeout: t.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${t.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

function jsonRows(text: string, fail: (why: string) => Error): unknown[][] {
  const r = JSON.parse(text) as {
    results?: { series?: { values: unknown[][] }[]; error?: string }[];
    error?: string;
  };
  const err = r.error ?? r.results?.[0]?.error;
  if (err) throw fail(err);
  return r.results?.[0]?.series?.[0]?.values ?? [];
}
