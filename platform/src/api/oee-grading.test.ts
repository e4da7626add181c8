import type { DataBatch } from '@xiang/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness, bearer } from '../../../tests/platform/api-harness.js';
import { FACTORY, fixtureBatch, fixtureBirth, T0 } from '../../../tests/platform/fixtures.js';
import { expectSafeHtml } from '../../../tests/platform/security-assert.js';
import { factoryProfileSchema } from '../registry/model.js';

/**
 * OEE, line status, indicators and assessments over the real API (in-memory registry and embedded store, the
 * ingest processor without a broker), with hand-computed figures. Machine C1 (line WS1/L1, output counter) on a
 * 08:00–12:00 shift, Monday 2024-01-08 (T0 = 08:00 local): Executing 08:00–09:00, NotExecuting 09:00–09:30,
 * Executing from 09:30; goodCount 0 → 10 at 08:30 → 20 at 09:00 → 30 at 10:00; ideal cycle 120 s.
 */
let h: ApiHarness;
const MIN = 60_000;
const send = (kind: string, body: unknown) =>
  h.ingest.processor.handle(`xiang/v1/${FACTORY}/A1/${kind}`, Buffer.from(JSON.stringify(body)));
const get = (url: string) => h.app.inject({ method: 'GET', url, headers: bearer(h.adminToken) });
const post = (url: string, body?: unknown) =>
  h.app.inject({
    method: 'POST',
    url,
    headers: bearer(h.adminToken),
    ...(body !== undefined ? { payload: body as object } : {}),
  });
const base = `/api/v1/factories/${FACTORY}`;

beforeAll(async () => {
  h = await apiHarness();
  await send('birth', fixtureBirth('session-0001'));
  const points: DataBatch['points'] = [
    [4, T0, 3],
    [4, T0 + 60 * MIN, 2],
    [4, T0 + 90 * MIN, 3],
    [7, T0, 0],
    [7, T0 + 30 * MIN, 10],
    [7, T0 + 60 * MIN, 20],
    [7, T0 + 120 * MIN, 30],
  ];
  await send('data', fixtureBatch('session-0001', 1, points));
  await h.store.flush();
  h.registry.putFactory(
    factoryProfileSchema.parse({
      id: FACTORY,
      name: '测试工厂',
      calendar: {
        utcOffsetMinutes: 480,
        workdays: [1, 2, 3, 4, 5],
        shifts: [{ name: '早班', start: '08:00', end: '12:00' }],
      },
    }),
  );
  h.registry.putLine({
    factoryId: FACTORY,
    path: 'WS1/L1',
    idealCycleTimeS: 120,
    outputCounter: { deviceId: 'C1', metric: 'goodCount' },
  });
});
afterAll(async () => h.close());

