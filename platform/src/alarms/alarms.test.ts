import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openPlatformDb } from '../registry/db.js';
import { FactorySettingsStore } from '../registry/factory-settings.js';
import { Registry } from '../registry/registry.js';
import type { StoredPoint, TimeSeriesStore } from '../store/types.js';
import { AlarmRepository, AlarmService, timeWeightedMean } from './index.js';
import type { AlarmEvent, AlarmKind, Condition } from './types.js';

/** The engine with kinds the test controls: raise, update, clear, acknowledge, and a failing kind. */
function setup(kinds: AlarmKind[]) {
  const db = openPlatformDb(':memory:');
  const registry = new Registry(db);
  registry.putFactory({
    id: 'F',
    name: '',
    industry: 'discrete',
    province: '湖南',
    products: [],
    powerFactorStandard: 0.9,
    transformers: [],
  });
  let now = 1_000_000;
  const svc = new AlarmService({
    registry,
    store: {} as TimeSeriesStore,
    settings: new FactorySettingsStore(db),
    repo: new AlarmRepository(db),
    now: () => now,
    kinds,
  });
  const events: AlarmEvent[] = [];
  svc.subscribe('F', (e) => events.push(e));
  return { svc, events, tick: (ms: number) => (now += ms), at: () => now };
}

const cond = (key: string, severity: Condition['severity'], value: number): Condition => ({
  key,
  deviceId: key,
  severity,
  value,
  threshold: 10,
  unit: 'kW',
  params: { value },
  summary: `${key} ${value}`,
});

describe('alarm engine', () => {
  it('raises once, updates on a severity change, keeps the peak, clears when the condition is gone', async () => {
    let now: Condition[] = [cond('M1', 'warning', 12)];
    const { svc, events, tick, at } = setup([{ id: 'k', evaluate: async () => now }]);
    await svc.evaluate('F');
    const start = at();
    expect(events.map((e) => e.type)).toEqual(['raised']);
    tick(60_000);
    now = [cond('M1', 'warning', 15)];
    await svc.evaluate('F');
    expect(events.map((e) => e.type)).toEqual(['raised']); // same severity: no event
    tick(60_000);
    now = [cond('M1', 'major', 13)];
    await svc.evaluate('F');
    expect(events.map((e) => e.type)).toEqual(['raised', 'updated']);
    const [a] = svc.active('F');
    expect(a).toMatchObject({ startMs: start, severity: 'major', value: 13, peakValue: 15, endMs: null });
    tick(60_000);
    now = [];
    await svc.evaluate('F');
    expect(events.map((e) => e.type)).toEqual(['raised', 'updated', 'cleared']);
    expect(svc.active('F')).toEqual([]);
    expect(svc.history('F', 0, at() + 1, 10)).toMatchObject([{ key: 'M1', endMs: at(), startMs: start }]);
    expect(svc.status('F').evaluations).toBe(4);
  });

  it('a kind that fails leaves its alarms as they were; the others go on', async () => {
    let fail = false;
    const { svc, events } = setup([
      {
        id: 'flaky',
        evaluate: async () => {
          if (fail) throw new Error('store unreachable');
          return [cond('M1', 'major', 20)];
        },
      },
      { id: 'steady', evaluate: async () => [cond('M2', 'warning', 11)] },
    ]);
    await svc.evaluate('F');
    fail = true;
    await svc.evaluate('F');
    expect(
      svc
        .active('F')
        .map((a) => a.kind)
        .sort(),
    ).toEqual(['flaky', 'steady']);
    expect(events.filter((e) => e.type === 'cleared')).toEqual([]);
    expect(svc.status('F').lastError).toContain('store unreachable');
  });

  it('acknowledging records who and when, and is announced', async () => {
    const { svc, events, at } = setup([{ id: 'k', evaluate: async () => [cond('M1', 'warning', 12)] }]);
    await svc.evaluate('F');
    const id = svc.active('F')[0]!.id;
    expect(svc.acknowledge('F', id, '值班员', '已通知空压站')).toMatchObject({
      ackBy: '值班员',
      ackAtMs: at(),
    });
    expect(svc.acknowledge('OTHER', id, 'x', null)).toBeUndefined();
    expect(events.at(-1)?.type).toBe('acknowledged');
  });
});

describe('time-weighted mean of a gauge (last value held)', () => {
  it('equals the integral of the held value over the known time', () => {
    const pt = (tsMs: number, value: number | null, bad = false): StoredPoint => ({
      factoryId: 'F',
      deviceId: 'M',
      metric: 'p',
      tsMs,
      value,
      status: bad ? 0x80000000 : 0,
    });
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: -9, max: 9 }), { nil: null }),
        fc.uniqueArray(
          fc.record({
            t: fc.integer({ min: 0, max: 99 }),
            v: fc.integer({ min: -9, max: 9 }),
            bad: fc.boolean(),
          }),
          {
            selector: (x) => x.t,
            maxLength: 12,
          },
        ),
        (startValue, raw) => {
          const pts = raw.sort((a, b) => a.t - b.t).map((x) => pt(x.t, x.v, x.bad));
          const start = startValue === null ? null : pt(-1, startValue);
          let area = 0;
          let known = 0;
          for (let t = 0; t < 100; t++) {
            const last = [start, ...pts].filter((p) => p && p.tsMs <= t).at(-1);
            if (last && last.status === 0 && last.value !== null) {
              area += last.value;
              known++;
            }
          }
          const m = timeWeightedMean(start, pts, 0, 100);
          if (known === 0) expect(m).toBeNull();
          else expect(m).toBeCloseTo(area / known, 9);
        },
      ),
    );
  });
});
