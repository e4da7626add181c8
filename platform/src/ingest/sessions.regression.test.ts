import { afterEach, describe, expect, it } from 'vitest';
import { FACTORY, fixtureBatch, fixtureBirth, fixtureMetrics, T0 } from '../../../tests/platform/fixtures.js';
import { type IngestRig, ingestRig } from './test-support.js';

/**
 * Regression tests for issue 8 (each failed on the main of 2025-xx before the fix): session semantics across
 * rebirths, data before its birth, forged sessions, values the store cannot hold, factories made by births.
 */
let rig: IngestRig;
afterEach(async () => rig?.close());

const totals = () => rig.ingest.counters.totals();
const S = 'session-0001';
const newDevice = { i: 8, deviceId: 'M3', key: 'activePower', quantity: 'activePower' } as const;
const withM3 = [...fixtureMetrics, { ...newDevice, kind: 'gauge', datatype: 'double', unit: 'kW' } as const];

describe('a rebirth never makes later data look like a duplicate', () => {
  it('continuous seq: the rebirth carries the next seq; data after it (with a new device) is stored', async () => {
    rig = await ingestRig();
    await rig.send('birth', fixtureBirth(S));
    for (let seq = 1; seq <= 3; seq++) await rig.send('data', fixtureBatch(S, seq, [[0, T0 + seq, seq]]));
    await rig.send('birth', { ...fixtureBirth(S, { metrics: withM3, timestamp: T0 + 10 }), seq: 4 });
    for (let seq = 5; seq <= 7; seq++)
      await rig.send(
        'data',
        fixtureBatch(S, seq, [
          [0, T0 + seq, seq],
          [8, T0 + seq, seq],
        ]),
      );
    expect(await rig.count('M0', 'activePower')).toBe(6);
    expect(await rig.count('M3', 'activePower')).toBe(3);
    expect(totals()).toMatchObject({ duplicates: 0, pointsStored: 9 });
    // A QoS 1 redelivery of a pre-rebirth message is still recognised as handled.
    await rig.send('data', fixtureBatch(S, 2, [[0, T0 + 2, 2]]));
    expect(totals().duplicates).toBe(1);
    expect(totals().pointsStored).toBe(9);
  });

  it('legacy agents (seq restarts at 0 with the rebirth) keep working: nothing after the rebirth is dropped', async () => {
    rig = await ingestRig();
    await rig.send('birth', fixtureBirth(S));
    for (let seq = 1; seq <= 3; seq++) await rig.send('data', fixtureBatch(S, seq, [[0, T0 + seq, seq]]));
    await rig.send('birth', fixtureBirth(S, { metrics: withM3, timestamp: T0 + 10 }));
    for (let seq = 1; seq <= 3; seq++)
      await rig.send(
        'data',
        fixtureBatch(S, seq, [
          [0, T0 + 100 + seq, seq],
          [8, T0 + 100 + seq, seq],
        ]),
      );
    expect(await rig.count('M0', 'activePower')).toBe(6);
    expect(await rig.count('M3', 'activePower')).toBe(3);
    expect(totals()).toMatchObject({ duplicates: 0, legacyRebirths: 1 });
  });

  it('a redelivered birth (same seq 0, same timestamp) is not a legacy rebirth', async () => {
    rig = await ingestRig();
    await rig.send('birth', fixtureBirth(S));
    await rig.send('data', fixtureBatch(S, 1, [[0, T0 + 1, 1]]));
    await rig.send('birth', fixtureBirth(S));
    await rig.send('data', fixtureBatch(S, 1, [[0, T0 + 1, 1]]));
    expect(totals()).toMatchObject({ duplicates: 2, legacyRebirths: 0, pointsStored: 1 });
  });
});

describe('platform started in the middle of a session', () => {
  it('continuous seq: data before the birth is parked, then stored once the rebirth arrives; none is a duplicate', async () => {
    rig = await ingestRig();
    for (let seq = 10; seq <= 20; seq++) await rig.send('data', fixtureBatch(S, seq, [[0, T0 + seq, seq]]));
    expect(await rig.count('M0', 'activePower')).toBe(0);
    expect(rig.commands.length).toBeGreaterThan(0);
    await rig.send('birth', { ...fixtureBirth(S), seq: 21 });
    for (let seq = 22; seq <= 30; seq++) await rig.send('data', fixtureBatch(S, seq, [[0, T0 + seq, seq]]));
    expect(await rig.count('M0', 'activePower')).toBe(20);
    expect(totals()).toMatchObject({ duplicates: 0, pointsStored: 20, parked: 11, unparked: 11 });
    expect(rig.ingest.parking.count()).toBe(0);
  });

  it('legacy agent: the rebirth restarts seq at 0; nothing is dropped as a duplicate', async () => {
    rig = await ingestRig();
    for (let seq = 10; seq <= 20; seq++) await rig.send('data', fixtureBatch(S, seq, [[0, T0 + seq, seq]]));
    await rig.send('birth', fixtureBirth(S));
    for (let seq = 1; seq <= 25; seq++)
      await rig.send('data', fixtureBatch(S, seq, [[0, T0 + 1000 + seq, seq]]));
    expect(await rig.count('M0', 'activePower')).toBe(36);
    expect(totals().duplicates).toBe(0);
  });
});

