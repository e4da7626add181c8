import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { launch, REPO, waitForOutput } from '../e2e/processes.js';
import { waitFor } from '../harness/ports.js';
import { type Service, startInflux, startMosquitto } from '../harness/services.js';
import { T0 } from './fixtures.js';
import { PlatformHarness } from './platform-harness.js';
import { TestAgent } from './test-agent.js';

/**
 * Issue 14: InfluxDB with auth enabled (as docker-compose runs it), a real influxd on loopback. `xiang serve`
 * takes the password from a file (XIANG_INFLUX_PASSWORD_FILE), ingest and queries go through, and the password
 * appears nowhere: not in any output line (debug log level), not in /metrics, /healthz or /readyz, neither in
 * clear nor as the Basic credentials (base64). Wrong or missing credentials stop the start with one line that
 * says which setting to fix and the config exit code 2 — no stack, no running platform piling up a backlog
 * it can never deliver (main started anyway and kept retrying with HTTP 401 behind a "ready" store check).
 */
const USER = 'xiang-admin';
const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
const influx = await startInflux({ auth: { username: USER, password: PASSWORD } });
const broker = influx ? await startMosquitto() : null;
const h = new PlatformHarness();
const ADMIN = `admin-${randomBytes(16).toString('hex')}`;

afterAll(async () => {
  await h.dispose();
  await broker?.dispose();
  await influx?.dispose();
});

const BIN = path.join(REPO, 'platform/bin/xiang.js');

async function serve(env: Record<string, string>) {
  const dataDir = await h.tempDir('xiang-influx-auth-');
  return launch(process.execPath, [BIN, 'serve'], {
    XIANG_DATA_DIR: dataDir,
    XIANG_HTTP_HOST: '127.0.0.1',
    XIANG_HTTP_PORT: '0',
    XIANG_MQTT_URL: (broker as Service).url,
    XIANG_MQTT_CLIENT_ID: `influx-auth-${randomBytes(3).toString('hex')}`,
    XIANG_INFLUX_URL: (influx as Service).url,
    XIANG_INGEST_AUTO_REGISTER_FACTORIES: 'true',
    XIANG_ADMIN_TOKEN: ADMIN,
    XIANG_LOG_LEVEL: 'debug',
    ...env,
  });
}

/** The password and the Basic credentials carrying it: neither may appear in anything the platform shows. */
const secrets = (password: string) => [
  password,
  Buffer.from(`${USER}:${password}`).toString('base64'),
  encodeURIComponent(password),
];

function expectNoSecret(text: string, password: string, where: string): void {
  for (const s of secrets(password))
    expect(text.includes(s), `${where} contains the InfluxDB password`).toBe(false);
}

async function passwordFile(content: string): Promise<string> {
  const file = path.join(await h.tempDir('xiang-influx-secret-'), 'influx-password');
  await writeFile(file, `${content}\n`, { mode: 0o600 });
  return file;
}

