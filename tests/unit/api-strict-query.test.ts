import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness, bearer } from '../platform/api-harness.js';
import { FACTORY, fixtureBatch, fixtureBirth, fixtureMetrics, T0 } from '../platform/fixtures.js';

/**
 * Issue 11 item 8 (API part), through the real API: an unknown query parameter is a 400 problem naming it on
 * every route (one strictness rule in server.ts), an unknown series is a 404 (not 200 with nulls), and the
 * metric table lists each device metric once even when two agents — or an agent and the history replayed
 * under its id — declare it.
 */
let h: ApiHarness;
const send = (kind: string, body: unknown, agent = 'A1') =>
  h.ingest.processor.handle(`xiang/v1/${FACTORY}/${agent}/${kind}`, Buffer.from(JSON.stringify(body)));
const get = (url: string) => h.app.inject({ method: 'GET', url, headers: bearer(h.adminToken) });
const base = `/api/v1/factories/${FACTORY}`;
const range = `from=${T0}&to=${T0 + 3_600_000}`;

beforeAll(async () => {
  h = await apiHarness();
  await send('birth', fixtureBirth('session-0001'));
  await send('data', fixtureBatch('session-0001', 1, [[1, T0, 1000]]));
  // The same device metrics declared again under other indices (as npm start's replayed history does).
  const again = fixtureMetrics.map((m) => ({ ...m, i: m.i + 500_000 }));
  await send('birth', fixtureBirth('session-0002', { metrics: [...fixtureMetrics, ...again] }));
});
afterAll(async () => h.close());

describe('strict API queries', () => {
  it('an unknown query parameter is a 400 problem that names it, on every API route', async () => {
    for (const url of [
      `${base}/timeseries/increase?series=M0:energyImport&${range}&interval=1h&form=2024-01-01`,
      `${base}/devices?kind=meter&onlin=true`,
      `${base}/devices/M0?verbose=1`,
      `/api/v1/factories?x=1`,
      `${base}/diagnoses?limt=5`,
    ]) {
      const r = await get(url);
      expect(r.statusCode, url).toBe(400);
      expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(r.json().detail, url).toMatch(/Unrecognized key.*"(form|onlin|verbose|x|limt)"/);
    }
    expect((await get(`${base}/devices?kind=meter`)).statusCode).toBe(200);
  });

  it('an unknown series or factory is a 404 problem, a known series without data is not', async () => {
    const bad = await get(`${base}/timeseries?series=M0:energyImport,M0:energyImprot&${range}&interval=15m`);
    expect(bad.statusCode).toBe(404);
    expect(bad.json().detail).toMatch(/no such series .*M0:energyImprot/);
    expect((await get(`${base}/timeseries/raw?series=M9:activePower&${range}`)).statusCode).toBe(404);
    expect(
      (await get(`/api/v1/factories/NOPE/timeseries/raw?series=M0:activePower&${range}`)).statusCode,
    ).toBe(404);
    // M2:activePower is declared by the birth and has no point: a real series with no data, not an error
    const empty = await get(`${base}/timeseries/raw?series=M2:activePower&${range}`);
    expect(empty.statusCode).toBe(200);
    expect(empty.json().series[0].points).toEqual([]);
  });

  it('the metric table lists each device metric once', async () => {
    const all = (await get(`${base}/metrics`)).json() as { deviceId: string; key: string; i: number }[];
    const keys = all.map((m) => `${m.deviceId}:${m.key}`);
    expect(keys).toHaveLength(fixtureMetrics.length);
    expect(new Set(keys).size).toBe(keys.length);
    expect(all.every((m) => m.i < 500_000)).toBe(true);
    const m0 = (await get(`${base}/metrics?deviceId=M0`)).json() as unknown[];
    expect(m0).toHaveLength(2);
  });
});
