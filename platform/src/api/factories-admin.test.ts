import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness, bearer } from '../../../tests/platform/api-harness.js';
import { FACTORY, fixtureBirth } from '../../../tests/platform/fixtures.js';

/** Issue 8: factories and device ownership are an admin's decision, not a publisher's. */
let h: ApiHarness;
let factoryToken: string;
beforeAll(async () => {
  h = await apiHarness();
  await h.ingest.processor.handle(
    `xiang/v1/${FACTORY}/A1/birth`,
    Buffer.from(JSON.stringify(fixtureBirth('session-0001'))),
  );
  factoryToken = h.tokens.create({ name: 'F1 manager', role: 'factory', factories: [FACTORY] }).token;
});
afterAll(async () => h.close());

const call = (method: 'POST' | 'PUT', url: string, payload: unknown, token = h.adminToken) =>
  h.app.inject({ method, url, payload: payload as object, headers: bearer(token) });

describe('admin routes', () => {
  it('POST /factories creates a factory once (409 after), admin only', async () => {
    const created = await call('POST', '/api/v1/factories', { id: 'F9', name: '九厂' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ id: 'F9', name: '九厂', industry: 'discrete' });
    expect(h.registry.hasFactory('F9')).toBe(true);
    const again = await call('POST', '/api/v1/factories', { id: 'F9' });
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toMatch(/problem\+json/);
    const denied = await call('POST', '/api/v1/factories', { id: 'F10' }, factoryToken);
    expect(denied.statusCode).toBe(403);
    expect(h.registry.hasFactory('F10')).toBe(false);
  });

  it('PUT /devices/{id}/owner hands a device to another agent, admin only; 404 for an unknown device', async () => {
    const url = `/api/v1/factories/${FACTORY}/devices/M1/owner`;
    expect((await call('PUT', url, { agentId: 'A2' }, factoryToken)).statusCode).toBe(403);
    expect(h.registry.device(FACTORY, 'M1')?.agentId).toBe('A1');
    const ok = await call('PUT', url, { agentId: 'A2' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ id: 'M1', agentId: 'A2' });
    const missing = await call('PUT', `/api/v1/factories/${FACTORY}/devices/NOPE/owner`, { agentId: 'A2' });
    expect(missing.statusCode).toBe(404);
    expect((await call('PUT', url, { agentId: 'not an id' })).statusCode).toBe(400);
  });

  it('POST /factories/{id}/agents registers an agent before its first birth, admin only; 409 / 404', async () => {
    const url = `/api/v1/factories/${FACTORY}/agents`;
    expect((await call('POST', url, { agentId: 'A7' }, factoryToken)).statusCode).toBe(403);
    expect(h.registry.agent(FACTORY, 'A7')).toBeUndefined();
    const ok = await call('POST', url, { agentId: 'A7' });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ agentId: 'A7', currentSessionId: null, online: false });
    expect((await call('POST', url, { agentId: 'A7' })).statusCode).toBe(409);
    expect((await call('POST', url, { agentId: 'A1' })).statusCode).toBe(409); // known from its birth
    expect((await call('POST', '/api/v1/factories/NOPE/agents', { agentId: 'A7' })).statusCode).toBe(404);
    expect((await call('POST', url, { agentId: 'not an id' })).statusCode).toBe(400);
  });
});
