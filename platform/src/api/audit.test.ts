import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness, bearer } from '../../../tests/platform/api-harness.js';
import { factoryProfileSchema } from '../registry/model.js';

/** Issue 14 item 3: token and settings changes in an audit log (who, what, when), readable through the API. */
let h: ApiHarness;
let inspectorF1: string;
let factoryF1: string;
beforeAll(async () => {
  h = await apiHarness();
  for (const id of ['F1', 'F2']) h.registry.putFactory(factoryProfileSchema.parse({ id, name: id }));
  inspectorF1 = h.tokens.create({ name: '监察员 张', role: 'inspector', factories: ['F1'] }).token;
  factoryF1 = h.tokens.create({ name: 'F1 能源主管', role: 'factory', factories: ['F1'] }).token;
});
afterAll(async () => h.close());

const call = (
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  token: string | null,
  payload?: object,
) => h.app.inject({ method, url, headers: token ? bearer(token) : {}, ...(payload ? { payload } : {}) });

describe('audit log', () => {
  it('records who created and revoked a token, and who changed a factory profile, with the time', async () => {
    const before = Date.now();
    const created = await call('POST', '/api/v1/tokens', h.adminToken, {
      name: '评估员 李',
      role: 'inspector',
      factories: ['F2'],
    });
    expect(created.statusCode, created.body).toBe(201);
    const tokenId = created.json().info.id as string;
    expect((await call('DELETE', `/api/v1/tokens/${tokenId}`, h.adminToken)).statusCode).toBe(204);
    const put = await call('PUT', '/api/v1/factories/F1', factoryF1, {
      name: '湘江精密',
      industry: 'discrete',
    });
    expect(put.statusCode, put.body).toBe(200);
    // A refused change is not a change.
    expect((await call('PUT', '/api/v1/factories/F2', factoryF1, { name: 'x' })).statusCode).toBe(403);

    const all = await call('GET', '/api/v1/audit', h.adminToken);
    expect(all.statusCode).toBe(200);
    const entries = all.json() as {
      atMs: number;
      actorName: string;
      action: string;
      factoryId: string | null;
      detail: Record<string, unknown>;
    }[];
    const api = entries.filter((e) => e.action.includes(' /api/'));
    expect(api.map((e) => [e.actorName, e.action, e.factoryId])).toEqual([
      ['F1 能源主管', 'PUT /api/v1/factories/:factoryId', 'F1'],
      ['bootstrap (generated)', 'DELETE /api/v1/tokens/:tokenId', null],
      ['bootstrap (generated)', 'POST /api/v1/tokens', null],
    ]);
    expect(api[2]?.detail).toMatchObject({ body: { name: '评估员 李', role: 'inspector' }, tokenId });
    expect(JSON.stringify(entries)).not.toContain(created.json().token); // the secret is never logged
    for (const e of api) expect(e.atMs).toBeGreaterThanOrEqual(before);
  });

  it('an inspector reads its factory’s audit log, not another’s nor the whole platform’s', async () => {
    const own = await call('GET', '/api/v1/factories/F1/audit', inspectorF1);
    expect(own.statusCode).toBe(200);
    expect(own.json().map((e: { factoryId: string }) => e.factoryId)).toEqual(['F1']);
    expect((await call('GET', '/api/v1/factories/F2/audit', inspectorF1)).statusCode).toBe(403);
    expect((await call('GET', '/api/v1/audit', inspectorF1)).statusCode).toBe(403);
    expect((await call('GET', '/api/v1/audit', null)).statusCode).toBe(401);
  });

  it('API tokens expire by default; an expiry in the past is a 400 naming the field', async () => {
    const res = await call('POST', '/api/v1/tokens', h.adminToken, { name: 'n', role: 'admin' });
    const { info } = res.json();
    expect(info.expiresAtMs - info.createdAtMs).toBe(90 * 24 * 3600 * 1000);
    const past = await call('POST', '/api/v1/tokens', h.adminToken, {
      name: 'n',
      role: 'admin',
      expiresAtMs: 1,
    });
    expect(past.statusCode).toBe(400);
    expect(past.json().errors).toEqual([
      { field: 'body.expiresAtMs', message: 'body.expiresAtMs: must be in the future' },
    ]);
  });
});
