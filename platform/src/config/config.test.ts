import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from './load.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-cfg-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function yaml(name: string, text: string): Promise<string> {
  const f = path.join(dir, name);
  await writeFile(f, text);
  return f;
}

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('platform config', () => {
  it('has working defaults: embedded store, local broker, port 8080', () => {
    const c = loadConfig({ env: {} });
    expect(c.http).toEqual({
      host: '127.0.0.1',
      port: 8080,
      allowInsecure: false,
      rateLimit: { perTokenPerMinute: 6000, authFailuresPerMinutePerIp: 20 },
    });
    expect(c.mqtt).toMatchObject({
      url: 'mqtt://127.0.0.1:1883',
      clientId: 'xiang-platform',
      protocolVersion: 5,
    });
    expect(c.store.influxUrl).toBeUndefined();
    expect(c.dataDir).toBe('./data');
    expect(c.ingest.parkMaxMessages).toBe(10_000);
    // Issue 8: `xiang serve` creates no factory from a birth unless told to; limits have safe defaults.
    expect(c.ingest.autoRegisterFactories).toBe(false);
    expect(c.ingest.limits).toMatchObject({ maxMetricsPerBirth: 20_000, maxBirthBytes: 4 * 1024 * 1024 });
  });

  it('agents enrol by their first birth unless XIANG_INGEST_AUTO_REGISTER_AGENTS=false', () => {
    expect(loadConfig({ env: {} }).ingest.autoRegisterAgents).toBe(true);
    const off = loadConfig({ env: { XIANG_INGEST_AUTO_REGISTER_AGENTS: 'false' } });
    expect(off.ingest.autoRegisterAgents).toBe(false);
  });

  it('XIANG_INGEST_AUTO_REGISTER_FACTORIES takes true or false, nothing else', () => {
    const on = loadConfig({ env: { XIANG_INGEST_AUTO_REGISTER_FACTORIES: 'true' } });
    expect(on.ingest.autoRegisterFactories).toBe(true);
    expect(() => loadConfig({ env: { XIANG_INGEST_AUTO_REGISTER_FACTORIES: 'yes' } })).toThrow(
      /ingest\.autoRegisterFactories \(env XIANG_INGEST_AUTO_REGISTER_FACTORIES\): expected true or false/,
    );
  });

  it('reads YAML, and env wins over the file', async () => {
    const f = await yaml(
      'ok.yaml',
      'http:\n  port: 9000\nmqtt:\n  url: mqtt://broker:1883\n  sharedGroup: platform\nstore:\n  influxUrl: http://influx:8086\nlogLevel: debug\n',
    );
    const c = loadConfig({ file: f, env: { XIANG_HTTP_PORT: '9100', XIANG_MQTT_CLIENT_ID: 'p-2' } });
    expect(c.http.port).toBe(9100);
    expect(c.mqtt).toMatchObject({ url: 'mqtt://broker:1883', sharedGroup: 'platform', clientId: 'p-2' });
    expect(c.store.influxUrl).toBe('http://influx:8086');
    expect(c.logLevel).toBe('debug');
  });

  it('XIANG_CONFIG names the file', async () => {
    const f = await yaml('env.yaml', 'dataDir: /var/lib/xiang\n');
    expect(loadConfig({ env: { XIANG_CONFIG: f } }).dataDir).toBe('/var/lib/xiang');
  });

  it('errors name the path of each bad value', async () => {
    const f = await yaml(
      'bad.yaml',
      'http:\n  port: 70000\nmqtt:\n  url: ftp://x\n  sharedGroup: "a/b"\nlogLevel: loud\n',
    );
    const issues = issuesOf(() => loadConfig({ file: f, env: {} }));
    expect(issues).toHaveLength(4);
    expect(issues.find((l) => l.startsWith('http.port:'))).toMatch(/65535/);
    expect(issues.find((l) => l.startsWith('mqtt.url:'))).toMatch(/mqtt:\/\//);
    expect(issues.find((l) => l.startsWith('mqtt.sharedGroup:'))).toMatch(/no spaces, "\/"/);
    expect(issues.find((l) => l.startsWith('logLevel:'))).toBeDefined();
  });

  it('errors from env values say which variable', () => {
    const issues = issuesOf(() =>
      loadConfig({ env: { XIANG_HTTP_PORT: 'eighty', XIANG_INFLUX_URL: 'influx:8086' } }),
    );
    expect(issues).toContain('http.port (env XIANG_HTTP_PORT): expected a number, got "eighty"');
    expect(issues.find((l) => l.startsWith('store.influxUrl (env XIANG_INFLUX_URL):'))).toMatch(/http:\/\//);
  });

  it('rejects unreadable and non-mapping files clearly', async () => {
    expect(issuesOf(() => loadConfig({ file: path.join(dir, 'missing.yaml'), env: {} }))[0]).toMatch(
      /cannot be read/,
    );
    const list = await yaml('list.yaml', '- a\n- b\n');
    expect(issuesOf(() => loadConfig({ file: list, env: {} }))).toEqual([
      '(root): expected a mapping of settings',
    ]);
    const broken = await yaml('broken.yaml', 'http: [\n');
    expect(issuesOf(() => loadConfig({ file: broken, env: {} }))[0]).toMatch(/not valid YAML/);
  });

  it('the documented example config is valid', () => {
    const example = path.resolve(import.meta.dirname, '../../docs/examples/platform.yaml');
    const c = loadConfig({ file: example, env: {} });
    expect(c.mqtt).toMatchObject({ username: 'xiang-platform', clientId: 'xiang-platform-1' });
    expect(c.ingest.rebirthMinIntervalMs).toBe(10_000);
  });

  it('a short or guessable bootstrap token is refused, saying why', () => {
    expect(issuesOf(() => parseConfig({ adminToken: 'secret' }))).toEqual([
      'adminToken: expected at least 24 characters, got 6 (use a random token, e.g. `openssl rand -base64 32`)',
    ]);
    // Issue 14: any 24-character string used to be accepted as an admin token.
    expect(issuesOf(() => parseConfig({ adminToken: 'x'.repeat(24) }))[0]).toMatch(
      /^adminToken: only 1 different characters/,
    );
    expect(issuesOf(() => parseConfig({ adminToken: 'abcdefghijklmnopqrstuvwxyz' }))[0]).toMatch(
      /consecutive characters/,
    );
    expect(issuesOf(() => parseConfig({ adminToken: 'Password1234Password1234' }))[0]).toMatch(
      /bits of entropy at most \(need 96\)/,
    );
    expect(parseConfig({ adminToken: 'k7Qp2xVb9LmZ4wRt8YcN3sJd6HfG' }).adminToken).toBe(
      'k7Qp2xVb9LmZ4wRt8YcN3sJd6HfG',
    );
  });
});
