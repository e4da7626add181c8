import { randomBytes } from 'node:crypto';

/**
 * One-time sign-in links for the console: `npm start` prints `<url>/#once=<code>`, the page takes the code out
 * of its address at once (history.replaceState) and trades it here for the token it stands for, so the printed
 * URL opens on the energy overview without the token itself ever being printed, logged or kept in the browser's
 * history. A code is 192 random bits, works once, and only in this process for `ttlMs`; the fragment never
 * reaches the server's request log (browsers do not send it).
 */
export const SIGNIN_LINK_TTL_MS = 24 * 3600_000;
/** Codes kept at most (each start prints one; an API caller minting in a loop cannot grow memory). */
const MAX_OUTSTANDING = 16;

export class SignInLinks {
  private readonly codes = new Map<string, { token: string; expiresMs: number }>();

  constructor(
    private readonly ttlMs = SIGNIN_LINK_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new one-time code standing for `token`. */
  mint(token: string): string {
    this.prune();
    while (this.codes.size >= MAX_OUTSTANDING) this.codes.delete(this.codes.keys().next().value as string);
    const code = randomBytes(24).toString('base64url');
    this.codes.set(code, { token, expiresMs: this.now() + this.ttlMs });
    return code;
  }

  /** The token a code stands for — once: the code is spent whether or not it was still valid. */
  redeem(code: string): string | null {
    const hit = this.codes.get(code);
    this.codes.delete(code);
    return hit && hit.expiresMs > this.now() ? hit.token : null;
  }

  private prune(): void {
    const now = this.now();
    for (const [k, v] of this.codes) if (v.expiresMs <= now) this.codes.delete(k);
  }
}

/** The console's address signing its visitor in with a one-time code (`#once=`: consumed by app.js). */
export const signInUrl = (baseUrl: string, code: string): string => `${baseUrl}/#once=${code}`;
