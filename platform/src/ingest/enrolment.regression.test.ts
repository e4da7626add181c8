import type { Birth } from '@xiang/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { FACTORY, fixtureBatch, fixtureBirth, fixtureMetrics, T0 } from '../../../tests/platform/fixtures.js';
import { type IngestRig, ingestRig } from './test-support.js';

/**
 * Soak seed 258791 (issue 8): the platform starts after the agent published and was killed, so it has never
 * heard of the agent; a client publishing under another agent id births the agent's device first. With open
 * enrolment the device went to the forger: its forged value was stored in the device's series and every
 * value of the real agent for that device was refused (deviceNotOwned) — acknowledged data lost. With
 * `ingest.autoRegisterAgents: false` only registered agents may publish, whatever order things arrive in.
 */
let rig: IngestRig;
afterEach(async () => rig?.close());

/** The forger: agent id `rogue-A1`, a copy of A1's birth reduced to M1 and its activePower. */
function forgedBirth(sessionId: string): Birth {
  const b = fixtureBirth(sessionId);
  return {
    ...b,
    devices: b.devices.filter((d) => d.id === 'M1'),
    metrics: [{ ...fixtureMetrics[2]!, i: 0 }],
  };
}

async function forgerFirstThenRealAgent(): Promise<void> {
  await rig.send('birth', forgedBirth('session-rogue1'), FACTORY, 'rogue-A1');
  await rig.send('data', fixtureBatch('session-rogue1', 1, [[0, T0 + 777, -987]]), FACTORY, 'rogue-A1');
  await rig.send('birth', fixtureBirth('session-a1-01'));
  await rig.send('data', fixtureBatch('session-a1-01', 1, [[2, T0, 10.5]]));
}

describe('agent enrolment (ingest.autoRegisterAgents)', () => {
  it('a forger that births the real agent’s device before the real agent does takes nothing', async () => {
    rig = await ingestRig({ autoRegisterAgents: false });
    rig.registry.createFactory({ id: FACTORY });
    expect(rig.registry.registerAgent(FACTORY, 'A1')).toBe(true);
    expect(rig.registry.registerAgent(FACTORY, 'A1')).toBe(false);

    await forgerFirstThenRealAgent();

    expect(rig.registry.device(FACTORY, 'M1')).toMatchObject({ agentId: 'A1' });
    const [m1] = await rig.store.latest(FACTORY, { deviceIds: ['M1'], metrics: ['activePower'] });
    expect(m1?.value).toBe(10.5);
    expect(await rig.count('M1', 'activePower')).toBe(1);
    const t = rig.ingest.counters.totals();
    expect(t.rejectedMessages).toEqual({ unknownAgent: 2 });
    expect(t.rejectedPoints).toEqual({});
    const dl = rig.ingest.deadLetters.list({ reason: 'unknownAgent' });
    expect(dl.map((d) => d.kind).sort()).toEqual(['birth', 'data']);
    expect(dl[0]?.detail).toMatch(/rogue-A1.*not registered/);
    expect(rig.registry.agent(FACTORY, 'rogue-A1')).toBeUndefined();
    expect(rig.commands).toEqual([]); // the forger's unborn data asked nobody for a rebirth
  });

  it('open enrolment (the default) admits an agent by its first birth', async () => {
    rig = await ingestRig();
    await rig.send('birth', fixtureBirth('session-a1-01'));
    await rig.send('data', fixtureBatch('session-a1-01', 1, [[2, T0, 10.5]]));
    expect(await rig.count('M1', 'activePower')).toBe(1);
    expect(rig.registry.agent(FACTORY, 'A1')?.currentSessionId).toBe('session-a1-01');
    expect(rig.ingest.counters.totals().rejectedMessages).toEqual({});
  });

  it('a registered agent keeps its row through births; status and death of others are refused', async () => {
    rig = await ingestRig({ autoRegisterAgents: false });
    rig.registry.createFactory({ id: FACTORY });
    rig.registry.registerAgent(FACTORY, 'A1');
    expect(rig.registry.agent(FACTORY, 'A1')).toMatchObject({ currentSessionId: null, online: false });
    await rig.send('birth', fixtureBirth('session-a1-01'));
    expect(rig.registry.agent(FACTORY, 'A1')).toMatchObject({
      currentSessionId: 'session-a1-01',
      online: true,
    });
    const status = {
      sessionId: 'session-x0001',
      seq: 1,
      timestamp: T0,
      devices: [{ id: 'M1', online: false }],
    };
    await rig.send('status', status, FACTORY, 'B2');
    await rig.send('death', { sessionId: 'session-x0001', timestamp: T0, reason: 'x' }, FACTORY, 'B2');
    expect(rig.registry.device(FACTORY, 'M1')?.online).toBe(true);
    expect(rig.ingest.counters.totals().rejectedMessages).toEqual({ unknownAgent: 2 });
  });
});
