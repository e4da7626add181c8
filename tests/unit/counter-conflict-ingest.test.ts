import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestConfigSchema, mqttConfigSchema } from '../../platform/src/config/schema.js';
import { RESET_MARKER_BIT } from '../../platform/src/ingest/counter-consistency.js';
import { createIngest, type Ingest } from '../../platform/src/ingest/ingest.js';
import { type Db, openPlatformDb } from '../../platform/src/registry/db.js';
import { Registry } from '../../platform/src/registry/registry.js';
import { EmbeddedStore } from '../../platform/src/store/embedded/embedded-store.js';
import { AGENT, FACTORY, fixtureBatch, fixtureBirth, T0 } from '../platform/fixtures.js';

/**
 * The ingest hook of counter-consistency.ts through the real processor, registry and embedded store: a
 * historical batch that rewrites stored counter history (what a second `npm start` did on main) is refused
 * whole — dead letter `counterConflict`, counted — and the stored series stays as it was.
 */
let db: Db;
let store: EmbeddedStore;
let ingest: Ingest;
beforeEach(async () => {
  db = openPlatformDb(':memory:');
  store = new EmbeddedStore({ file: ':memory:', rollupRefreshMs: 0 });
  await store.init();
  const registry = new Registry(db);
  registry.createFactory({ id: FACTORY }); // an admin created it (ingest refuses unknown factories)
  ingest = createIngest({
    registry,
    store,
    log: pino({ level: 'silent' }),
    mqtt: mqttConfigSchema.parse({}),
    ingest: ingestConfigSchema.parse({ rebirthMinIntervalMs: 0 }),
    connect: false,
  });
});
afterEach(async () => {
  await ingest.stop();
  await store.close();
  db.close();
});

const send = (kind: string, body: unknown) =>
  ingest.processor.handle(`xiang/v1/${FACTORY}/${AGENT}/${kind}`, Buffer.from(JSON.stringify(body)));
const MIN = 60_000;
const energy = { factoryId: FACTORY, deviceId: 'M0', metric: 'energyImport' };
const power = { factoryId: FACTORY, deviceId: 'M0', metric: 'activePower' };
const stored = async (key = energy) =>
  (await store.raw(key, T0 - 86_400_000, T0 + 86_400_000)).map((p) => [(p.tsMs - T0) / MIN, p.value]);
/** Energy (index 1) and power (index 0) every minute from minute `from`, energy starting at `kwh`. */
const minutes = (from: number, n: number, kwh: number, step = 2) =>
  Array.from({ length: n }, (_, k) => [
    [1, T0 + (from + k) * MIN, kwh + k * step] as [number, number, number],
    [0, T0 + (from + k) * MIN, 100 + k] as [number, number, number],
  ]).flat();

describe('ingest refuses history that contradicts stored counters', () => {
  it('a second history over stored timestamps is dead-lettered whole; the stored series is unchanged', async () => {
    await send('birth', fixtureBirth('session-run-1'));
    await send('data', fixtureBatch('session-run-1', 1, minutes(0, 5, 1000), true));
    const before = await stored();
    expect(before).toEqual([
      [0, 1000],
      [1, 1002],
      [2, 1004],
      [3, 1006],
      [4, 1008],
    ]);

    // "npm start" again on main: a new session replays its own (different) history over the same minutes.
    await send('birth', fixtureBirth('session-run-2'));
    await send('data', fixtureBatch('session-run-2', 1, minutes(0, 5, 995, 3), true));

    expect(await stored()).toEqual(before);
    expect((await stored(power)).map(([, v]) => v)).toEqual([100, 101, 102, 103, 104]);
    expect(ingest.counters.totals().rejectedMessages).toMatchObject({ counterConflict: 1 });
    const [dl] = ingest.deadLetters.list({ reason: 'counterConflict' });
    expect(dl?.detail).toMatch(/^M0\.energyImport: .* is stored as 1000, the batch says 995/);
    expect(dl?.pointCount).toBe(10);
    const [inc] = await store.counterIncrease({
      series: [energy],
      fromMs: T0,
      toMs: T0 + 5 * MIN,
      intervalMs: 5 * MIN,
    });
    expect(inc?.intervals[0]).toMatchObject({ resets: 0 });
  });

  it('history that continues the stored counter is stored; one that starts lower needs the reset marker', async () => {
    await send('birth', fixtureBirth('session-a'));
    await send('data', fixtureBatch('session-a', 1, minutes(0, 3, 1000), true));
    await send('data', fixtureBatch('session-a', 2, minutes(3, 2, 1004), true)); // continues: 1004 ≥ 1004
    await send('data', fixtureBatch('session-a', 3, [[1, T0 + 5 * MIN, 7]], true)); // backwards, unmarked
    expect(ingest.counters.totals().rejectedMessages).toMatchObject({ counterConflict: 1 });
    await send('data', fixtureBatch('session-a', 4, [[1, T0 + 5 * MIN, 7, RESET_MARKER_BIT]], true));
    expect((await stored()).map(([m]) => m)).toEqual([0, 1, 2, 3, 4, 5]);
    // exact redelivery of stored history is accepted (stored once)
    await send('data', fixtureBatch('session-a', 5, minutes(0, 3, 1000), true));
    expect(ingest.counters.totals().rejectedMessages).toMatchObject({ counterConflict: 1 });
    expect(await stored()).toHaveLength(6);
  });

  it('live data is not judged: a meter reset seen live is stored and counted as a reset by the store', async () => {
    await send('birth', fixtureBirth('session-live'));
    await send('data', fixtureBatch('session-live', 1, minutes(0, 2, 1000)));
    await send('data', fixtureBatch('session-live', 2, [[1, T0 + 2 * MIN, 1]]));
    expect((await stored()).map(([, v]) => v)).toEqual([1000, 1002, 1]);
    expect(ingest.counters.totals().rejectedMessages.counterConflict ?? 0).toBe(0);
  });
});
