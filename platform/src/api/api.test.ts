import type { DataBatch } from '@xiang/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness, bearer } from '../../../tests/platform/api-harness.js';
import { FACTORY, fixtureBatch, fixtureBirth, T0 } from '../../../tests/platform/fixtures.js';

let h: ApiHarness;
const MIN = 60_000;
const send = (kind: string, body: unknown, agent = 'A1') =>
  h.ingest.processor.handle(`xiang/v1/${FACTORY}/${agent}/${kind}`, Buffer.from(JSON.stringify(body)));

beforeAll(async () => {
  h = await apiHarness();
  await send('birth', fixtureBirth('session-0001'));
  // One hour of M0: power 100 kW, energy counter rising 100 kWh/h sampled every 15 min → 25 kWh per quarter.
  const points: DataBatch['points'] = [];
  for (let q = 0; q <= 4; q++) {
    points.push([0, T0 + q * 15 * MIN, 100 + q]);
    points.push([1, T0 + q * 15 * MIN, 1000 + 25 * q]);
  }
  points.push([4, T0, 3], [5, T0, true], [6, T0, 'CY-4102'], [7, T0 + 5 * MIN, 17, 0x40000000]);
  await send('data', fixtureBatch('session-0001', 1, points));
});
afterAll(async () => h.close());

const get = (url: string) => h.app.inject({ method: 'GET', url, headers: bearer(h.adminToken) });

