import { afterEach, describe, expect, it } from 'vitest';
import { fixtureBatch, fixtureBirth, T0 } from '../../../tests/platform/fixtures.js';
import { type IngestRig, ingestRig } from './test-support.js';

/**
 * Regression tests for the soak's finding "forged data continuing the agent's previous session is stored"
 * (tests/soak/README.md, seed 301; on main at 2eb53a9 the forged points were stored): a newer birth of the
 * agent freezes the session it supersedes.
 */
let rig: IngestRig;
afterEach(async () => rig?.close());

const totals = () => rig.ingest.counters.totals();
const S1 = 'session-0001';
const S2 = 'session-0002';
const FORGED = -987_000_000;
const point = (seq: number, value = seq) => fixtureBatch(S1, seq, [[0, T0 + seq * 1000, value]]);
const deadLetterReasons = () => rig.ingest.deadLetters.list({}).map((d) => d.reason);

describe('a newer birth freezes the session it supersedes', () => {
  it('with previous: data of the old session up to lastSeq is stored once, above it dead-lettered', async () => {
    rig = await ingestRig();
    await rig.send('birth', fixtureBirth(S1));
    for (let seq = 1; seq <= 3; seq++) await rig.send('data', point(seq));
    // The agent reconnected: seqs 4 and 5 were acknowledged by the broker but are still on their way.
    await rig.send('birth', {
      ...fixtureBirth(S2, { timestamp: T0 + 60_000 }),
      previous: { sessionId: S1, lastSeq: 5 },
    });
    await rig.send('data', point(5));
    await rig.send('data', point(4));
    await rig.send('data', point(4)); // a QoS 1 redelivery
    for (let seq = 6; seq <= 8; seq++) await rig.send('data', point(seq, FORGED - seq));
    expect(await rig.count('M0', 'activePower')).toBe(5);
    const stored = await rig.store.raw({ factoryId: 'F1', deviceId: 'M0', metric: 'activePower' }, 0, T0 * 2);
    expect(stored.every((p) => (p.value as number) > 0)).toBe(true);
    expect(totals().rejectedMessages.supersededSession).toBe(3);
    expect(totals().duplicates).toBe(1);
    expect(deadLetterReasons().filter((r) => r === 'supersededSession')).toHaveLength(3);
    expect(rig.commands).toEqual([]); // refused data never asks the real agent for a rebirth
  });

  it('without previous (older agents): the old session is frozen at the highest seq seen', async () => {
    rig = await ingestRig();
    await rig.send('birth', fixtureBirth(S1));
    for (let seq = 1; seq <= 3; seq++) await rig.send('data', point(seq));
    await rig.send('birth', fixtureBirth(S2, { timestamp: T0 + 60_000 }));
    await rig.send('data', point(4, FORGED));
    await rig.send('data', point(2)); // redelivery below the freeze: still a duplicate
    expect(await rig.count('M0', 'activePower')).toBe(3);
    expect(totals()).toMatchObject({ duplicates: 1 });
    expect(totals().rejectedMessages.supersededSession).toBe(1);
  });

  it('the group commit (handleBatch) refuses the same messages', async () => {
    rig = await ingestRig();
    await rig.send('birth', fixtureBirth(S1));
    await rig.send('data', point(1));
    await rig.send('birth', {
      ...fixtureBirth(S2, { timestamp: T0 + 60_000 }),
      previous: { sessionId: S1, lastSeq: 2 },
    });
    const msg = (seq: number, v: number) => ({
      topic: 'xiang/v1/F1/A1/data',
      payload: Buffer.from(JSON.stringify(point(seq, v))),
    });
    await rig.ingest.processor.handleBatch([msg(2, 2), msg(3, FORGED), msg(4, FORGED)]);
    expect(await rig.count('M0', 'activePower')).toBe(2);
    expect(totals().rejectedMessages.supersededSession).toBe(2);
  });

  it('a birth or status of the old session above the freeze is refused; the new session stays current', async () => {
    rig = await ingestRig();
    await rig.send('birth', fixtureBirth(S1));
    await rig.send('data', point(1));
    await rig.send('birth', {
      ...fixtureBirth(S2, { timestamp: T0 + 60_000 }),
      previous: { sessionId: S1, lastSeq: 1 },
    });
    await rig.send('birth', { ...fixtureBirth(S1, { timestamp: T0 + 120_000 }), seq: 2 });
    await rig.send('status', {
      sessionId: S1,
      seq: 3,
      timestamp: T0 + 120_000,
      devices: [{ id: 'M0', online: false }],
    });
    expect(rig.registry.agent('F1', 'A1')?.currentSessionId).toBe(S2);
    expect(totals().rejectedMessages.supersededSession).toBe(2);
    await rig.send('data', fixtureBatch(S2, 1, [[0, T0 + 61_000, 61]]));
    expect(await rig.count('M0', 'activePower')).toBe(2);
  });

  it('the freeze survives a restart (kept in ingest_sessions)', async () => {
    rig = await ingestRig();
    await rig.send('birth', fixtureBirth(S1));
    await rig.send('birth', {
      ...fixtureBirth(S2, { timestamp: T0 + 60_000 }),
      previous: { sessionId: S1, lastSeq: 7 },
    });
    expect(rig.ingest.sessions.get('F1', 'A1', S1)?.frozenAtSeq).toBe(7);
    expect(rig.ingest.sessions.get('F1', 'A1', S2)?.frozenAtSeq).toBe(null);
  });
});
