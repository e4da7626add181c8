import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Db } from '../registry/db.js';
import { AuditLog } from './audit.js';
import type { Principal, Role } from './principal.js';

/**
 * API tokens: `xg_<id>_<secret>` with a 32-byte random secret. Only SHA-256(secret) is stored — a salt or a
 * slow hash adds nothing for 256-bit random secrets — and it is compared in constant time after looking
 * the row up by the public id. A configured bootstrap token (checked for strength by the config schema) is
 * stored the same way under the id "bootstrap", and revoked when the configuration no longer names it.
 * Tokens created through the API expire after DEFAULT_TOKEN_TTL_MS unless the request names another time;
 * only the bootstrap tokens (configured or generated) never expire.
 */
const TOKEN_RE = /^xg_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
export const BOOTSTRAP_ID = 'bootstrap';
const GENERATED_NAME = 'bootstrap (generated)';
export const DEFAULT_TOKEN_TTL_MS = 90 * 24 * 3600 * 1000;
const SYSTEM = { actorTokenId: 'system', actorName: 'platform start' } as const;
/** The operator's copy of the generated admin token, in the data directory (mode 0600). */
export const ADMIN_TOKEN_FILE = 'admin-token';

export type BootstrapResult = {
  token: string;
  /** configured = XIANG_ADMIN_TOKEN / adminToken; kept = the generated token of an earlier start; new = generated now. */
  source: 'configured' | 'kept' | 'new';
};

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
  /** Token and settings changes (the API records its own; this store records bootstrap changes). */
  readonly audit: AuditLog;

  constructor(private readonly db: Db) {
    this.audit = new AuditLog(db);
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

  /**
   * Creates a token and returns its only plaintext copy. Without `expiresAtMs` it expires after
   * DEFAULT_TOKEN_TTL_MS; `null` (bootstrap tokens only, never from the API) means never.
   */
  create(
    scope: { name: string; role: Role; factories?: string[]; expiresAtMs?: number | null },
    nowMs = Date.now(),
  ): { token: string; info: TokenInfo } {
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const expiresAtMs = scope.expiresAtMs === undefined ? nowMs + DEFAULT_TOKEN_TTL_MS : scope.expiresAtMs;
    this.insert(id, { ...scope, expiresAtMs }, sha256(secret), nowMs);
    return { token: `xg_${id}_${secret}`, info: this.get(id)! };
  }

  /**
   * Installs the bootstrap admin token: the configured one (stored under the id "bootstrap"), or a generated
   * one. With `file` (the data directory's admin-token file) a generated token persists across starts: the
   * database keeps only its SHA-256, the file (mode 0600) keeps the operator's copy, and the next start reuses
   * it as long as the file's token still verifies — so restarting never invalidates the token in use. Without
   * the file (or when it no longer verifies) a fresh token replaces the previous generated one.
   */
  bootstrap(configured: string | undefined, opts: { file?: string; nowMs?: number } = {}): string {
    return this.bootstrapAdmin(configured, opts).token;
  }

  bootstrapAdmin(
    configured: string | undefined,
    opts: { file?: string; nowMs?: number } = {},
  ): BootstrapResult {
    const nowMs = opts.nowMs ?? Date.now();
    const previous = this.db.prepare('SELECT hash FROM api_tokens WHERE id = ?').get(BOOTSTRAP_ID) as
      | { hash: Buffer }
      | undefined;
    if (configured) {
      const hash = sha256(configured);
      if (previous?.hash.equals(hash)) return { token: configured, source: 'configured' };
      this.db.transaction(() => {
        this.db.prepare('DELETE FROM api_tokens WHERE id = ?').run(BOOTSTRAP_ID);
        this.insert(
          BOOTSTRAP_ID,
          { name: 'bootstrap (config)', role: 'admin', expiresAtMs: null },
          hash,
          nowMs,
        );
        this.audit.record({
          ...SYSTEM,
          atMs: nowMs,
          action: previous ? 'token.bootstrap.replace' : 'token.bootstrap.install',
          factoryId: null,
          target: BOOTSTRAP_ID,
          detail: { source: 'adminToken / XIANG_ADMIN_TOKEN' },
        });
      })();
      return { token: configured, source: 'configured' };
    }
    // The configuration no longer names a bootstrap token: the one it named stops working now.
    if (previous) {
      this.db.transaction(() => {
        this.db.prepare('DELETE FROM api_tokens WHERE id = ?').run(BOOTSTRAP_ID);
        this.audit.record({
          ...SYSTEM,
          atMs: nowMs,
          action: 'token.bootstrap.revoke',
          factoryId: null,
          target: BOOTSTRAP_ID,
          detail: { reason: 'adminToken / XIANG_ADMIN_TOKEN removed from the configuration' },
        });
      })();
    }
    const kept = opts.file ? this.keptAdminToken(opts.file, nowMs) : null;
    if (kept) return { token: kept, source: 'kept' };
    return { token: this.resetAdmin(opts.file, nowMs), source: 'new' };
  }

  /** The generated admin token from `file` when it is still the valid generated admin token, else null. */
  keptAdminToken(file: string, nowMs = Date.now()): string | null {
    if (!existsSync(file)) return null;
    const token = readFileSync(file, 'utf8').trim();
    const p = this.verify(token, nowMs);
    return p && p.role === 'admin' && p.name === GENERATED_NAME ? token : null;
  }

  /** Replaces the generated admin token (the old one stops working) and, with `file`, writes its copy there. */
  resetAdmin(file: string | undefined, nowMs = Date.now(), actorName: string = SYSTEM.actorName): string {
    const token = this.db.transaction(() => {
      this.db.prepare('DELETE FROM api_tokens WHERE name = ?').run(GENERATED_NAME);
      const created = this.create({ name: GENERATED_NAME, role: 'admin', expiresAtMs: null }, nowMs);
      this.audit.record({
        actorTokenId: 'system',
        actorName,
        atMs: nowMs,
        action: 'token.admin.generate',
        factoryId: null,
        target: created.info.id,
        detail: { name: GENERATED_NAME },
      });
      return created.token;
    })();
    if (file) {
      mkdirSync(path.dirname(file), { recursive: true });
      rmSync(file, { force: true }); // a new file gets mode 0600 even if an older copy was wider
      writeFileSync(file, `${token}\n`, { mode: 0o600 });
    }
    return token;
  }

  private insert(
    id: string,
    scope: { name: string; role: Role; factories?: string[]; expiresAtMs?: number | null },
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
