import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness, bearer } from '../../../tests/platform/api-harness.js';
import { FACTORY, fixtureBirth, T0 } from '../../../tests/platform/fixtures.js';
import { MAX_POINTS_PER_RESPONSE } from './params.js';

/**
 * Issue 14 item 2: every request bounded. One inspector GET used to ask for 200 series × 1 000 000 points
 * (repeats included), an autofill over 100 years ran on the event loop, and wrong tokens could be tried
 * without limit. Limits here are small so a test can cross them; the defaults are in DEFAULT_RATE_LIMITS.
 */
const DAY_MS = 86_400_000;
let h: ApiHarness;
let inspector: string;
let other: string;
const base = `/api/v1/factories/${FACTORY}`;

beforeAll(async () => {
  h = await apiHarness({ rateLimits: { perTokenPerMinute: 30, authFailuresPerMinutePerIp: 3 } });
  await h.ingest.processor.handle(
    `xiang/v1/${FACTORY}/A1/birth`,
    Buffer.from(JSON.stringify(fixtureBirth('bounds-session-01'))),
  );
  inspector = h.tokens.create({ name: 'inspector', role: 'inspector', factories: [FACTORY] }).token;
  other = h.tokens.create({ name: 'other', role: 'inspector', factories: [FACTORY] }).token;
});
afterAll(async () => h.close());

const get = (url: string, token = h.adminToken, ip = '127.0.0.1') =>
  h.app.inject({ method: 'GET', url, headers: bearer(token), remoteAddress: ip });

describe('response and work budgets', () => {
  it('series asked twice are read once; series × limit over the budget is a budget-exceeded 400', async () => {
    const repeated = Array.from({ length: 200 }, () => 'series=M0:activePower').join('&');
    const once = await get(`${base}/timeseries/raw?${repeated}&from=${T0}&to=${T0 + DAY_MS}&limit=1000`);
    expect(once.statusCode, once.body).toBe(200);
    expect(once.json().series).toHaveLength(1);

    const three = 'series=M0:activePower,M1:activePower,M2:activePower';
    const limit = Math.floor(MAX_POINTS_PER_RESPONSE / 3) + 1;
    const over = await get(`${base}/timeseries/raw?${three}&from=${T0}&to=${T0 + DAY_MS}&limit=${limit}`);
    expect(over.statusCode).toBe(400);
    expect(over.json()).toMatchObject({ type: 'urn:xiang:problem:budget-exceeded', status: 400 });
    expect(over.json().detail).toContain(`use limit ≤ ${limit - 1}`);
    const fits = await get(`${base}/timeseries/raw?${three}&from=${T0}&to=${T0 + DAY_MS}&limit=${limit - 1}`);
    expect(fits.statusCode).toBe(200);
  });

  it('every from/to period is capped, assessment periods included (a 100-year autofill is refused)', async () => {
    const long = `from=${T0}&to=${T0 + 401 * DAY_MS}`;
    for (const url of [
      `${base}/timeseries?series=M0:activePower&interval=1d&${long}`,
      `${base}/timeseries/increase?series=M0:energyImport&interval=1d&${long}`,
      `${base}/energy/flow?${long}`,
    ]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().type, url).toBe('urn:xiang:problem:period-too-long');
    }
    const century = { from: T0, to: T0 + 100 * 365 * DAY_MS };
    const created = await h.app.inject({
      method: 'POST',
      url: `${base}/assessments`,
      headers: bearer(h.adminToken),
      payload: { frameworkId: 'sme-digital-2024', period: century },
    });
    expect(created.statusCode).toBe(400);
    expect(created.json().detail).toMatch(/at most 92 days per request/);
    const ok = await h.app.inject({
      method: 'POST',
      url: `${base}/assessments`,
      headers: bearer(h.adminToken),
      payload: { frameworkId: 'sme-digital-2024', period: { from: T0, to: T0 + DAY_MS } },
    });
    expect(ok.statusCode, ok.body).toBe(201);
    const autofill = await h.app.inject({
      method: 'POST',
      url: `${base}/assessments/${ok.json().id}/autofill`,
      headers: bearer(h.adminToken),
      payload: { period: century },
    });
    expect(autofill.statusCode).toBe(400);
    expect(autofill.json().type).toBe('urn:xiang:problem:period-too-long');
  });
});

describe('rate limits', () => {
  it('wrong tokens from one address are refused with 429 after the limit; other addresses are unaffected', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (await get(`${base}/devices`, `xg_000000000000_${'A'.repeat(43)}`, '10.0.0.66')).statusCode,
      );
    // Exactly the limit's number of guesses is checked: the next one is refused unchecked.
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
    const refused = await get(`${base}/devices`, inspector, '10.0.0.66');
    expect(refused.statusCode).toBe(429);
    expect(refused.json().type).toBe('urn:xiang:problem:auth-failures');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await get(`${base}/devices`, inspector, '10.0.0.67')).statusCode).toBe(200);
  });

  it('a token over its request rate gets 429; another token does not', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) statuses.push((await get(`${base}/devices`, other, '10.0.1.1')).statusCode);
    expect(statuses.filter((s) => s === 200).length).toBe(30);
    expect(statuses.at(-1)).toBe(429);
    expect((await get(`${base}/devices`, h.adminToken, '10.0.1.1')).statusCode).toBe(200);
  });

  it('/metrics counts the refusals by reason', async () => {
    const text = (await h.app.inject({ url: '/metrics' })).body;
    for (const reason of ['budget-exceeded', 'period-too-long', 'auth-failures', 'rate-limited'])
      expect(text).toMatch(new RegExp(`xiang_http_refusals_total\\{reason="${reason}"\\} [1-9]`));
  });
});
