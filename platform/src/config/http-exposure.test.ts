import { describe, expect, it } from 'vitest';
import { assertHttpExposureAllowed, isLoopbackHost } from './http-exposure.js';
import { ConfigError, loadConfig } from './load.js';
import { httpConfigSchema } from './schema.js';

const http = (o: object) => httpConfigSchema.parse(o);

describe('startup guard: no plain HTTP off loopback', () => {
  it('classifies loopback addresses', () => {
    for (const h of [
      '127.0.0.1',
      '127.1.2.3',
      'localhost',
      '::1',
      '[::1]',
      '::ffff:127.0.0.1',
      '0:0:0:0:0:0:0:1',
    ])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.10', 'platform', '10.0.0.1', '::ffff:10.0.0.1', '128.0.0.1'])
      expect(isLoopbackHost(h), h).toBe(false);
  });

  it('refuses a non-loopback host without TLS, naming both ways out', () => {
    expect(() => assertHttpExposureAllowed(http({ host: '0.0.0.0' }))).toThrow(ConfigError);
    try {
      assertHttpExposureAllowed(http({ host: '192.168.1.10' }));
    } catch (e) {
      expect((e as ConfigError).issues[0]).toMatch(
        /^http\.host: "192\.168\.1\.10" .*http\.tls\.certFile.*allowInsecure/,
      );
    }
  });

  it('allows loopback, TLS, or the explicit override (also from env)', () => {
    expect(() => assertHttpExposureAllowed(http({ host: '127.0.0.1' }))).not.toThrow();
    expect(() =>
      assertHttpExposureAllowed(http({ host: '0.0.0.0', tls: { certFile: 'c.pem', keyFile: 'k.pem' } })),
    ).not.toThrow();
    const c = loadConfig({ env: { XIANG_HTTP_HOST: '0.0.0.0', XIANG_HTTP_ALLOW_INSECURE: 'true' } });
    expect(() => assertHttpExposureAllowed(c.http)).not.toThrow();
    const d = loadConfig({ env: { XIANG_HTTP_HOST: '0.0.0.0' } });
    expect(() => assertHttpExposureAllowed(d.http)).toThrow(/allowInsecure/);
  });

  it('reads durability from config and env (default process)', () => {
    expect(loadConfig({ env: {} }).durability).toBe('process');
    expect(loadConfig({ env: { XIANG_DURABILITY: 'power' } }).durability).toBe('power');
    expect(() => loadConfig({ env: { XIANG_DURABILITY: 'disk' } })).toThrow(
      /durability \(env XIANG_DURABILITY\)/,
    );
  });
});