describe('API resources over ingested data', () => {
  it('asset tree with devices, and devices with online state and last seen', async () => {
    const tree = (await get(`/api/v1/factories/${FACTORY}/assets`)).json();
    expect(tree.children[0].children[0].children[0]).toMatchObject({
      path: 'WS1/L1/ST1',
      deviceIds: ['C1', 'M2'],
    });
    const devices = (await get(`/api/v1/factories/${FACTORY}/devices`)).json() as {
      id: string;
      online: boolean;
      lastSeenMs: number | null;
    }[];
    expect(devices.map((d) => [d.id, d.online, d.lastSeenMs])).toEqual([
      ['C1', true, T0 + 5 * MIN],
      ['M0', true, T0 + 60 * MIN],
      ['M1', true, null],
      ['M2', true, null],
    ]);
    const meters = (await get(`/api/v1/factories/${FACTORY}/devices?kind=meter&assetPath=WS1`)).json() as {
      id: string;
    }[];
    expect(meters.map((d) => d.id)).toEqual(['M1', 'M2']);
  });

  it('latest values with booleans as 0/1, text and status kept', async () => {
    const rows = (await get(`/api/v1/factories/${FACTORY}/latest?deviceId=C1`)).json() as Record<
      string,
      unknown
    >[];
    const by = Object.fromEntries(rows.map((r) => [r.metric, r]));
    expect(by.state).toMatchObject({ value: 3, status: 0 });
    expect(by.alarm).toMatchObject({ value: 1 });
    expect(by.product).toMatchObject({ value: null, text: 'CY-4102' });
    expect(by.goodCount).toMatchObject({ value: 17, status: 0x40000000, tsMs: T0 + 5 * MIN });
  });

  it('aggregates a range by interval', async () => {
    const res = await get(
      `/api/v1/factories/${FACTORY}/timeseries?series=M0:activePower&from=${T0}&to=${T0 + 60 * MIN}&interval=30m&aggregate=max`,
    );
    expect(res.statusCode, res.body).toBe(200);
    const s = res.json().series[0];
    expect(s).toMatchObject({ deviceId: 'M0', metric: 'activePower' });
    expect(s.buckets.map((b: { tsMs: number; value: number }) => [b.tsMs - T0, b.value])).toEqual([
      [0, 101],
      [30 * MIN, 103],
    ]);
  });

  it('time-weighted means and values in force for gauges reported on change (twa, step, segments)', async () => {
    const q = `series=M0:activePower&from=${T0}&to=${T0 + 60 * MIN}`;
    const twa = (await get(`/api/v1/factories/${FACTORY}/timeseries?${q}&interval=30m&aggregate=twa`)).json();
    // 100 kW over [0, 15), 101 over [15, 30) …: the time-weighted mean, each bucket fully covered.
    expect(twa.series[0].buckets).toEqual([
      { tsMs: T0, value: 100.5, count: 2, coveredMs: 30 * MIN },
      { tsMs: T0 + 30 * MIN, value: 102.5, count: 2, coveredMs: 30 * MIN },
    ]);
    const step = (
      await get(`/api/v1/factories/${FACTORY}/timeseries?${q}&interval=30m&aggregate=step`)
    ).json();
    expect(step.series[0].buckets.map((b: { value: number }) => b.value)).toEqual([100, 102]);
    const segs = (await get(`/api/v1/factories/${FACTORY}/timeseries/step?${q}&maxHold=10m`)).json();
    expect(segs.series[0]).toMatchObject({ deviceId: 'M0', metric: 'activePower' });
    expect(
      segs.series[0].segments.map((s: { startMs: number; endMs: number; value: number | null }) => [
        (s.startMs - T0) / MIN,
        (s.endMs - T0) / MIN,
        s.value,
      ]),
    ).toEqual([
      [0, 10, 100],
      [10, 15, null],
      [15, 25, 101],
      [25, 30, null],
      [30, 40, 102],
      [40, 45, null],
      [45, 55, 103],
      [55, 60, null],
    ]);
  });

  it('counter increase per interval, and raw points', async () => {
    const inc = (
      await get(
        `/api/v1/factories/${FACTORY}/timeseries/increase?series=M0:energyImport&from=${T0}&to=${T0 + 60 * MIN}&interval=15m`,
      )
    ).json();
    expect(inc.series[0].intervals.map((i: { increase: number }) => i.increase)).toEqual([25, 25, 25, 25]);
    const raw = (
      await get(
        `/api/v1/factories/${FACTORY}/timeseries/raw?series=M0:activePower,M0:energyImport&from=${T0}&to=${T0 + 16 * MIN}`,
      )
    ).json();
    expect(raw.series.map((s: { points: unknown[] }) => s.points.length)).toEqual([2, 2]);
  });

  it('coverage uses the given expected period', async () => {
    const res = await get(
      `/api/v1/factories/${FACTORY}/timeseries/coverage?series=M0:activePower&from=${T0}&to=${T0 + 60 * MIN}&interval=1h&expectedPeriod=15m`,
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().series[0]).toMatchObject({ expected: 4, present: 4, ratio: 1 });
  });

  it('metric table and agents', async () => {
    const metrics = (await get(`/api/v1/factories/${FACTORY}/metrics?deviceId=M0`)).json() as {
      key: string;
    }[];
    expect(metrics.map((m) => m.key)).toEqual(['activePower', 'energyImport']);
    const agents = (await get(`/api/v1/factories/${FACTORY}/agents`)).json();
    expect(agents).toMatchObject([{ agentId: 'A1', currentSessionId: 'session-0001', online: true }]);
  });

  it('line settings round-trip', async () => {
    const put = await h.app.inject({
      method: 'PUT',
      url: `/api/v1/factories/${FACTORY}/lines`,
      headers: bearer(h.adminToken),
      payload: {
        path: 'WS1/L1',
        idealCycleTimeS: 42,
        outputCounter: { deviceId: 'C1', metric: 'goodCount' },
      },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect((await get(`/api/v1/factories/${FACTORY}/lines`)).json()).toEqual([
      {
        factoryId: FACTORY,
        path: 'WS1/L1',
        idealCycleTimeS: 42,
        outputCounter: { deviceId: 'C1', metric: 'goodCount' },
      },
    ]);
    const del = await h.app.inject({
      method: 'DELETE',
      url: `/api/v1/factories/${FACTORY}/lines?path=WS1/L1`,
      headers: bearer(h.adminToken),
    });
    expect(del.statusCode).toBe(204);
  });

  it('ingest stats and dead letters show a rejected point', async () => {
    await send('data', fixtureBatch('session-0001', 2, [[3, T0, 'not a number']]));
    const stats = (await get('/api/v1/ingest/stats')).json();
    expect(stats.totals.rejectedPoints).toEqual({ wrongValueType: 1 });
    expect(stats.totals.pointsStored).toBe(14);
    const dl = (await get(`/api/v1/factories/${FACTORY}/ingest/dead-letters`)).json();
    expect(dl[0]).toMatchObject({ reason: 'wrongValueType', pointCount: 1, payloadEncoding: 'utf8' });
    expect(dl[0].detail).toContain('M2.activePower is double');
  });

  it('serves the OpenAPI document generated from the zod schemas', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    const paths = Object.keys(doc.paths);
    for (const p of [
      '/api/v1/factories/{factoryId}',
      '/api/v1/factories/{factoryId}/assets',
      '/api/v1/factories/{factoryId}/devices',
      '/api/v1/factories/{factoryId}/timeseries',
      '/api/v1/factories/{factoryId}/timeseries/increase',
      '/api/v1/factories/{factoryId}/timeseries/step',
      '/api/v1/ingest/dead-letters',
      '/api/v1/tokens',
    ]) {
      expect(paths).toContain(p);
    }
    const aggregate = doc.paths['/api/v1/factories/{factoryId}/timeseries'].get.parameters.find(
      (p: { name: string }) => p.name === 'aggregate',
    );
    expect(aggregate.schema.enum).toEqual([
      'mean',
      'min',
      'max',
      'first',
      'last',
      'sum',
      'count',
      'twa',
      'step',
    ]);
    const put = doc.paths['/api/v1/factories/{factoryId}'].put;
    expect(JSON.stringify(put.requestBody)).toContain('contractDemandKw');
    const ui = await h.app.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger');
  });
});

describe('problem+json errors', () => {
  it('a validation error names the field', async () => {
    const res = await h.app.inject({
      method: 'PUT',
      url: `/api/v1/factories/${FACTORY}`,
      headers: bearer(h.adminToken),
      payload: { name: 'x', contractDemandKw: -5, powerFactorStandard: 0.95 },
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const p = res.json();
    expect(p).toMatchObject({
      type: 'urn:xiang:problem:validation-error',
      status: 400,
      instance: `/api/v1/factories/${FACTORY}`,
    });
    expect(p.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'body.contractDemandKw',
      'body.powerFactorStandard',
    ]);
    expect(p.detail).toMatch(/body\.contractDemandKw: .*0/);
  });

  it('query parameters: bad time, bad series reference, bad duration', async () => {
    const base = `/api/v1/factories/${FACTORY}/timeseries`;
    const cases: [string, string][] = [
      [`${base}?series=M0:activePower&from=yesterday&to=${T0}&interval=1h`, 'querystring.from'],
      [`${base}?series=M0-activePower&from=${T0}&to=${T0 + 1}&interval=1h`, 'querystring.series[0]'],
      [`${base}?series=M0:activePower&from=${T0}&to=${T0 + 1}&interval=fortnight`, 'querystring.interval'],
      [
        `${base}?series=M0:activePower&from=${T0}&to=${T0 + 1}&interval=1h&aggregate=median`,
        'querystring.aggregate',
      ],
      [
        `${base}?series=M0:activePower&from=${T0}&to=${T0 + 1}&interval=1h&aggregate=twa&maxHold=never`,
        'querystring.maxHold',
      ],
      [
        `${base}?series=M0:activePower&from=${T0}&to=${T0 + 1}&interval=1h&aggregate=twa&goodOnly=false`,
        'query.goodOnly',
      ],
    ];
    for (const [url, field] of cases) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const backwards = await get(`${base}?series=M0:activePower&from=${T0}&to=${T0 - 1}&interval=1h`);
    expect(backwards.json()).toMatchObject({ status: 400, detail: 'query.to: must be after query.from' });
    const tooMany = await get(
      `${base}?series=M0:activePower&from=${T0}&to=${T0 + 365 * 86_400_000}&interval=1s`,
    );
    expect(tooMany.json().detail).toMatch(/buckets/);
  });

  it('unknown things are 404 with a specific message', async () => {
    const dev = await get(`/api/v1/factories/${FACTORY}/devices/NOPE`);
    expect(dev.statusCode).toBe(404);
    expect(dev.json().detail).toBe(`device "NOPE" is not known in factory "${FACTORY}"`);
    const route = await get('/api/v1/nothing-here');
    expect(route.statusCode).toBe(404);
    expect(route.headers['content-type']).toMatch(/problem\+json/);
    expect((await get('/api/v1/factories/F9')).json().detail).toMatch(/factory "F9" is not known/);
  });

  it('a malformed JSON body and a body id that disagrees with the URL', async () => {
    const bad = await h.app.inject({
      method: 'PUT',
      url: `/api/v1/factories/${FACTORY}`,
      headers: { ...bearer(h.adminToken), 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
    const mismatch = await h.app.inject({
      method: 'PUT',
      url: `/api/v1/factories/${FACTORY}`,
      headers: bearer(h.adminToken),
      payload: { id: 'F2', name: 'x' },
    });
    expect(mismatch.json()).toMatchObject({ status: 400, errors: [{ field: 'body.id' }] });
  });

  it('token creation validates the scope', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: bearer(h.adminToken),
      payload: { name: 'x', role: 'factory', factories: [] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0]).toMatchObject({ field: 'body.factories' });
  });
});
