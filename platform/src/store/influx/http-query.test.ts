import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvRows, InfluxQueryError, queryTarget, selectTimeAndField } from './http-query.js';
import { writeTarget } from './http-write.js';

/*
 * The CSV read of rollup pages against canned InfluxDB answers (a loopback server): the rows as JSON would
 * give them, CRLF and empty fields, the server's error line, HTTP errors, and a server answering JSON anyway.
 * (Against a real influxd the CSV path is exercised by every rollup read of influx.int.test.ts.)
 */
let answer: { status: number; type: string; body: string } = { status: 200, type: 'text/csv', body: '' };
let seen: { accept?: string; auth?: string; q?: string; url?: string } = {};
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => {
    body += c;
  });
  req.on('end', () => {
    seen = {
      accept: req.headers.accept,
      auth: req.headers.authorization,
      q: new URLSearchParams(body).get('q') ?? undefined,
      url: req.url,
    };
    res.writeHead(answer.status, { 'content-type': answer.type });
    res.end(answer.body);
  });
});
let url = '';
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const Q = `SELECT "p" FROM "db"."rp"."m" WHERE "device" = 'a,b' LIMIT 5`;

describe('selectTimeAndField', () => {
  it('asks for CSV with the query, database, epoch ms and credentials, and reads [time, field] rows', async () => {
    answer = {
      status: 200,
      type: 'text/csv',
      body: 'name,tags,time,p\nm,,1735603200000,AkAA+/=\r\nm,,1735689600000,\nm,,1735776000000,Ag==\n',
    };
    const t = queryTarget(writeTarget(`${url}/base/`, 'my db', 'u', 'p:w', 5_000));
    expect(await selectTimeAndField(t, Q)).toEqual([
      [1735603200000, 'AkAA+/='],
      [1735689600000, ''],
      [1735776000000, 'Ag=='],
    ]);
    expect(seen.accept).toBe('application/csv');
    expect(seen.q).toBe(Q);
    expect(seen.url).toBe('/base/query?db=my+db&epoch=ms');
    expect(seen.auth).toBe(`Basic ${Buffer.from('u:p:w').toString('base64')}`);
  });

  it('no rows: an empty answer', async () => {
    answer = { status: 200, type: 'text/csv', body: '' };
    expect(
      await selectTimeAndField(queryTarget(writeTarget(url, 'db', undefined, undefined, 5_000)), Q),
    ).toEqual([]);
    expect(seen.auth).toBeUndefined();
  });

  it("InfluxDB's error line, an HTTP error and an unreachable server are InfluxQueryErrors naming the cause", async () => {
    const t = queryTarget(writeTarget(url, 'db', undefined, undefined, 5_000));
    answer = { status: 200, type: 'text/csv', body: 'error\n"error parsing query: found bad"\n' };
    await expect(selectTimeAndField(t, Q)).rejects.toThrow(/found bad/);
    answer = { status: 200, type: 'text/csv', body: 'error\n"measurement not found: 设备\'1"\n' };
    await expect(selectTimeAndField(t, Q)).rejects.toThrow(/not found: 设备'1/);
    answer = { status: 401, type: 'application/json', body: '{"error":"authorization failed"}' };
    await expect(selectTimeAndField(t, Q)).rejects.toThrow(/HTTP 401.*authorization failed/);
    await expect(selectTimeAndField(t, Q)).rejects.toBeInstanceOf(InfluxQueryError);
    const down = queryTarget(writeTarget('http://127.0.0.1:1', 'db', undefined, undefined, 5_000));
    await expect(selectTimeAndField(down, Q)).rejects.toBeInstanceOf(InfluxQueryError);
  });

  it('a server answering JSON anyway is read as JSON (rows and statement errors)', async () => {
    const t = queryTarget(writeTarget(url, 'db', undefined, undefined, 5_000));
    answer = {
      status: 200,
      type: 'application/json',
      body: JSON.stringify({
        results: [{ series: [{ name: 'm', columns: ['time', 'p'], values: [[5, 'AA==']] }] }],
      }),
    };
    expect(await selectTimeAndField(t, Q)).toEqual([[5, 'AA==']]);
    answer = {
      status: 200,
      type: 'application/json',
      body: JSON.stringify({ results: [{ error: 'boom' }] }),
    };
    await expect(selectTimeAndField(t, Q)).rejects.toThrow(/boom/);
  });
});

describe('csvRows (the CSV answer sliced off the bytes)', () => {
  const fail = (why: string) => new InfluxQueryError(why);
  /** Oracle: the whole body as one string, split into lines and at commas. */
  const plain = (body: string): unknown[][] =>
    body
      .split('\n')
      .slice(1)
      .map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
      .filter((l) => l.length > 0)
      .map((l) => {
        const f = l.split(',');
        return [Number(f[f.length - 2]), f[f.length - 1]];
      });
  const b64 = fc.string({
    unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/='),
    maxLength: 40,
  });
  const line = fc.tuple(fc.constantFrom('m', 'rollup_15m_v2'), fc.nat(), b64, fc.constantFrom('\n', '\r\n'));

  it('gives the rows a plain split gives, for any lines, line ends and empty lines', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(line, fc.constant(null)), { maxLength: 30 }), (lines) => {
        const body = `name,tags,time,p\n${lines.map((l) => (l ? `${l[0]},,${l[1]},${l[2]}${l[3]}` : '\n')).join('')}`;
        expect(csvRows(Buffer.from(body, 'latin1'), fail)).toEqual(plain(body));
        // Rollup pages: the field decoded from base64 on the spot.
        expect(csvRows(Buffer.from(body, 'latin1'), fail, true)).toEqual(
          plain(body).map(([t, f]) => [t, Buffer.from(String(f), 'base64')]),
        );
      }),
    );
  });

  it('a line without time and field is an error naming it; a header alone is no rows', () => {
    expect(() => csvRows(Buffer.from('name,tags,time,p\nm,,1,AA==\nbroken\n'), fail)).toThrow(
      /unexpected CSV line: broken/,
    );
    expect(() => csvRows(Buffer.from('name,tags,time,p\nx,AA==\n'), fail)).toThrow(/unexpected CSV line/);
    expect(csvRows(Buffer.from('name,tags,time,p\n'), fail)).toEqual([]);
    expect(csvRows(Buffer.from('name,tags,time,p'), fail)).toEqual([]);
  });
});
