import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';

/** The CSP directives of a response, by name (an independent parse, not the module's constants). */
export function cspOf(res: LightMyRequestResponse): Map<string, string[]> {
  const header = String(res.headers['content-security-policy'] ?? '');
  const out = new Map<string, string[]>();
  for (const part of header.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) out.set(name.toLowerCase(), values);
  }
  return out;
}

/** What every HTML response must satisfy: a CSP, no inline or foreign script, not framable, nosniff. */
export function expectSafeHtml(res: LightMyRequestResponse): void {
  expect(res.headers['content-type']).toMatch(/^text\/html/);
  const csp = cspOf(res);
  expect(csp.size, 'a Content-Security-Policy header').toBeGreaterThan(0);
  const script = csp.get('script-src') ?? csp.get('default-src');
  expect(script, 'script-src or default-src').toBeDefined();
  for (const v of script ?? []) expect(["'self'", "'none'"]).toContain(v);
  expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
  expect(csp.get('base-uri')).toBeDefined();
  expect(csp.get('object-src') ?? csp.get('default-src')).toBeDefined();
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['x-frame-options']).toBe('DENY');
}
