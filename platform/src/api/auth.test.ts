import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ApiHarness, apiHarness, bearer } from '../../../tests/platform/api-harness.js';
import { fixtureBirth, T0 } from '../../../tests/platform/fixtures.js';

let h: ApiHarness;
const tok: Record<string, string> = {};

beforeAll(async () => {
  h = await apiHarness();
  for (const f of ['F1', 'F2']) {
    await h.ingest.processor.handle(
      `xiang/v1/${f}/A1/birth`,
      Buffer.from(JSON.stringify(fixtureBirth(`sess-${f}-0001`))),
    );
  }
  tok.admin = h.adminToken;
  tok.factoryF1 = h.tokens.create({ name: 'F1 energy manager', role: 'factory', factories: ['F1'] }).token;
  tok.inspectorF1 = h.tokens.create({ name: 'inspector', role: 'inspector', factories: ['F1'] }).token;
  tok.factoryF2 = h.tokens.create({ name: 'F2 energy manager', role: 'factory', factories: ['F2'] }).token;
  tok.expired = h.tokens.create({ name: 'old', role: 'admin', expiresAtMs: Date.now() - 1 }).token;
});
afterAll(async () => h.close());

async function call(method: string, url: string, who: string | null, body?: unknown) {
  const headers = who === null ? {} : bearer(tok[who] ?? who);
  return h.app.inject({
    method: method as 'GET',
    url,
    headers,
    ...(body !== undefined ? { payload: body as object } : {}),
  });
}

const profile = { name: '湘江精密机械', industry: 'discrete', contractDemandKw: 800 };

