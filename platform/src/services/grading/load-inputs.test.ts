import { afterEach, describe, expect, it } from 'vitest';
import { AGENT, FACTORY, fixtureBirth, T0 } from '../../../../tests/platform/fixtures.js';
import { computeIndicators } from '../../grading/indicators/index.js';
import { point, tempStore } from '../../query/adapters.test-support.js';
import { openPlatformDb } from '../../registry/db.js';
import { Registry } from '../../registry/registry.js';
import { loadIndicatorInputs } from './load-inputs.js';

/**
 * Over a period longer than the data (the console's default 30 days), the assessment's period is clipped to
 * the data and every indicator says what share of the requested period that was (issue 10 §6).
 */
const H = 3_600_000;
const DAY = 24 * H;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('indicator inputs over a period longer than the data', () => {
  it('clip the period to the data span and report the coverage of the requested period', async () => {
    const db = openPlatformDb(':memory:');
    cleanups.push(() => {
      db.close();
    });
    const registry = new Registry(db);
    registry.applyBirth(FACTORY, AGENT, fixtureBirth('s1', { timestamp: T0 }), T0 + 400 * DAY);
    const { store, cleanup } = await tempStore();
    cleanups.push(cleanup);
    await store.write([{ ...point('C1', 'state', T0, 3), factoryId: FACTORY }]);
    await store.flush();
    const period = { fromMs: T0 - 9 * DAY, toMs: T0 + DAY };
    const { inputs, notes } = await loadIndicatorInputs(
      { registry, store, energyCoverage: async () => ({ indicator: null, note: 'not needed here' }) },
      FACTORY,
      period,
      T0 + DAY,
    );
    expect([inputs.fromMs, inputs.toMs]).toEqual([T0, T0 + DAY]);
    expect(inputs.requestedPeriod).toEqual(period);
    expect(notes.join(' ')).toMatch(/period clipped to the data/);
    const net = computeIndicators(inputs).find((i) => i.id === 'equipment-networking-rate');
    expect(net?.fromMs).toBe(T0);
    expect(net?.coverage).toBeCloseTo(0.1, 12);
    expect(net?.lowCoverage).toBe(true);
  });
});
