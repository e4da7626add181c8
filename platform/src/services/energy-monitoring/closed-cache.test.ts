import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { device, point, registryMetric, tempStore } from '../../query/adapters.test-support.js';
import { openPlatformDb } from '../../registry/db.js';
import { DEFAULT_FACTORY_SETTINGS, type FactorySettingsStore } from '../../registry/factory-settings.js';
import { factoryProfileSchema, type RegistrySnapshot } from '../../registry/model.js';
import type { Registry } from '../../registry/registry.js';
import type { CounterSummaryQuery, StoredPoint, SummaryQuery, TimeSeriesStore } from '../../store/types.js';
import { ClosedInputStore } from './closed-store.js';
import { loadMonitoringInputs, periodsAt } from './inputs.js';
import { buildOverview } from './overview.js';
import { EnergyMonitoringService } from './service.js';
import { resolveTariff } from './tariff.js';
import { observeWrites } from './written.js';

/**
 * The overview keeps the two closed months and the accounting of spans before today (closed-cache.ts). Its
 * figures must be those of the slow path — one uncached read of the three months, accounted afresh — on a cold
 * and a warm request, and again after late data lands in a closed month (an agent's queue replayed).
 */
const Q = 900_000;
const DAY = 86_400_000;
// Local (UTC+8) 2025-03-18 21:07: two closed months (January, February) and 17 days of March before it.
const AT = Date.parse('2025-03-18T21:07:00+08:00');
const FROM = Date.parse('2025-01-01T00:00:00+08:00') - DAY;

const profile = factoryProfileSchema.parse({ id: 'F1', contractDemandKw: 500 });
const meters = [
  { ...device('MAIN', 'meter', '', 0), medium: 'electricity' as const, meterRole: 'mainIncomer' as const },
  { ...device('WS1', 'meter', 'WS1', 0), medium: 'electricity' as const, parentMeter: 'MAIN' },
];
const snapshot: RegistrySnapshot = {
  factory: profile,
  assets: [{ factoryId: 'F1', path: 'WS1', level: 'workshop', name: '一车间' }] as RegistrySnapshot['assets'],
  devices: meters,
  metrics: meters.map((d) => ({ ...registryMetric(d.id, 'energy', 'activeEnergyImport'), kind: 'counter' })),
  lines: [],
  onlineHistory: [],
};
const registry = {
  factory: () => profile,
  factories: () => [profile],
  snapshot: () => snapshot,
} as unknown as Registry;
const settings = { get: () => ({ ...DEFAULT_FACTORY_SETTINGS, updatedAtMs: null, updatedBy: null }) };

/** kW of each meter at t: a day/night pattern, the workshop ~60 % of the incomer. */
const kw = (id: string, t: number) => {
  const h = ((t + 8 * 3_600_000) % DAY) / 3_600_000;
  const base = 120 + (h >= 8 && h < 20 ? 300 : 0) + ((t / Q) % 7) * 3;
  return id === 'MAIN' ? base : base * 0.6;
};
/** Counter readings every 10 min over [fromMs, toMs), except in `silent` spans (the meter said nothing). */
function readings(fromMs: number, toMs: number, silent: [number, number][] = []): StoredPoint[] {
  const out: StoredPoint[] = [];
  for (const m of meters) {
    let kwh = 1000;
    for (let t = fromMs; t < toMs; t += 600_000) {
      kwh += kw(m.id, t) / 6;
      if (silent.some(([a, b]) => t >= a && t < b)) continue;
      out.push(point(m.id, 'energy', t, kwh));
    }
  }
  return out;
}

/** The slow path: one read of the three months, no cache. */
async function slowOverview(store: TimeSeriesStore, at: number) {
  const p = periodsAt(at, 480);
  const input = await loadMonitoringInputs(store, snapshot, p.monthBeforeStart, p.nowMs, {
    lineOutput: true,
  });
  const tariff = resolveTariff(DEFAULT_FACTORY_SETTINGS.tariff);
  return buildOverview(snapshot, { input, tariff, settings: DEFAULT_FACTORY_SETTINGS.tariff }, p, at, 480);
}

let store: TimeSeriesStore;
let cleanup: () => Promise<void>;
let summaryReads: (SummaryQuery | CounterSummaryQuery)[];
beforeEach(async () => {
  ({ store, cleanup } = await tempStore());
  summaryReads = [];
  const summaries = store.summaries.bind(store);
  store.summaries = ((q: SummaryQuery) => {
    summaryReads.push(q);
    return summaries(q);
  }) as TimeSeriesStore['summaries'];
});
afterEach(async () => cleanup());

function service(s: TimeSeriesStore, now = () => AT, closedInputs?: ClosedInputStore) {
  return new EnergyMonitoringService({
    registry,
    store: s,
    settings: settings as unknown as FactorySettingsStore,
    now,
    ...(closedInputs ? { closedInputs } : {}),
  });
}