describe('authority: data of a session whose birth was not seen is never stored as the agent', () => {
  it('forged batches on a real agent topic are parked, not stored; rebirths to the agent are bounded per minute', async () => {
    let now = T0 + 86_400_000;
    rig = await ingestRig({ rebirthMaxPerMinute: 3 }, () => now);
    await rig.send('birth', fixtureBirth(S));
    await rig.send('data', fixtureBatch(S, 1, [[2, T0, 10.5]]));
    for (let n = 0; n < 20; n++) {
      await rig.send(
        'data',
        fixtureBatch(`forged-${n}-xxxx`, 1, [
          [2, T0, -999],
          [0, T0 + n, -999],
        ]),
      );
      now += 1000;
    }
    expect(await rig.count('M0', 'activePower')).toBe(0);
    const [m1] = await rig.store.latest(FACTORY, { deviceIds: ['M1'], metrics: ['activePower'] });
    expect(m1?.value).toBe(10.5);
    expect(rig.commands.length).toBeLessThanOrEqual(3);
    // The real agent answers with a rebirth of its own session: the forged data stays out of its series.
    await rig.send('birth', { ...fixtureBirth(S, { timestamp: T0 + 5 }), seq: 2 });
    await rig.send('data', fixtureBatch(S, 3, [[0, T0 + 100, 1]]));
    expect(await rig.count('M0', 'activePower')).toBe(1);
    expect(totals().duplicates).toBe(0);
  });
});

describe('data of a session whose birth was not seen', () => {
  it('is parked even when the agent table knows its indices, and stored once that session is born', async () => {
    rig = await ingestRig();
    await rig.send('birth', fixtureBirth('session-0001'));
    await rig.send('data', fixtureBatch('session-0002', 1, [[0, T0, 1]]));
    expect(await rig.count('M0', 'activePower')).toBe(0);
    expect(rig.ingest.parking.count()).toBe(1);
    expect(totals().rebirthsRequested).toBe(1);
    await rig.send('birth', { ...fixtureBirth('session-0002', { timestamp: T0 + 1 }), seq: 2 });
    expect(await rig.count('M0', 'activePower')).toBe(1);
    expect(rig.ingest.parking.count()).toBe(0);
  });
});

describe('values the store cannot hold are rejected at decode', () => {
  it('±Infinity (1e400 in JSON) and timestamps of any magnitude get their own reasons; pointsStored matches the store', async () => {
    rig = await ingestRig();
    await rig.send('birth', fixtureBirth(S));
    const raw = `{"sessionId":"${S}","seq":1,"points":[[0,${T0},1e400],[0,${T0 + 1},-1e400],[0,${T0 + 2},7],[0,1e300,1],[0,-1e300,1],[0,1e400,1]]}`;
    await rig.send('data', raw);
    const t = totals();
    expect(t.rejectedPoints).toEqual({ nonFiniteValue: 2, timestampOutOfRange: 3 });
    expect(t.rejectedMessages.internalError).toBeUndefined();
    expect(t.pointsStored).toBe(1);
    expect(await rig.count('M0', 'activePower')).toBe(1);
    const reasons = rig.ingest.deadLetters.list().map((d) => [d.reason, d.pointCount]);
    expect(reasons.sort()).toEqual([
      ['nonFiniteValue', 2],
      ['timestampOutOfRange', 3],
    ]);
  });
});

describe('factories are created by an admin or by the auto-register setting, not by any birth', () => {
  it('a birth for an unknown factory is dead-lettered as unknownFactory when auto-registration is off', async () => {
    rig = await ingestRig({ autoRegisterFactories: false });
    await rig.send('birth', fixtureBirth(S), 'NEWF');
    await rig.send('data', fixtureBatch(S, 1, [[0, T0, 1]]), 'NEWF');
    expect(rig.registry.factory('NEWF')).toBeUndefined();
    expect(rig.registry.devices('NEWF')).toEqual([]);
    expect(totals().rejectedMessages).toEqual({ unknownFactory: 2 });
    expect(rig.ingest.parking.count()).toBe(0);
    rig.registry.createFactory({ id: 'NEWF' });
    await rig.send('birth', fixtureBirth(S), 'NEWF');
    await rig.send('data', fixtureBatch(S, 2, [[0, T0, 1]]), 'NEWF');
    expect(await rig.count('M0', 'activePower', 'NEWF')).toBe(1);
  });
});
