import { StatusCodes } from '@xiang/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixtureBirth, T0 } from '../../../../tests/platform/fixtures.js';
import { renderReport } from '../../energy/report/html.js';
import type { DiagnosisResult } from '../../energy/result.js';
import { openPlatformDb } from '../../registry/db.js';
import { Registry } from '../../registry/registry.js';
import { EmbeddedStore } from '../../store/embedded/embedded-store.js';
import type { StoredPoint } from '../../store/types.js';
import { runDiagnosis } from './service.js';

/**
 * A diagnosis whose period runs past the stored data (issue 9) — "--from today-3 --to today", or a platform
 * that stopped — over the real registry and embedded store: the hours without data are coverage, not a frozen
 * counter; a true freeze (counter flat or silent while the power gauge shows use) is still found, whether it
 * ends inside the data or runs to its end. The main incomer M0 of the fixture plant: energy counter and power
 * gauge every quarter-hour for two days from T0, 40 kW = 10 kWh a quarter-hour.
 */
const H = 3_600_000;
const Q = 900_000;
const DAY = 24 * H;
const SLOTS = 192; // two days of quarter-hours
let db: ReturnType<typeof openPlatformDb>;
let registry: Registry;
let store: EmbeddedStore;

beforeEach(async () => {
  db = openPlatformDb(':memory:');
  registry = new Registry(db);
  registry.applyBirth('F1', 'A1', fixtureBirth('sess-0001'), T0);
  store = new EmbeddedStore({ file: ':memory:', rollupRefreshMs: 0 });
  await store.init();
});
afterEach(async () => {
  await store.close();
  db.close();
});

const point = (metric: string, tsMs: number, value: number): StoredPoint => ({
  factoryId: 'F1',
  deviceId: 'M0',
  metric,
  tsMs,
  value,
  status: StatusCodes.Good,
});

/** Counter readings per quarter-hour k = 0 … SLOTS (undefined: not published), power 40 kW throughout. */
async function writePlant(counterAt: (k: number) => number | undefined) {
  const pts: StoredPoint[] = [];
  for (let k = 0; k <= SLOTS; k++) {
    const c = counterAt(k);
    if (c !== undefined) pts.push(point('energyImport', T0 + k * Q, c));
    pts.push(point('activePower', T0 + k * Q, 40));
  }
  await store.write(pts);
  await store.flush();
}

/** Requested: three days from T0; the run 5 h into the third day (the platform stopped at T0 + 2 days). */
const request = { fromMs: T0, toMs: T0 + 3 * DAY };
const run = () => runDiagnosis({ registry, store }, 'F1', request, { nowMs: T0 + 2 * DAY + 5 * H });
const metering = (r: DiagnosisResult) => r.findings.find((f) => f.id === 'meteringData:M0');

describe('a diagnosis over a period longer than the data', () => {
  it('evaluates only the data (two of the three days), states the coverage, and reports no freeze', async () => {
    await writePlant((k) => 1000 + 10 * k);
    const r = await run();
    expect(r.period.fromMs).toBe(T0);
    expect(r.period.toMs).toBe(T0 + 2 * DAY);
    expect(r.period.days).toBe(2);
    expect(r.period.coverage).toEqual({
      requested: request,
      dataExtent: { firstMs: T0, lastMs: T0 + 2 * DAY },
      clipped: true,
      evaluatedShare: 2 / 3,
    });
    // Main's behaviour: the 24 h after the last point were judged "counter frozen" with the power held.
    expect(metering(r)?.what.en ?? '').not.toMatch(/frozen/);
    expect(r.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    // 192 quarter-hours of 10 kWh, nothing invented for the third day.
    const electricity = r.accounting.media.find((m) => m.medium === 'electricity');
    expect(electricity?.quantity).toBeCloseTo(1920, 9);
    const html = renderReport(r, { lang: 'en' });
    expect(html).toContain('only the 66.7 % of the requested period with data is evaluated');
    expect(renderReport(r, { lang: 'zh-CN' })).toContain('仅评价有数据的 66.7% 时段');
  });

  it('a counter flat for its last 6 h while the power gauge shows 40 kW is a freeze, to the end of the data', async () => {
    await writePlant((k) => 1000 + 10 * Math.min(k, 168)); // no increase from T0 + 42 h
    const f = metering(await run());
    expect(f?.severity).toBe('medium');
    expect(f?.what.en).toContain('counter frozen for 6 h (the power/flow gauge shows about 240 unrecorded)');
    expect(f?.when.fromMs).toBe(T0 + 42 * H);
  });

  it('a counter gone silent for its last 6 h while the power gauge keeps reporting is a freeze too', async () => {
    await writePlant((k) => (k <= 168 ? 1000 + 10 * k : undefined));
    const r = await run();
    expect(r.period.toMs).toBe(T0 + 2 * DAY); // the gauge's data is data: the period still reaches it
    const f = metering(r);
    expect(f?.what.en).toContain('counter frozen for 6 h (the power/flow gauge shows about 240 unrecorded)');
  });

  it('a freeze that ends inside the data (flat 10 h → 16 h, then counting again) is found', async () => {
    // Readings stay at the 10 h value up to 16 h, then rise 10 kWh a quarter-hour again (no catch-up).
    await writePlant((k) => 1000 + 10 * (k <= 40 ? k : k <= 64 ? 40 : k - 24));
    const f = metering(await run());
    expect(f?.what.en).toContain('counter frozen for 6 h (the power/flow gauge shows about 240 unrecorded)');
    expect(f?.when.fromMs).toBe(T0 + 10 * H);
  });

  it('a period with no stored data is refused with the data extent, not diagnosed as gaps', async () => {
    await writePlant((k) => 1000 + 10 * k);
    await expect(
      runDiagnosis(
        { registry, store },
        'F1',
        { fromMs: T0 + 3 * DAY, toMs: T0 + 4 * DAY },
        { nowMs: T0 + 5 * DAY },
      ),
    ).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/no stored data .* \(data from /),
    });
  });
});