describe('closed months kept by the overview', () => {
  // January 1–6 reaches the platform late (an agent's queue replayed) after the first views.
  const jan6 = Date.parse('2025-01-06T00:00:00+08:00');
  const all = readings(FROM, AT);

  // Three months of readings and eight overviews: more than the unit default on a loaded 2-core machine.
  it('cold and warm answers equal the slow path; late data in a closed month is seen at once', {
    timeout: 120_000,
  }, async () => {
    const observed = observeWrites(store);
    const svc = service(observed.store);
    observed.onWritten((f, ts) => svc.written(f, ts));
    await observed.store.write(all.filter((p) => p.tsMs >= jan6));
    await observed.store.flush();

    const cold = await svc.overview('F1', AT);
    expect(cold).toEqual(await slowOverview(store, AT));
    const january = cold.periods.find((p) => p.key === 'lastMonth')!.media[0]!;
    expect(january.previousCoverage).toBeLessThan(0.85); // January 1–6 unknown, not zero

    // Warm, a quarter-hour later: the closed months come from the cache (only March is read) — same figures.
    const at2 = AT + Q;
    const reads = summaryReads.length;
    const warm = await svc.overview('F1', at2);
    expect(summaryReads.slice(reads).every((q) => q.fromMs >= periodsAt(at2, 480).monthStart)).toBe(true);
    expect(warm).toEqual(await slowOverview(store, at2));

    // Live data (now) keeps the closed months; late data for February drops them, and the answer follows.
    await observed.store.write(readings(AT, AT + 2 * Q));
    const at3 = AT + 2 * Q;
    const r3 = summaryReads.length;
    const live = await svc.overview('F1', at3);
    expect(summaryReads.slice(r3).every((q) => q.fromMs >= periodsAt(at3, 480).monthStart)).toBe(true);
    expect(live).toEqual(await slowOverview(store, at3));

    const late = all.filter((p) => p.tsMs < jan6);
    expect(late.length).toBeGreaterThan(1000);
    await observed.store.write(late);
    await observed.store.flush();
    const at4 = AT + 3 * Q;
    const after = await svc.overview('F1', at4);
    const slow = await slowOverview(store, at4);
    expect(after).toEqual(slow);
    const jan = after.periods.find((p) => p.key === 'lastMonth')!.media[0]!;
    expect(jan.previousCoverage).toBe(1);
    expect(jan.previousQuantity).toBeGreaterThan(january.previousQuantity! * 1.1);
  });

  it('a late reading of yesterday drops the accounting kept for yesterday', {
    timeout: 120_000,
  }, async () => {
    const observed = observeWrites(store);
    const svc = service(observed.store);
    observed.onWritten((f, ts) => svc.written(f, ts));
    const y = periodsAt(AT, 480).yesterdayStart;
    const all = readings(FROM, AT);
    const wrong = all.find((p) => p.deviceId === 'MAIN' && p.tsMs === y + 10 * 3_600_000)!;
    // Yesterday 10:00 the incomer's reading came with a Bad status; the agent re-sends it Good later.
    await observed.store.write(all.map((p) => (p === wrong ? { ...p, status: 0x80000000 } : p)));
    await observed.store.flush();
    const before = await svc.overview('F1', AT);
    await observed.store.write([wrong]);
    await observed.store.flush();
    const after = await svc.overview('F1', AT + Q);
    expect(after).toEqual(await slowOverview(store, AT + Q));
    const yb = before.periods.find((p) => p.key === 'yesterday')!;
    const ya = after.periods.find((p) => p.key === 'yesterday')!;
    expect(yb.coverage).toBeLessThan(1);
    expect(ya.coverage).toBe(1);
  });

  it('read ahead (at start, after late data): the first overview reads only this month, same figures', {
    timeout: 120_000,
  }, async () => {
    const observed = observeWrites(store);
    const svc = service(observed.store);
    observed.onWritten((f, ts) => svc.written(f, ts));
    await observed.store.write(readings(FROM, AT));
    await observed.store.flush();
    await svc.prepare('F1');
    const reads = summaryReads.length;
    expect(reads).toBeGreaterThan(0);
    const first = await svc.overview('F1', AT);
    expect(summaryReads.slice(reads).every((q) => q.fromMs >= periodsAt(AT, 480).monthStart)).toBe(true);
    expect(first).toEqual(await slowOverview(store, AT));
    svc.close();
  });
});