describe('OEE and line status API', () => {
  it('machine and line OEE, time in state and six big losses for a window', async () => {
    const res = await get(`${base}/oee?from=${T0}&to=${T0 + 120 * MIN}&groupBy=machine,line`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const c1 = body.rows.find((r: { level: string }) => r.level === 'machine');
    expect(c1.stateDurationsMs).toEqual({ Executing: 90 * MIN, NotExecuting: 30 * MIN });
    expect(c1.totals.plannedProductionMs).toBe(120 * MIN);
    expect(c1.totals.goodCount).toBe(20); // the count at 10:00 is the next window's
    expect(c1.availability).toBeCloseTo(0.75, 12);
    expect(c1.performance).toBeCloseTo((20 * 120) / (90 * 60), 12);
    expect(c1.quality).toBe(1);
    expect(c1.oee).toBeCloseTo(0.75 * ((20 * 120) / (90 * 60)), 12);
    expect(c1.sixBigLossesMin.idlingMinorStops).toBe(30);
    const line = body.rows.find((r: { level: string }) => r.level === 'line');
    expect(line).toMatchObject({ assetPath: 'WS1/L1', rule: 'lastStation', oee: c1.oee });
  });

  it('line status: the last station now, since when, and today so far', async () => {
    const res = await get(`${base}/lines/status?at=${T0 + 100 * MIN}`);
    expect(res.statusCode).toBe(200);
    const [l] = res.json().lines;
    expect(l).toMatchObject({
      assetPath: 'WS1/L1',
      state: 'running',
      sinceMs: T0 + 90 * MIN,
      rule: 'lastStation',
    });
    expect(l.calendar).toBe('production');
    expect(l.today.fromMs).toBe(T0 - 8 * 60 * MIN); // local midnight
    expect(l.today.availability).toBeCloseTo(70 / 100, 12);
    expect(l.today.performance).toBeCloseTo((20 * 120) / (70 * 60), 12);
    expect(l.today.goodCount).toBe(20);
    expect(l.today.sixBigLossesMin.idlingMinorStops).toBe(30);
  });

  it('a machine the registry marks as not production equipment is left out of OEE', async () => {
    const patch = (production: boolean | null) =>
      h.app.inject({
        method: 'PATCH',
        url: `${base}/devices/C1`,
        headers: bearer(h.adminToken),
        payload: { production },
      });
    expect((await patch(false)).statusCode).toBe(200);
    const off = (await get(`${base}/oee?from=${T0}&to=${T0 + 120 * MIN}&groupBy=machine,factory`)).json();
    expect(off.rows.map((r: { level: string }) => r.level)).toEqual(['factory']);
    expect(off.rows[0].totals.plannedProductionMs).toBe(0);
    expect((await get(`${base}/lines/status?at=${T0 + 100 * MIN}`)).json().lines).toEqual([]);
    expect((await patch(null)).statusCode).toBe(200); // back to the default: machines are production equipment
    const on = (await get(`${base}/oee?from=${T0}&to=${T0 + 120 * MIN}&groupBy=machine`)).json();
    expect(on.rows.map((r: { deviceId: string }) => r.deviceId)).toEqual(['C1']);
  });

  it('bad windows and unknown factories are problems, not crashes', async () => {
    const bad = await get(`${base}/oee?from=${T0}&to=${T0}&groupBy=line`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toMatch(/after query.from/);
    const group = await get(`${base}/oee?from=${T0}&to=${T0 + MIN}&groupBy=line,week`);
    expect(group.statusCode).toBe(400);
    expect(group.json().errors[0].field).toMatch(/^querystring\.groupBy/);
    const long = await get(`${base}/oee?from=${T0}&to=${T0 + 100 * 86_400_000}&groupBy=line`);
    expect(long.statusCode).toBe(400);
    expect(long.json().detail).toMatch(/at most 92 days/);
    const unknown = await get(`/api/v1/factories/F9/lines/status`);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toContain('application/problem+json');
  });
});

describe('assessments API', () => {
  it('create, auto-fill, compute and report; other factories and uncomputed reports are 404', async () => {
    const created = await post(`${base}/assessments`, {
      frameworkId: 'sme-digital-2024',
      period: { from: T0, to: T0 + 120 * MIN },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    expect((await get(`${base}/assessments/${id}/report`)).json().detail).toMatch(/not been computed/);
    const filled = await post(`${base}/assessments/${id}/autofill`, {});
    expect(filled.statusCode).toBe(200);
    const ind = filled.json().indicators.find((i: { id: string }) => i.id === 'state-fault-capture');
    expect(ind).toMatchObject({ value: 1, counts: { machines: 1, captured: 1 } });
    const suggested = filled.json().applied[0] as string;
    const put = (item: string, body: unknown) =>
      h.app.inject({
        method: 'PUT',
        url: `${base}/assessments/${id}/answers/${item}`,
        headers: bearer(h.adminToken),
        payload: body as object,
      });
    const accepted = await put(suggested, { accept: true });
    expect(accepted.statusCode).toBe(200);
    const ans = accepted.json().assessment.answers.find((a: { itemId: string }) => a.itemId === suggested);
    expect(ans).toMatchObject({ source: 'telemetry', acceptedBy: 'bootstrap (generated)' });
    const items = (await get(`${base}/assessments/${id}`)).json().items as {
      id: string;
      telemetry: string[];
    }[];
    const manual = items.find((i) => i.telemetry.length === 0)?.id as string;
    expect((await put(manual, { accept: true })).statusCode).toBe(409); // nothing to accept
    expect((await put(manual, { score: 1, choice: 'x' })).statusCode).toBe(400); // exactly one value
    expect((await post(`${base}/assessments/${id}/compute`)).statusCode).toBe(200);
    const html = await get(`${base}/assessments/${id}/report?format=html`);
    expect(html.headers['content-type']).toContain('text/html');
    expect(html.body).toContain('<html lang="zh-CN"');
    expectSafeHtml(html);
    const elsewhere = await get(`/api/v1/factories/F2/assessments/${id}`);
    expect(elsewhere.statusCode).toBe(404);
    const list = (await get(`${base}/assessments`)).json();
    expect(list).toEqual([expect.objectContaining({ id, frameworkId: 'sme-digital-2024', revisions: 3 })]);
  });
});
