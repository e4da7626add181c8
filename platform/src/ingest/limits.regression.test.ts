import type { Birth, Metric } from '@xiang/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { FACTORY, fixtureBatch, fixtureBirth, fixtureMetrics, T0 } from '../../../tests/platform/fixtures.js';
import { type IngestRig, ingestRig } from './test-support.js';

/** Issue 8: limits per agent and per factory, enforced before the work is done, each refusal counted. */
let rig: IngestRig;
afterEach(async () => rig?.close());
const totals = () => rig.ingest.counters.totals();
const metricRows = () => (rig.db.prepare('SELECT COUNT(*) AS n FROM metrics').get() as { n: number }).n;

function bigBirth(sessionId: string, n: number, first = 0, deviceId = 'M0'): Birth {
  const metrics: Metric[] = Array.from({ length: n }, (_, k) => ({
    ...fixtureMetrics[0]!,
    i: first + k,
    deviceId,
    key: `m${first + k}`,
  }));
  return { ...fixtureBirth(sessionId), metrics };
}

describe('limits', () => {
  it('an oversized birth is refused before it is parsed; one with too many metrics before any registry row', async () => {
    rig = await ingestRig({ limits: { maxBirthBytes: 4096, maxMetricsPerBirth: 10 } });
    await rig.send('birth', bigBirth('session-0001', 100));
    await rig.send('birth', { ...bigBirth('session-0001', 11), devices: [] });
    expect(totals().rejectedMessages).toEqual({ birthTooLarge: 1, tooManyMetrics: 1 });
    expect(metricRows()).toBe(0);
    expect(rig.registry.agent(FACTORY, 'A1')).toBeUndefined();
  });

  it('metric keys longer than the limit, and too many devices per agent or factory, refuse the birth', async () => {
    rig = await ingestRig({
      limits: { maxMetricKeyLength: 20, maxDevicesPerAgent: 3, maxDevicesPerFactory: 5 },
    });
    const long = {
      ...fixtureBirth('session-0001', { metrics: [{ ...fixtureMetrics[0]!, key: `k${'x'.repeat(20)}` }] }),
      devices: [],
    };
    await rig.send('birth', long);
    await rig.send('birth', fixtureBirth('session-0001')); // 4 devices > 3
    const two = (ids: string[]): Birth => ({
      ...fixtureBirth('session-0002'),
      devices: ids.map((id) => ({ id, kind: 'meter', assetPath: '' })),
      metrics: [],
    });
    await rig.send('birth', two(['D1', 'D2', 'D3']), FACTORY, 'B1');
    await rig.send('birth', two(['D4', 'D5', 'D6']), FACTORY, 'B2'); // factory total 6 > 5
    expect(totals().rejectedMessages).toEqual({ metricKeyTooLong: 1, tooManyDevices: 2 });
    expect(rig.registry.devices(FACTORY).map((d) => d.id)).toEqual(['D1', 'D2', 'D3']);
  });

  it('new series per minute are bounded per agent; the budget returns after a minute', async () => {
    let now = T0;
    rig = await ingestRig({ limits: { newSeriesPerMinutePerAgent: 15 } }, () => now);
    await rig.send('birth', bigBirth('session-0001', 10));
    await rig.send('birth', { ...bigBirth('session-0001', 20), seq: 1 }); // 10 new: 20 > 15
    expect(totals().rejectedMessages).toEqual({ seriesRateExceeded: 1 });
    expect(metricRows()).toBe(10);
    now += 61_000;
    await rig.send('birth', { ...bigBirth('session-0001', 20), seq: 2 });
    expect(metricRows()).toBe(20);
  });

  it('one data message cannot create more series than its birth declared', async () => {
    rig = await ingestRig({ limits: { maxMetricsPerBirth: 100 } });
    await rig.send('birth', bigBirth('session-0001', 100));
    const points = Array.from({ length: 50_000 }, (_, k) => [k, T0, 1]);
    await rig.send('data', fixtureBatch('session-0001', 1, points as never));
    const series = rig.db.prepare('SELECT COUNT(*) AS n FROM metrics').get() as { n: number };
    expect(series.n).toBe(100);
    expect(totals().pointsStored).toBe(100);
    expect(totals().rejectedPoints).toEqual({ unknownMetricIndex: 49_900 });
  });

  it('parking is bounded in bytes per agent: the batch that does not fit is dead-lettered, counted', async () => {
    rig = await ingestRig({ limits: { maxParkedBytesPerAgent: 3000 } });
    const batch = (seq: number) =>
      fixtureBatch(
        'session-0001',
        seq,
        Array.from({ length: 40 }, (_, k) => [0, T0 + seq * 100 + k, k]) as never,
      );
    for (let seq = 1; seq <= 4; seq++) await rig.send('data', batch(seq));
    expect(rig.ingest.parking.count()).toBeLessThan(4);
    expect(rig.ingest.parking.bytes(FACTORY, 'A1')).toBeLessThanOrEqual(3000);
    expect(totals().rejectedMessages.parkOverflow).toBe(4 - rig.ingest.parking.count());
  });

  it('session rows per agent are bounded: random session ids cannot grow them', async () => {
    rig = await ingestRig({ limits: { maxSessionsPerAgent: 5 } });
    for (let n = 0; n < 30; n++)
      await rig.send('birth', fixtureBirth(`session-${String(n).padStart(4, '0')}`));
    for (let n = 0; n < 30; n++)
      await rig.send('data', fixtureBatch(`random-${n}-session`, 1, [[0, T0 + n, n]]));
    const rows = rig.db.prepare('SELECT COUNT(*) AS n FROM ingest_sessions').get() as { n: number };
    expect(rows.n).toBeLessThanOrEqual(5);
  });
});