describe('401 / 403 matrix', () => {
  const cases: [string, string, unknown, Record<string, number>][] = [
    [
      'GET',
      '/api/v1/factories/F1',
      undefined,
      { none: 401, bogus: 401, expired: 401, admin: 200, factoryF1: 200, inspectorF1: 200, factoryF2: 403 },
    ],
    [
      'PUT',
      '/api/v1/factories/F1',
      profile,
      { none: 401, bogus: 401, admin: 200, factoryF1: 200, inspectorF1: 403, factoryF2: 403 },
    ],
    [
      'PATCH',
      '/api/v1/factories/F1/devices/M0',
      { meterRole: 'mainIncomer' },
      { none: 401, admin: 200, factoryF1: 200, inspectorF1: 403, factoryF2: 403 },
    ],
    [
      'GET',
      '/api/v1/factories/F1/devices',
      undefined,
      { none: 401, admin: 200, inspectorF1: 200, factoryF2: 403 },
    ],
    [
      'GET',
      `/api/v1/factories/F1/timeseries?series=M0:activePower&from=${T0}&to=${T0 + 3_600_000}&interval=15m`,
      undefined,
      { none: 401, factoryF1: 200, inspectorF1: 200, factoryF2: 403 },
    ],
    [
      'PUT',
      '/api/v1/factories/F1/lines',
      { path: 'WS1/L1', idealCycleTimeS: 42 },
      { admin: 200, factoryF1: 200, inspectorF1: 403, factoryF2: 403 },
    ],
    ['GET', '/api/v1/tokens', undefined, { none: 401, admin: 200, factoryF1: 403, inspectorF1: 403 }],
    [
      'POST',
      '/api/v1/tokens',
      { name: 'x', role: 'inspector', factories: ['F1'] },
      { admin: 201, factoryF1: 403, inspectorF1: 403 },
    ],
    ['GET', '/api/v1/ingest/stats', undefined, { none: 401, admin: 200, factoryF1: 403 }],
    ['GET', '/api/v1/ingest/dead-letters', undefined, { admin: 200, factoryF1: 403 }],
    ['GET', '/api/v1/factories/F1/ingest/dead-letters', undefined, { factoryF1: 200, factoryF2: 403 }],
    ['GET', '/healthz', undefined, { none: 200 }],
    ['GET', '/readyz', undefined, { none: 200 }],
    ['GET', '/metrics', undefined, { none: 200 }],
    ['GET', '/docs/json', undefined, { none: 200 }],
  ];
  for (const [method, url, body, expected] of cases) {
    for (const [who, status] of Object.entries(expected)) {
      it(`${method} ${url.split('?')[0]} as ${who} → ${status}`, async () => {
        const res = await call(
          method,
          url,
          who === 'none' ? null : who === 'bogus' ? 'xg_000000000000_nope' : who,
          body,
        );
        expect(res.statusCode, res.body).toBe(status);
        if (status === 401 || status === 403) {
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(res.json()).toMatchObject({ status });
        }
        if (status === 401) expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      });
    }
  }

  it('every route with a :factoryId is closed to another factory and to anonymous callers', async () => {
    const scoped = h.app.routeTable.filter((r) => r.url.includes(':factoryId'));
    expect(scoped.length).toBeGreaterThanOrEqual(15);
    for (const r of scoped) {
      const url = r.url.replace(':factoryId', 'F1').replace(':deviceId', 'M0');
      const cross = await call(r.method, url, 'factoryF2', r.method === 'GET' ? undefined : {});
      expect(cross.statusCode, `${r.method} ${r.url} with F2's token`).toBe(403);
      const anon = await call(r.method, url, null, r.method === 'GET' ? undefined : {});
      expect(anon.statusCode, `${r.method} ${r.url} without a token`).toBe(401);
      if (r.method !== 'GET') {
        const insp = await call(r.method, url, 'inspectorF1', {});
        // factoryRead routes derive reports without changing the factory (energy diagnosis): inspectors pass the guard.
        if (r.access === 'factoryRead')
          expect(insp.statusCode, `${r.method} ${r.url} as inspector`).not.toBe(403);
        else expect(insp.statusCode, `${r.method} ${r.url} as inspector`).toBe(403);
      }
    }
  });

  it('every route without :factoryId that is not public needs admin', async () => {
    // Open to any signed-in token: the factory list (filtered per token), the standards coefficient table and
    // the versioned equipment-class list (reference data).
    const open = new Set([
      '/healthz',
      '/readyz',
      '/metrics',
      '/api/v1/factories',
      '/api/v1/energy/coefficients',
      '/api/v1/equipment-classes',
      '/api/v1/diagnosis-reports/:key', // public, but only with a key a signed-in user asked for,
      '/api/v1/grading-reports/:key', // likewise
    ]);
    const rest = h.app.routeTable.filter(
      (r) =>
        !r.url.includes(':factoryId') &&
        !r.url.startsWith('/docs') &&
        !open.has(r.url) &&
        r.url !== '/' &&
        !r.url.startsWith('/console/'),
    );
    expect(rest.length).toBeGreaterThanOrEqual(5);
    for (const r of rest) {
      const res = await call(
        r.method,
        r.url.replace(':tokenId', 'abc'),
        'factoryF1',
        r.method === 'GET' ? undefined : {},
      );
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(403);
    }
  });

  it('the factory list shows each token only its own factories', async () => {
    const ids = async (who: string) =>
      ((await call('GET', '/api/v1/factories', who)).json() as { id: string }[]).map((f) => f.id);
    expect(await ids('admin')).toEqual(['F1', 'F2']);
    expect(await ids('factoryF2')).toEqual(['F2']);
    expect(await ids('inspectorF1')).toEqual(['F1']);
  });

  it('a revoked token stops working', async () => {
    const { token, info } = h.tokens.create({ name: 'temp', role: 'factory', factories: ['F1'] });
    expect((await call('GET', '/api/v1/factories/F1', token)).statusCode).toBe(200);
    expect((await call('DELETE', `/api/v1/tokens/${info.id}`, 'admin')).statusCode).toBe(204);
    expect((await call('GET', '/api/v1/factories/F1', token)).statusCode).toBe(401);
  });

  it('stores only hashes of tokens', () => {
    const rows = h.registry.db.prepare('SELECT hash FROM api_tokens').all() as { hash: Buffer }[];
    for (const r of rows) expect(r.hash.length).toBe(32);
    const all = JSON.stringify(h.registry.db.prepare('SELECT * FROM api_tokens').all());
    // The secret is base64url, which may itself contain '_': everything after the id is the secret.
    expect(all).not.toContain(tok.factoryF1!.split('_').slice(2).join('_'));
  });
});

describe('a repository that cannot be read', () => {
  it('answers 503 to retry, never 401, and counts no failed authentication against the token', async () => {
    const verify = vi.spyOn(h.tokens, 'verify').mockImplementation(() => {
      throw new Error('PostgreSQL did not answer within 30000 ms');
    });
    try {
      // More tries than the failure limit allows: a 401 counted each time would end in 429.
      for (let i = 0; i < 25; i++) {
        const r = await call('GET', '/api/v1/factories/F1', 'admin');
        expect(r.statusCode).toBe(503);
        expect(r.headers['content-type']).toContain('application/problem+json');
        expect(r.headers['retry-after']).toBe('5');
        expect(r.json().detail).toContain('repository is unavailable');
      }
    } finally {
      verify.mockRestore();
    }
    expect((await call('GET', '/api/v1/factories/F1', 'admin')).statusCode).toBe(200);
  });
});
