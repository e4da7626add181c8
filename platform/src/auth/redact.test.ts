import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactUrl } from './redact.js';

describe('redactUrl', () => {
  it('removes user:pass@ and secret query values, keeps the rest', () => {
    expect(redactUrl('mqtt://platform:s3cr%40t@10.0.0.5:1883')).toBe('mqtt://***@10.0.0.5:1883');
    expect(redactUrl('not connected to mqtts://u:p@broker:8883/x (ECONNREFUSED)')).toBe(
      'not connected to mqtts://***@broker:8883/x (ECONNREFUSED)',
    );
    expect(redactUrl('http://influx:8086/query?db=x&p=hunter2&u=admin')).toBe(
      'http://influx:8086/query?db=x&p=***&u=admin',
    );
    expect(redactUrl('mqtt://127.0.0.1:1883')).toBe('mqtt://127.0.0.1:1883');
  });

  it('property: no generated password survives in any URL, and URLs without credentials are unchanged', () => {
    const word = fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=%-]{1,24}$/);
    fc.assert(
      fc.property(
        fc.constantFrom('mqtt', 'mqtts', 'ws', 'wss', 'http', 'https', 'tcp'),
        word,
        fc.stringMatching(/^[A-Za-z0-9!$'()*+,;=%_~.-]{6,30}$/),
        fc.stringMatching(/^[a-z0-9.-]{1,20}$/),
        fc.integer({ min: 1, max: 65535 }),
        (scheme, user, password, host, port) => {
          const url = `${scheme}://${user}:${password}@${host}:${port}/`;
          const out = redactUrl(`failed: ${url} refused`);
          expect(out).not.toContain(`:${password}@`);
          expect(out).toContain(`${scheme}://***@${host}:${port}/`);
          const clean = `${scheme}://${host}:${port}/`;
          expect(redactUrl(clean)).toBe(clean);
        },
      ),
    );
  });
});