describe.skipIf(!influx || !broker)('InfluxDB with auth enabled', () => {
  it('password from a file: ingest and queries work, the password is in no log line, metric or health answer', {
    timeout: 300_000,
  }, async () => {
    const p = await serve({
      XIANG_INFLUX_USERNAME: USER,
      XIANG_INFLUX_PASSWORD_FILE: await passwordFile(PASSWORD),
    });
    try {
      const url = (await waitForOutput(p, /API:\s+(http:\/\/\S+)\/api\/v1/, 'xiang serve URL'))[1] as string;
      await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 'platform ready', 60_000, 100);
      const agent = await TestAgent.connect((broker as Service).url, { factoryId: 'F1', agentId: 'A1' });
      await agent.birth();
      for (let b = 0; b < 10; b++) await agent.data([[0, T0 + b * 60_000, 100 + b]]);
      await agent.end();
      const auth = { authorization: `Bearer ${ADMIN}` };
      let last = '';
      const raw = async () => {
        const res = await fetch(
          `${url}/api/v1/factories/F1/timeseries/raw?series=M0:activePower&from=${T0}&to=${T0 + 3_600_000}`,
          { headers: auth },
        );
        last = `${res.status} ${(await res.clone().text()).slice(0, 500)}`;
        return res.ok ? ((await res.json()) as { series: { points: unknown[] }[] }) : null;
      };
      const got = await waitFor(
        async () => {
          const r = await raw();
          return r && (r.series[0]?.points.length ?? 0) === 10 ? r : null;
        },
        '10 points queried back from InfluxDB',
        60_000,
        200,
      ).catch(async (e: Error) => {
        const stats = await (await fetch(`${url}/api/v1/ingest/stats`, { headers: auth })).text();
        const ready = await (await fetch(`${url}/readyz`, { headers: auth })).text();
        throw new Error(`${e.message}\nlast answer: ${last}\n${stats}\n${ready}\n${p.output().slice(-3000)}`);
      });
      expect(got.series[0]?.points.length).toBe(10);
      // Really in InfluxDB (with the credentials), not only in the platform's write-ahead backlog.
      const q = new URLSearchParams({ db: 'xiang', q: 'SELECT count("s") FROM "points"' });
      const direct = await fetch(`${(influx as Service).url}/query?${q}`, {
        headers: { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` },
      });
      const counted = (await direct.json()) as { results: { series?: { values: unknown[][] }[] }[] };
      expect(counted.results[0]?.series?.[0]?.values[0]?.[1], JSON.stringify(counted)).toBe(10);
      const anonymous = await fetch(`${(influx as Service).url}/query?${q}`);
      expect(anonymous.status, 'the test InfluxDB really requires auth').toBe(401);

      for (const route of ['/metrics', '/healthz', '/readyz']) {
        const text = await (await fetch(`${url}${route}`)).text();
        expectNoSecret(text, PASSWORD, route);
      }
      const adminReady = await (await fetch(`${url}/readyz`, { headers: auth })).text();
      expectNoSecret(adminReady, PASSWORD, '/readyz (admin)');

      // The password rotated in InfluxDB and not yet in the platform: a query fails with InfluxDB's 401, and
      // the error logged carries no credentials (the influx client's error holds its request, whose raw
      // header text has `Authorization: Basic base64(user:password)`; logged as is on main).
      const rotated = `pw-${randomBytes(12).toString('hex')}`;
      const alter = await fetch(`${(influx as Service).url}/query`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` },
        body: new URLSearchParams({ q: `SET PASSWORD FOR "${USER}" = '${rotated}'` }),
      });
      expect(alter.status).toBe(200);
      const failed = await fetch(
        `${url}/api/v1/factories/F1/timeseries/raw?series=M0:activePower&from=${T0}&to=${T0 + 3_600_000}`,
        { headers: auth },
      );
      expect(failed.status, await failed.clone().text()).toBeGreaterThanOrEqual(500);
      expectNoSecret(await failed.text(), PASSWORD, 'the failed query answer');
      await waitFor(() => /"level":50/.test(p.output()), 'the failed query logged');
      const stopped = await p.signal('SIGTERM');
      expect(stopped.code, p.output().slice(-2000)).toBe(0);
      expect(p.output()).toMatch(/platform started/);
      expectNoSecret(p.output(), PASSWORD, 'xiang serve output');
    } finally {
      await p.signal('SIGKILL').catch(() => {});
    }
  });

  it('a wrong password stops the start with one line naming the user and the settings, exit code 2', {
    timeout: 120_000,
  }, async () => {
    const wrong = `wrong-${randomBytes(8).toString('hex')}`;
    const p = await serve({
      XIANG_INFLUX_USERNAME: USER,
      XIANG_INFLUX_PASSWORD_FILE: await passwordFile(wrong),
    });
    const code = await p.exited;
    const out = p.output();
    expect(code, out).toBe(2);
    expect(out).toMatch(
      /xiang serve: InfluxDB at http:\/\/127\.0\.0\.1:\d+ refused the credentials of user "xiang-admin" \(HTTP 401: wrong user or password\): set store\.influx\.username .*XIANG_INFLUX_PASSWORD_FILE/,
    );
    expect(out, 'no stack trace').not.toMatch(/^\s+at /m);
    expect(out).not.toMatch(/platform started/);
    expectNoSecret(out, wrong, 'xiang serve output');
  });

  it('no credentials against an auth-enabled InfluxDB: a specific line, exit code 2', {
    timeout: 120_000,
  }, async () => {
    const p = await serve({});
    const code = await p.exited;
    const out = p.output();
    expect(code, out).toBe(2);
    expect(out).toMatch(/InfluxDB at http:\/\/127\.0\.0\.1:\d+ requires authentication \(HTTP 401\)/);
    expect(out).not.toMatch(/^\s+at /m);
  });

  it('an unreadable password file is named (and the platform does not start)', {
    timeout: 120_000,
  }, async () => {
    const p = await serve({
      XIANG_INFLUX_USERNAME: USER,
      XIANG_INFLUX_PASSWORD_FILE: '/nonexistent/influx-pw',
    });
    const code = await p.exited;
    expect(code, p.output()).toBe(2);
    expect(p.output()).toMatch(/store\.influx\.passwordFile: cannot read \/nonexistent\/influx-pw: ENOENT/);
  });
});
