import type { Birth } from '@xiang/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { FACTORY, fixtureBatch, fixtureBirth, fixtureMetrics, T0 } from '../../../tests/platform/fixtures.js';
import { type IngestRig, ingestRig } from './test-support.js';

/** Issue 8: a device belongs to the agent that first declared it (or the one an admin assigns). */
let rig: IngestRig;
afterEach(async () => rig?.close());
const totals = () => rig.ingest.counters.totals();

/** A rogue agent of the same factory that claims M1 (owned by A1) as an equipment meter, plus its own R1. */
function rogueBirth(sessionId: string): Birth {
  const b = fixtureBirth(sessionId);
  return {
    ...b,
    devices: [
      { id: 'M1', kind: 'meter', assetPath: 'WS1', medium: 'electricity', meterRole: 'equipment' },
      { id: 'R1', kind: 'meter', assetPath: 'WS1', medium: 'electricity' },
    ],
    metrics: [
      { ...fixtureMetrics[2]!, i: 0 }, // M1.activePower
      { ...fixtureMetrics[2]!, i: 1, deviceId: 'R1' },
    ],
  };
}

describe('device ownership', () => {
  it("another agent's birth, data and status for a device are refused, counted and dead-lettered", async () => {
    rig = await ingestRig();
    await rig.send('birth', fixtureBirth('session-a1-01'));
    await rig.send('data', fixtureBatch('session-a1-01', 1, [[2, T0, 10.5]]));
    const before = rig.registry.device(FACTORY, 'M1');
    expect(before).toMatchObject({ agentId: 'A1', meterRole: 'feeder' });

    await rig.send('birth', rogueBirth('session-rogue1'), FACTORY, 'rogue');
    await rig.send(
      'data',
      fixtureBatch('session-rogue1', 1, [
        [0, T0, 999],
        [1, T0, 1],
      ]),
      FACTORY,
      'rogue',
    );
    await rig.send(
      'status',
      { sessionId: 'session-rogue1', seq: 2, timestamp: T0 + 5, devices: [{ id: 'M0', online: false }] },
      FACTORY,
      'rogue',
    );

    expect(rig.registry.device(FACTORY, 'M1')).toMatchObject({ agentId: 'A1', meterRole: 'feeder' });
    expect(rig.registry.device(FACTORY, 'R1')).toMatchObject({ agentId: 'rogue' });
    expect(rig.registry.device(FACTORY, 'M0')?.online).toBe(true);
    // The domain sees M1's metric as its owner declared it, not the rogue's declaration.
    const m1Metrics = rig.registry.metrics(FACTORY).filter((m) => m.deviceId === 'M1');
    expect(m1Metrics.map((m) => m.agentId)).toEqual(['A1']);
    const [m1] = await rig.store.latest(FACTORY, { deviceIds: ['M1'], metrics: ['activePower'] });
    expect(m1?.value).toBe(10.5);
    expect(await rig.count('R1', 'activePower')).toBe(1);
    const t = totals();
    expect(t.rejectedPoints).toEqual({ deviceNotOwned: 1 });
    expect(t.refused).toEqual({ deviceNotOwned: 2 }); // M1 in the birth, M0 in the status
    const dl = rig.ingest.deadLetters.list({ reason: 'deviceNotOwned' });
    expect(dl.map((d) => d.kind).sort()).toEqual(['birth', 'data', 'status']);
    expect(dl.find((d) => d.kind === 'birth')?.detail).toMatch(/M1.*A1/);
  });

  it('an admin may assign a device to another agent; from then on that agent owns it', async () => {
    rig = await ingestRig();
    await rig.send('birth', fixtureBirth('session-a1-01'));
    expect(rig.registry.assignDevice(FACTORY, 'M1', 'rogue')).toBe(true);
    await rig.send('birth', rogueBirth('session-rogue1'), FACTORY, 'rogue');
    await rig.send('data', fixtureBatch('session-rogue1', 1, [[0, T0, 999]]), FACTORY, 'rogue');
    expect(rig.registry.device(FACTORY, 'M1')).toMatchObject({ agentId: 'rogue', meterRole: 'equipment' });
    expect(await rig.count('M1', 'activePower')).toBe(1);
    // A1's own declaration of M1 is now the foreign one.
    await rig.send('data', fixtureBatch('session-a1-01', 1, [[2, T0 + 1, 1]]));
    expect(totals().rejectedPoints).toEqual({ deviceNotOwned: 1 });
  });
});
