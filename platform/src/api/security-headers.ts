import fastifyHelmet from '@fastify/helmet';
import type { ZodApp } from './types.js';

/**
 * Security headers on every response (helmet), with one Content-Security-Policy per kind of document. The
 * console's token lives in localStorage of this origin, so no HTML this server sends may run a script it did
 * not ship itself:
 *   - default (API JSON, problem+json, and any HTML a route renders — diagnosis and grading reports): no script
 *     at all, inline styles only (the printable reports carry their own <style>), and `sandbox`, which gives the
 *     document an opaque origin: even markup injected into a report could not read the console's storage;
 *   - the console (web/plugin.ts sets its own CONSOLE_CSP: `default-src 'self'`, no inline script or style);
 *   - /docs (Swagger UI, served from this server's own files): scripts and styles from 'self' only; Swagger UI
 *     sets element styles from script, which needs `style-src 'unsafe-inline'` but never inline script.
 */
export const DEFAULT_CSP_DIRECTIVES = {
  'default-src': ["'none'"],
  'style-src': ["'unsafe-inline'"],
  'img-src': ['data:'],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
  sandbox: [],
} as const;

export const DOCS_CSP = [
  "default-src 'self'",
  "base-uri 'none'",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export async function installSecurityHeaders(app: ZodApp): Promise<void> {
  await app.register(fastifyHelmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: Object.fromEntries(
        Object.entries(DEFAULT_CSP_DIRECTIVES).map(([k, v]) => [k, [...v]]),
      ) as Record<string, string[]>,
    },
    // Same-origin only: the console and the docs are this server's own pages.
    crossOriginResourcePolicy: { policy: 'same-origin' },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}
