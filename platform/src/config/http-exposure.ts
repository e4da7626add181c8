import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { ConfigError } from './load.js';
import type { HttpConfig } from './schema.js';

/** Addresses only this host can reach: 127.0.0.0/8, ::1 (and its IPv4-mapped form), "localhost". */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  if (isIPv4(v4)) return v4.startsWith('127.');
  return isIPv6(h) && /^(0{0,4}:){7}0{0,3}1$/.test(h);
}

/**
 * The startup guard: bearer tokens must not cross a network in clear. A non-loopback `http.host` needs
 * `http.tls` (the platform serves HTTPS) or an explicit `http.allowInsecure: true` (a TLS-terminating reverse
 * proxy in front, platform/docs/deploy.md). Throws a ConfigError naming the settings.
 */
export function assertHttpExposureAllowed(http: HttpConfig): void {
  if (http.tls || http.allowInsecure || isLoopbackHost(http.host)) return;
  throw new ConfigError('platform config', [
    `http.host: "${http.host}" is reachable from other hosts but http.tls is not set, so API tokens would ` +
      'cross the network in clear. Set http.tls.certFile and http.tls.keyFile (env XIANG_HTTP_TLS_CERT_FILE, ' +
      'XIANG_HTTP_TLS_KEY_FILE) to serve HTTPS, or http.allowInsecure: true (env XIANG_HTTP_ALLOW_INSECURE=true) ' +
      'only behind a TLS-terminating reverse proxy (platform/docs/deploy.md).',
  ]);
}

/** fastify's `https` option from `http.tls`: the PEM files read now, each unreadable one named. */
export function httpsOptions(
  http: HttpConfig,
): { cert: Buffer; key: Buffer; passphrase?: string } | undefined {
  const tls = http.tls;
  if (!tls) return undefined;
  const issues: string[] = [];
  const read = (file: string, at: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (e) {
      issues.push(`${at}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return Buffer.alloc(0);
    }
  };
  const cert = read(tls.certFile, 'http.tls.certFile');
  const key = read(tls.keyFile, 'http.tls.keyFile');
  if (issues.length > 0) throw new ConfigError('platform config', issues);
  return { cert, key, ...(tls.keyPassphrase ? { passphrase: tls.keyPassphrase } : {}) };
}
