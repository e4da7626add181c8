import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../registry/db.js';
import type { Principal, Role } from './principal.js';

/**
 * API tokens: `xg_<id>_<secret>` with a 32-byte random secret. Only SHA-256(secret) is stored — a salt or a
 * slow hash adds nothing for 256-bit random secrets — and it is compared in constant time after looking
 * the row up by the public id. A configured bootstrap token (any string ≥ 24 chars) is stored the same way
 * under the id "bootstrap".
 */
const TOKEN_RE = /^xg_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
export const BOOTSTRAP_ID = 'bootstrap';
const GENERATED_NAME = 'bootstrap (generated)';

export type TokenInfo = {
  id: string;
  name: string;
  role: Role;
  factories: string[];
  createdAtMs: number;
  lastUsedAtMs: number | null;
  expiresAtMs: number | null;
};

type Row = Omit<TokenInfo, 'factories'> & { factories: string; hash: Buffer };

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export class TokenStore {
  /** Throttles last-used writes to one per token per minute. */
  private readonly touched = new Map<string, number>();

  constructor(private readonly db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS api_tokens (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      role TEXT NOT NULL,
      factories TEXT NOT NULL,
      hash BLOB NOT NULL,
      createdAtMs INTEGER NOT NULL,
      lastUsedAtMs INTEGER,
      expiresAtMs INTEGER
    )`);
  }

  /** Creates a token and returns its only plaintext copy. */
  create(
    scope: { name: string; role: Role; factories?: string[]; expiresAtMs?: number },
    nowMs = Date.now(),
  ): { token: string; info: TokenInfo } {
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    this.insert(id, scope, sha256(secret), nowMs);
    return { token: `xg_${id}_${secret}`, info: this.get(id)! };
  }

  /**
   * Installs the bootstrap admin token: the configured one (stored under the id "bootstrap"), or — when none
   * is configured — a fresh generated one that replaces the previous generated one (its plaintext is only
   * ever printed at start).
   */
  bootstrap(configured: string | undefined, nowMs = Date.now()): string {
    return this.db.transaction(() => {
      if (configured) {
        this.db.prepare('DELETE FROM api_tokens WHERE id = ?').run(BOOTSTRAP_ID);
        this.insert(BOOTSTRAP_ID, { name: 'bootstrap (config)', role: 'admin' }, sha256(configured), nowMs);
        return configured;
      }
      this.db.prepare('DELETE FROM api_tokens WHERE name = ?').run(GENERATED_NAME);
      return this.create({ name: GENERATED_NAME, role: 'admin' }, nowMs).token;
    })();
  }

  private insert(
    id: string,
    scope: { name: string; role: Role; factories?: string[]; expiresAtMs?: number },
    hash: Buffer,
    nowMs: number,
  ): void {
    this.db
      .prepare(
        'INSERT INTO api_tokens (id, name, role, factories, hash, createdAtMs, expiresAtMs) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        id,
        scope.name,
        scope.role,
        JSON.stringify(scope.factories ?? []),
        hash,
        nowMs,
        scope.expiresAtMs ?? null,
      );
  }

  /** The principal behind a bearer token, or null when it is unknown, wrong or expired. */
  verify(token: string, nowMs = Date.now()): Principal | null {
    const m = TOKEN_RE.exec(token);
    let row = m ? this.matching(m[1]!, sha256(m[2]!)) : undefined;
    // A configured bootstrap token is any string, hashed whole.
    row ??= this.matching(BOOTSTRAP_ID, sha256(token));
    if (!row) return null;
    if (row.expiresAtMs !== null && row.expiresAtMs <= nowMs) return null;
    const last = this.touched.get(row.id) ?? 0;
    if (nowMs - last > 60_000) {
      this.touched.set(row.id, nowMs);
      this.db.prepare('UPDATE api_tokens SET lastUsedAtMs = ? WHERE id = ?').run(nowMs, row.id);
    }
    return {
      tokenId: row.id,
      name: row.name,
      role: row.role,
      factories: JSON.parse(row.factories) as string[],
    };
  }

  private matching(id: string, hash: Buffer): Row | undefined {
    const row = this.db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(id) as Row | undefined;
    if (!row || row.hash.length !== hash.length || !timingSafeEqual(row.hash, hash)) return undefined;
    return row;
  }

  get(id: string): TokenInfo | undefined {
    const r = this.db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(id) as Row | undefined;
    return r ? toInfo(r) : undefined;
  }

  list(): TokenInfo[] {
    return (this.db.prepare('SELECT * FROM api_tokens ORDER BY createdAtMs, id').all() as Row[]).map(toInfo);
  }

  revoke(id: string): boolean {
    this.touched.delete(id);
    return this.db.prepare('DELETE FROM api_tokens WHERE id = ?').run(id).changes > 0;
  }
}

function toInfo(r: Row): TokenInfo {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    factories: JSON.parse(r.factories) as string[],
    createdAtMs: r.createdAtMs,
    lastUsedAtMs: r.lastUsedAtMs,
    expiresAtMs: r.expiresAtMs,
  };
}
