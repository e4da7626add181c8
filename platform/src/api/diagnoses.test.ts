import { StatusCodes } from '@xiang/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../tests/harness/ports.js';
import { type ApiHarness, apiHarness, bearer } from '../../../tests/platform/api-harness.js';
import { fixtureBirth, T0 } from '../../../tests/platform/fixtures.js';
import { expectSafeHtml } from '../../../tests/platform/security-assert.js';
import type { StoredPoint } from '../store/types.js';

/**
 * The diagnoses resource over the real API, registry and embedded store (in memory): one day of a main
 * meter's counter rising 10 kWh per quarter-hour (960 kWh), run asynchronously, read back as JSON and HTML;
 * factory scoping (inspectors may start runs for their own factories only) and problem+json validation.
 */
let h: ApiHarness;
const tok: Record<string, string> = {};
const DAY_MS = 86_400_000;
const base = '/api/v1/factories/F1/diagnoses';

beforeAll(async () => {
  h = await apiHarness();
  for (const f of ['F1', 'F2'])
    await h.ingest.processor.handle(
      `xiang/v1/${f}/A1/birth`,
      Buffer.from(JSON.stringify(fixtureBirth(`sess-${f}-0001`))),
    );
  const points: StoredPoint[] = [];
  for (let k = 0; k <= 96; k++)
    points.push({
      factoryId: 'F1',
      deviceId: 'M0',
      metric: 'energyImport',
      tsMs: T0 + k * 900_000,
      value: 1000 + 10 * k,
      status: StatusCodes.Good,
    });
  await h.store.write(points);
  await h.store.flush();
  tok.admin = h.adminToken;
  tok.inspectorF1 = h.tokens.create({ name: 'inspector F1', role: 'inspector', factories: ['F1'] }).token;
  tok.factoryF2 = h.tokens.create({ name: 'F2 manager', role: 'factory', factories: ['F2'] }).token;
});
afterAll(async () => h.close());

const call = (method: 'GET' | 'POST', url: string, who: string | null, body?: object, headers = {}) =>
  h.app.inject({
    method,
    url,
    headers: { ...(who ? bearer(tok[who]!) : {}), ...headers },
    ...(body ? { payload: body } : {}),
  });

async function finished(url: string, who = 'admin') {
  return await waitFor(
    async () => {
      const r = (await call('GET', url, who)).json();
      return r.status === 'done' || r.status === 'failed' ? r : null;
    },
    `diagnosis ${url} to finish`,
    15_000,
    20,
  );
}