describe('closed months kept across restarts (platform SQLite)', () => {
  const jan6 = Date.parse('2025-01-06T00:00:00+08:00');
  const all = readings(FROM, AT);
  const closedReads = (from: number, at: number) =>
    summaryReads.slice(from).filter((q) => q.fromMs < periodsAt(at, 480).monthStart).length;
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-closed-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));
  /** One platform process: its SQLite file, the service over the observed store; `stop` as main.ts does. */
  const start = () => {
    const db = openPlatformDb(path.join(dir, 'platform.db'));
    const observed = observeWrites(store);
    const kept = new ClosedInputStore(db);
    const svc = service(observed.store, () => AT, kept);
    observed.onWritten((f, ts) => svc.written(f, ts));
    return {
      svc,
      write: async (points: StoredPoint[]) => {
        await observed.store.write(points);
        await observed.store.flush();
      },
      stop: (clean = true) => {
        svc.close();
        if (clean) kept.markClean();
        db.close();
      },
    };
  };

  /** The history but January 1–6, and a first platform's overview of it (equal to the slow path). */
  const firstRun = async () => {
    await store.write(all.filter((p) => p.tsMs >= jan6));
    await store.flush();
    const a = start();
    const first = await a.svc.overview('F1', AT);
    expect(first).toEqual(await slowOverview(store, AT));
    return { a, first };
  };

  it('a restarted platform answers from the kept months (no closed read), late data changes the answer after restart too', {
    timeout: 120_000,
  }, async () => {
    const { a, first } = await firstRun();
    a.stop();

    // Restart: the closed months come from the platform's SQLite — the store is read for March only.
    const b = start();
    const r0 = summaryReads.length;
    const again = await b.svc.overview('F1', AT);
    expect(closedReads(r0, AT)).toBe(0);
    expect(again).toEqual(first);
    // January 1–6 arrive late (an agent's queue), and the platform stops before anyone looks again.
    await b.write(all.filter((p) => p.tsMs < jan6));
    b.stop();

    // Next start: the kept months were dropped by the late data — read again (and kept again).
    const c = start();
    const r1 = summaryReads.length;
    const afterRestart = await c.svc.overview('F1', AT);
    expect(closedReads(r1, AT)).toBeGreaterThan(0);
    expect(afterRestart).toEqual(await slowOverview(store, AT));
    c.stop();
    const d = start();
    const r2 = summaryReads.length;
    expect(await d.svc.overview('F1', AT)).toEqual(afterRestart);
    expect(closedReads(r2, AT)).toBe(0);
    d.stop();
    const jan = (o: typeof first) => o.periods.find((p) => p.key === 'lastMonth')!.media[0]!;
    expect(jan(first).previousCoverage).toBeLessThan(0.85);
    expect(jan(afterRestart).previousCoverage).toBe(1);
    expect(jan(afterRestart).previousQuantity).toBeGreaterThan(jan(first).previousQuantity! * 1.1);
  });

  it('after a stop that was not clean nothing kept is trusted (a write may not have dropped what it changed)', {
    timeout: 120_000,
  }, async () => {
    const { a, first } = await firstRun();
    // The process dies between a durable late write and the drop it would have made.
    await store.write(all.filter((p) => p.tsMs < jan6));
    await store.flush();
    a.stop(false);

    const b = start();
    const r0 = summaryReads.length;
    const after = await b.svc.overview('F1', AT);
    expect(closedReads(r0, AT)).toBeGreaterThan(0);
    expect(after).toEqual(await slowOverview(store, AT));
    expect(after).not.toEqual(first);
    b.stop();
  });

  it('a drop that fails (SQLite busy, disk full) distrusts every kept row, now and after the next start', {
    timeout: 120_000,
  }, async () => {
    const { a, first } = await firstRun();
    const failing = vi.spyOn(ClosedInputStore.prototype, 'written').mockImplementation(() => {
      throw new Error('SQLITE_BUSY: database is locked');
    });
    try {
      // Late January data: the in-memory entry goes, the kept row cannot be dropped.
      await a.write(all.filter((p) => p.tsMs < jan6));
    } finally {
      failing.mockRestore();
    }
    const truth = await slowOverview(store, AT);
    expect(truth).not.toEqual(first);
    // This process misses in memory and must not fall back on the stale row...
    expect(await a.svc.overview('F1', AT)).toEqual(truth);
    a.stop(); // ...and its graceful stop must not vouch for the rows.
    const b = start();
    const r0 = summaryReads.length;
    expect(await b.svc.overview('F1', AT)).toEqual(truth);
    expect(closedReads(r0, AT)).toBeGreaterThan(0);
    b.stop();
  });

  it('a tree changed while stopped: the kept months are not used', { timeout: 120_000 }, async () => {
    await store.write(all);
    await store.flush();
    const db = openPlatformDb(path.join(dir, 'platform.db'));
    const kept = new ClosedInputStore(db);
    const p = periodsAt(AT, 480);
    const input = await loadMonitoringInputs(store, snapshot, p.monthBeforeStart, p.monthStart);
    kept.put('F1', 'tree A', { period: input.period, meters: input.meters, lines: [] });
    expect(kept.get('F1', 'tree A', p.monthBeforeStart, p.monthStart)?.meters).toHaveLength(2);
    const got = kept.get('F1', 'tree A', p.monthBeforeStart, p.monthStart)!;
    expect(got.meters[0]!.consumption.values).toEqual(input.meters[0]!.consumption.values);
    expect(kept.get('F1', 'tree B', p.monthBeforeStart, p.monthStart)).toBeNull();
    expect(kept.get('F1', 'tree A', p.monthBeforeStart, p.monthStart)).toBeNull(); // dropped with the mismatch
    db.close();
  });
});
