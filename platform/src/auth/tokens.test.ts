import { describe, expect, it } from 'vitest';
import { openPlatformDb } from '../registry/db.js';
import { canRead, canWrite, visibleFactories } from './principal.js';
import { DEFAULT_TOKEN_TTL_MS, TokenStore } from './tokens.js';

const store = () => new TokenStore(openPlatformDb(':memory:'));

describe('API tokens', () => {
  it('creates xg_<id>_<secret> tokens and verifies them to their principal', () => {
    const t = store();
    const { token, info } = t.create({ name: 'F1 energy', role: 'factory', factories: ['F1', 'F3'] });
    expect(token).toMatch(/^xg_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(t.verify(token)).toEqual({
      tokenId: info.id,
      name: 'F1 energy',
      role: 'factory',
      factories: ['F1', 'F3'],
    });
    // One character off in the secret, or someone else's id with this secret: nothing.
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    expect(t.verify(token.slice(0, -1) + last)).toBeNull();
    const other = t.create({ name: 'x', role: 'admin' });
    // base64url secrets may contain '_': the secret is everything after the id.
    expect(t.verify(`xg_${other.info.id}_${token.split('_').slice(2).join('_')}`)).toBeNull();
    expect(t.verify('')).toBeNull();
  });

  it("secrets containing '_' or '-' verify (base64url; the CI run of 2026-12-04 met one)", () => {
    const t = store();
    // Each 43-character secret holds an '_' with probability ≈ 0.49, so 40 tokens miss one with p ≈ 2^-39.
    const tokens = Array.from({ length: 40 }, (_, i) => t.create({ name: `t${i}`, role: 'admin' }));
    const withUnderscore = tokens.filter(({ token }) => token.slice(16).includes('_'));
    expect(withUnderscore.length).toBeGreaterThan(0);
    for (const { token, info } of tokens) expect(t.verify(token)?.tokenId).toBe(info.id);
  });

  it('a configured bootstrap token is revoked once the configuration no longer names it (issue 14)', () => {
    const t = store();
    const configured = 'a-configured-admin-token-0123456789';
    expect(t.bootstrap(configured, { nowMs: 1000 })).toBe(configured);
    expect(t.verify(configured)?.role).toBe('admin');
    expect(t.bootstrap(configured, { nowMs: 2000 })).toBe(configured); // restart with the same config
    const g1 = t.bootstrap(undefined, { nowMs: 3000 }); // adminToken removed from the config
    expect(t.verify(configured)).toBeNull();
    const g2 = t.bootstrap(undefined, { nowMs: 4000 });
    expect(t.verify(g1)).toBeNull();
    expect(t.verify(g2)?.role).toBe('admin');
    expect(t.list().map((i) => [i.name, i.expiresAtMs])).toEqual([['bootstrap (generated)', null]]);
    // Who, what, when: installed once (not at every restart), revoked, two generated admin tokens.
    expect(
      t.audit
        .list({ limit: 10 })
        .map((e) => [e.atMs, e.actorTokenId, e.action])
        .reverse(),
    ).toEqual([
      [1000, 'system', 'token.bootstrap.install'],
      [3000, 'system', 'token.bootstrap.revoke'],
      [3000, 'system', 'token.admin.generate'],
      [4000, 'system', 'token.admin.generate'],
    ]);
  });

  it('tokens created without an expiry expire after the default; last use is recorded', () => {
    const t = store();
    const now = 1_700_000_000_000;
    const { token, info } = t.create({ name: 'inspector', role: 'inspector', factories: ['F1'] }, now);
    expect(info.expiresAtMs).toBe(now + DEFAULT_TOKEN_TTL_MS);
    expect(info.lastUsedAtMs).toBeNull();
    expect(t.verify(token, now + 5000)).not.toBeNull();
    expect(t.get(info.id)?.lastUsedAtMs).toBe(now + 5000);
    expect(t.verify(token, now + DEFAULT_TOKEN_TTL_MS - 1)).not.toBeNull();
    expect(t.verify(token, now + DEFAULT_TOKEN_TTL_MS)).toBeNull();
  });

  it('expired and revoked tokens are refused', () => {
    const t = store();
    const now = 1_700_000_000_000;
    const { token, info } = t.create(
      { name: 'short', role: 'inspector', factories: ['F1'], expiresAtMs: now + 1000 },
      now,
    );
    expect(t.verify(token, now + 999)).not.toBeNull();
    expect(t.verify(token, now + 1000)).toBeNull();
    const k = t.create({ name: 'k', role: 'admin' });
    expect(t.revoke(k.info.id)).toBe(true);
    expect(t.verify(k.token)).toBeNull();
    expect(t.revoke(info.id)).toBe(true);
    expect(t.revoke(info.id)).toBe(false);
  });
});

describe('roles', () => {
  const admin = { tokenId: 'a', name: 'a', role: 'admin' as const, factories: [] };
  const factory = { tokenId: 'f', name: 'f', role: 'factory' as const, factories: ['F1'] };
  const inspector = { tokenId: 'i', name: 'i', role: 'inspector' as const, factories: ['F1', 'F2'] };
  it('read and write rights per role and scope', () => {
    expect([canRead(admin, 'F9'), canWrite(admin, 'F9')]).toEqual([true, true]);
    expect([
      canRead(factory, 'F1'),
      canWrite(factory, 'F1'),
      canRead(factory, 'F2'),
      canWrite(factory, 'F2'),
    ]).toEqual([true, true, false, false]);
    expect([canRead(inspector, 'F2'), canWrite(inspector, 'F2'), canRead(inspector, 'F3')]).toEqual([
      true,
      false,
      false,
    ]);
    const all = [{ id: 'F1' }, { id: 'F2' }, { id: 'F3' }];
    expect(visibleFactories(inspector, all).map((f) => f.id)).toEqual(['F1', 'F2']);
    expect(visibleFactories(admin, all)).toHaveLength(3);
  });
});
