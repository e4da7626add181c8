import { randomBytes } from 'node:crypto';

/**
 * Short-lived report links: a random 32-character key is the credential for a few minutes, so a browser tab can
 * open a printable HTML report without the Bearer token (which a link cannot carry). In memory, bounded in count;
 * expired links are dropped on the next issue. The report is a document of its own, served with REPORT_CSP.
 */
export const REPORT_LINK_TTL_MS = 10 * 60_000;
const MAX_LINKS = 1000;
export const REPORT_LINK_KEY = /^[A-Za-z0-9_-]{32}$/;

/** Inline CSS and SVG, no scripts, nothing loaded from anywhere. */
export const REPORT_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const REPORT_HEADERS: Record<string, string> = {
  'content-security-policy': REPORT_CSP,
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export class ReportLinks<T> {
  private readonly links = new Map<string, T & { expiresAtMs: number }>();

  issue(target: T, nowMs = Date.now()): { key: string; expiresAtMs: number } {
    for (const [k, l] of this.links)
      if (l.expiresAtMs <= nowMs || this.links.size >= MAX_LINKS) this.links.delete(k);
    const key = randomBytes(24).toString('base64url');
    const expiresAtMs = nowMs + REPORT_LINK_TTL_MS;
    this.links.set(key, { ...target, expiresAtMs });
    return { key, expiresAtMs };
  }

  /** The link's target while it is valid, else null. */
  resolve(key: string, nowMs = Date.now()): T | null {
    const l = this.links.get(key);
    return l && l.expiresAtMs > nowMs ? l : null;
  }
}