describe('diagnoses API', () => {
  it('an inspector starts a run (202 + Location), polls it to done and reads the JSON and HTML report', async () => {
    const res = await call('POST', base, 'inspectorF1', {
      from: T0,
      to: new Date(T0 + DAY_MS).toISOString(),
    });
    expect(res.statusCode, res.body).toBe(202);
    const run = res.json();
    expect(run).toMatchObject({
      factoryId: 'F1',
      fromMs: T0,
      toMs: T0 + DAY_MS,
      requestedBy: 'inspector F1',
    });
    expect(res.headers.location).toBe(`${base}/${run.id}`);
    const done = await finished(res.headers.location as string, 'inspectorF1');
    expect(done.status, done.error).toBe('done');
    expect(done.progress.pct).toBe(100);
    expect(done.summary.schemaVersion).toBe('xiang.energy-diagnosis/1');

    const json = await call('GET', `${base}/${run.id}/report`, 'inspectorF1');
    expect(json.statusCode).toBe(200);
    const result = json.json();
    expect(result.schemaVersion).toBe('xiang.energy-diagnosis/1');
    const electricity = result.accounting.media.find((m: { medium: string }) => m.medium === 'electricity');
    expect(electricity.quantity).toBeCloseTo(960, 9); // 96 quarter-hours × 10 kWh
    expect(electricity.gapSlots).toBe(0);
    expect(result.period).toMatchObject({ fromMs: T0, toMs: T0 + DAY_MS, days: 1 });

    const zh = await call('GET', `${base}/${run.id}/report?format=html`, 'inspectorF1');
    expect(zh.headers['content-type']).toMatch(/^text\/html/);
    expect(zh.body).toContain('节能诊断');
    expectSafeHtml(zh);
    const en = await call('GET', `${base}/${run.id}/report?lang=en`, 'inspectorF1', undefined, {
      accept: 'text/html',
    });
    expect(en.headers['content-type']).toMatch(/^text\/html/);
    expect(en.body).toMatch(/Energy[- ]saving diagnosis/i);

    const list = (await call('GET', base, 'inspectorF1')).json();
    expect(list.map((r: { id: string }) => r.id)).toContain(run.id);

    // A browser tab opens the report through a short-lived link (no token), with a CSP of its own.
    const link = await call('POST', `${base}/${run.id}/report-links`, 'inspectorF1', { lang: 'en' });
    expect(link.statusCode, link.body).toBe(201);
    const { url } = link.json();
    expect(url).toMatch(/^\/api\/v1\/diagnosis-reports\/[A-Za-z0-9_-]{32}$/);
    const page = await call('GET', url, null);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("style-src 'unsafe-inline'");
    expect(page.body).toMatch(/Energy[- ]saving diagnosis/i);
    expect(
      (await call('GET', '/api/v1/diagnosis-reports/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', null)).statusCode,
    ).toBe(404);
    expect((await call('POST', `${base}/${run.id}/report-links`, 'factoryF2', {})).statusCode).toBe(403);
  });

  it('keeps each factory to itself: another factory’s token can neither start nor read runs', async () => {
    const res = await call('POST', base, 'factoryF2', { from: T0, to: T0 + DAY_MS });
    expect(res.statusCode).toBe(403);
    expect((await call('GET', base, 'factoryF2')).statusCode).toBe(403);
    expect((await call('GET', base, null)).statusCode).toBe(401);
    // A run id of F1 asked for under F2 is not found there (the admin may read F2).
    const [r] = (await call('GET', base, 'admin')).json();
    expect((await call('GET', `/api/v1/factories/F2/diagnoses/${r.id}`, 'admin')).statusCode).toBe(404);
  });

  it('answers problem+json naming the field for a bad period, options or coefficient id', async () => {
    const cases: [object, number, string][] = [
      [{ from: T0 + DAY_MS, to: T0 }, 400, 'body.to'],
      [{ from: T0, to: T0 + 401 * DAY_MS }, 400, 'body.to'],
      [{ from: 'yesterday', to: T0 }, 400, 'body.from'],
      [{ from: '03/03/2025', to: T0 }, 400, 'body.from'],
      [{ from: T0, to: T0 + DAY_MS, options: { valueBasis: 'equal' } }, 400, 'body.options'],
      [
        {
          from: T0,
          to: T0 + DAY_MS,
          options: { coefficientOverrides: [{ id: 'nope', value: 1, reason: 'x' }] },
        },
        400,
        'body.options.coefficientOverrides',
      ],
    ];
    for (const [body, status, field] of cases) {
      const res = await call('POST', base, 'admin', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json().errors?.[0]?.field, res.body).toBe(field);
    }
    const unknown = await call('POST', '/api/v1/factories/F9/diagnoses', 'admin', {
      from: T0,
      to: T0 + DAY_MS,
    });
    expect(unknown.statusCode).toBe(404);
    expect((await call('GET', `${base}/no-such-run`, 'admin')).statusCode).toBe(404);
  });

  it('records coefficient overrides and options in the result', async () => {
    const res = await call('POST', base, 'admin', {
      from: T0,
      to: T0 + DAY_MS,
      options: {
        electricityBasis: 'equal',
        coefficientOverrides: [{ id: 'electricity.equal', value: 0.3, reason: 'provincial 等价值 notice' }],
      },
    });
    expect(res.statusCode, res.body).toBe(202);
    const done = await finished(`${base}/${res.json().id}`);
    expect(done.status, done.error).toBe('done');
    expect(done.options).toMatchObject({ electricityBasis: 'equal' });
    const result = (await call('GET', `${base}/${done.id}/report`, 'admin')).json();
    expect(result.basis).toMatchObject({ electricity: 'equal', kgcePerKwh: 0.3 });
    expect(result.accounting.comprehensive.kgce).toBeCloseTo(960 * 0.3, 9);
    const c = result.coefficients.find((x: { id: string }) => x.id === 'electricity.equal');
    expect(c.override).toMatchObject({ reason: 'provincial 等价值 notice' });
  });

  it('serves the coefficient table to any signed-in token', async () => {
    const res = await call('GET', '/api/v1/energy/coefficients', 'inspectorF1');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    const e = body.coefficients.find((x: { id: string }) => x.id === 'electricity.equivalent');
    expect(e).toMatchObject({ value: 0.1229, unit: 'kgce/kWh' });
    expect(e.source).toMatch(/GB\/T 2589/);
    expect((await call('GET', '/api/v1/energy/coefficients', null)).statusCode).toBe(401);
  });
});
