import { afterEach, describe, expect, it } from 'vitest';
import { fixtureBatch, fixtureBirth, T0 } from '../../../tests/platform/fixtures.js';
import { isTransient } from './steps.js';
import { type IngestRig, ingestRig } from './test-support.js';

/**
 * Soak seed 257117 on InfluxDB (issue 8): InfluxDB stopped while the agent replayed its backlog. A historical
 * batch with counter samples makes the ingest read stored neighbours (counter-consistency.ts); that read
 * failed, and the message was dead-lettered as internalError — and acknowledged: 352 acknowledged values
 * never stored. A failed read is the store's fault, not the message's: transient, like a failed write.
 */
let rig: IngestRig;
afterEach(async () => rig?.close());

const MIN = 60_000;
/** Energy (index 1, a counter) and power (index 0) every minute from minute `from`. */
const minutes = (from: number, n: number, kwh: number) =>
  Array.from({ length: n }, (_, k) => [
    [1, T0 + (from + k) * MIN, kwh + 2 * k] as [number, number, number],
    [0, T0 + (from + k) * MIN, 100 + k] as [number, number, number],
  ]).flat();

describe('a store read failing while a historical counter batch is judged', () => {
  it('leaves the message unacknowledged (transient), dead-letters nothing, and stores it when redelivered', async () => {
    rig = await ingestRig();
    await rig.send('birth', fixtureBirth('session-run-1'));
    await rig.send('data', fixtureBatch('session-run-1', 1, minutes(0, 3, 1000), true));
    const history = fixtureBatch('session-run-1', 2, minutes(10, 3, 1030), true);

    const { latest, raw } = rig.store;
    const down = () => Promise.reject(new Error('InfluxDB query failed: connect ECONNREFUSED'));
    rig.store.latest = down;
    rig.store.raw = down;
    const failed = await rig.send('data', history).then(
      () => null,
      (e: unknown) => e,
    );
    expect(failed).not.toBeNull();
    expect(isTransient(failed)).toBe(true);
    expect(rig.ingest.deadLetters.list({})).toEqual([]);
    expect(rig.ingest.counters.totals().rejectedMessages).toEqual({});

    rig.store.latest = latest;
    rig.store.raw = raw;
    await rig.send('data', history); // the broker's redelivery
    expect(await rig.count('M0', 'energyImport')).toBe(6);
    expect(rig.ingest.counters.totals().rejectedMessages).toEqual({});
  });
});
