import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { InfluxDB } from 'influx';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { LOG_REDACT_PATHS, REDACTED } from './redact.js';

/**
 * The platform logger's redact paths (main.ts): an `influx` client error logged as `{ err }` carries its
 * request, whose raw header text holds `Authorization: Basic base64(user:password)`. A loopback server
 * answering 401 makes a real one. Without the paths the credentials reach the log line.
 */
async function influxError(password: string): Promise<unknown> {
  const server = http.createServer((_req, res) => {
    res.statusCode = 401;
    res.end('{"error":"authorization failed"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const client = new InfluxDB({
      host: '127.0.0.1',
      port: (server.address() as AddressInfo).port,
      username: 'admin',
      password,
      database: 'xiang',
      pool: { maxRetries: 0 },
    });
    return await client.query('SELECT 1').then(
      () => null,
      (e: unknown) => e,
    );
  } finally {
    server.close();
  }
}

function logged(err: unknown, redact: boolean): string {
  const lines: string[] = [];
  const log = pino(redact ? { redact: { paths: LOG_REDACT_PATHS, censor: REDACTED } } : {}, {
    write: (s: string) => lines.push(s),
  });
  log.error({ err }, 'query failed');
  return lines.join('');
}

describe('platform log redaction', () => {
  it('keeps the Basic credentials of an influx client error out of the log line, the message in', async () => {
    const password = 'pw-3d1f0c9a7b';
    const basic = Buffer.from(`admin:${password}`).toString('base64');
    const err = await influxError(password);
    expect(err).toBeInstanceOf(Error);
    expect(logged(err, false), 'the unredacted line would carry them').toContain(basic);
    const line = logged(err, true);
    expect(line).not.toContain(basic);
    expect(line).not.toContain(password);
    expect(line).toContain('401');
  });
});
