import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness, bearer } from '../../../tests/platform/api-harness.js';
import { cspOf, expectSafeHtml } from '../../../tests/platform/security-assert.js';

/**
 * Issue 14 item 5: every response carries security headers, and every HTML document a CSP under which no
 * script but the server's own files can run (the console's token is in this origin's localStorage).
 */

let h: ApiHarness;
beforeAll(async () => {
  h = await apiHarness();
});
afterAll(async () => h.close());

describe('security headers', () => {
  it('the console, /docs and its static index carry a strict CSP', async () => {
    for (const url of ['/', '/docs', '/docs/static/index.html']) {
      let res = await h.app.inject({ url });
      if (res.statusCode === 302) res = await h.app.inject({ url: String(res.headers.location) });
      expect(res.statusCode, url).toBe(200);
      expectSafeHtml(res);
    }
  });

  it('API JSON, problem+json and 404s carry the script-free, sandboxed default', async () => {
    const responses = [
      await h.app.inject({ url: '/healthz' }),
      await h.app.inject({ url: '/api/v1/factories' }),
      await h.app.inject({ url: '/api/v1/factories', headers: bearer(h.adminToken) }),
      await h.app.inject({ url: '/no/such/page' }),
    ];
    for (const res of responses) {
      const csp = cspOf(res);
      expect(csp.get('default-src'), res.body).toEqual(["'none'"]);
      expect(csp.has('script-src')).toBe(false);
      expect(csp.has('sandbox')).toBe(true);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    }
  });
});
