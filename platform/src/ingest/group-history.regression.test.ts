import { afterEach, describe, expect, it } from 'vitest';
import { FACTORY, fixtureBatch, fixtureBirth, T0 } from '../../../tests/platform/fixtures.js';
import { type IngestRig, ingestRig } from './test-support.js';

/**
 * The group commit (handleBatch) must give the outcome of handling its messages one by one. On main at
 * ab02bc1 it did not for historical batches: DataGroup stored them without the counter-history check of
 * handleData (counter-consistency.ts), so a replayed history that rewrote a stored counter — refused by
 * handle() — was written when it arrived among other messages.
 */
let rig: IngestRig;
afterEach(async () => rig?.close());

const MIN = 60_000;
const energy = { factoryId: FACTORY, deviceId: 'M0', metric: 'energyImport' };
/** Energy (index 1) and power (index 0) every minute from minute `from`, energy starting at `kwh`. */
const minutes = (from: number, n: number, kwh: number, step = 2) =>
  Array.from({ length: n }, (_, k) => [
    [1, T0 + (from + k) * MIN, kwh + k * step] as [number, number, number],
    [0, T0 + (from + k) * MIN, 100 + k] as [number, number, number],
  ]).flat();
const msg = (kind: string, body: unknown) => ({
  topic: `xiang/v1/${FACTORY}/A1/${kind}`,
  payload: Buffer.from(JSON.stringify(body)),
});
const storedEnergy = async () =>
  (await rig.store.raw(energy, T0 - 86_400_000, T0 + 86_400_000)).map((p) => [(p.tsMs - T0) / MIN, p.value]);

describe('group commit and historical counter batches', () => {
  it('a history contradicting stored counters is refused in a group as it is alone', async () => {
    rig = await ingestRig();
    await rig.send('birth', fixtureBirth('session-run-1'));
    await rig.send('data', fixtureBatch('session-run-1', 1, minutes(0, 5, 1000), true));
    const before = await storedEnergy();
    await rig.send('birth', fixtureBirth('session-run-2'));
    // A live batch, the contradicting history, and history that agrees (later minutes): one group.
    await rig.ingest.processor.handleBatch([
      msg('data', fixtureBatch('session-run-2', 1, minutes(20, 1, 1100))),
      msg('data', fixtureBatch('session-run-2', 2, minutes(0, 5, 995, 3), true)),
      msg('data', fixtureBatch('session-run-2', 3, minutes(10, 2, 1050), true)),
    ]);
    expect((await storedEnergy()).slice(0, 5)).toEqual(before);
    expect(rig.ingest.counters.totals().rejectedMessages).toMatchObject({ counterConflict: 1 });
    expect(await rig.count('M0', 'energyImport')).toBe(5 + 1 + 2);
  });

  it('historical batches without counters still join the group (one store write)', async () => {
    rig = await ingestRig();
    await rig.send('birth', fixtureBirth('session-run-1'));
    const powerOnly = (seq: number) =>
      msg('data', fixtureBatch('session-run-1', seq, [[0, T0 + seq * MIN, seq]], true));
    let writes = 0;
    const write = rig.store.write.bind(rig.store);
    rig.store.write = async (points) => {
      writes++;
      return write(points);
    };
    await rig.ingest.processor.handleBatch([powerOnly(1), powerOnly(2), powerOnly(3)]);
    expect(writes).toBe(1);
    expect(await rig.count('M0', 'activePower')).toBe(3);
  });
});
