import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { T0 } from '../../../tests/platform/fixtures.js';
import { DT, encodeSpec, type SpecMetric } from '../../../tests/sparkplug/spec-encoder.js';
import { type IngestRig, ingestRig } from '../ingest/test-support.js';
import { createSparkplug, type SparkplugIngest } from './index.js';
import { parseMapping } from './mapping.js';
import { decodeSparkplug } from './payload.js';

/**
 * Sparkplug B data through the processor's group commit (one store write per batch of messages, as native data),
 * and node sessions kept in the repository: a "restart" is a new SparkplugIngest over the same repository.
 */
const mapping = parseMapping({
  groups: [
    {
      group: 'Plant1',
      factory: 'F1',
      devices: [{ match: 'PM*', kind: 'meter', assetPath: 'WS1', medium: 'electricity' }],
      metrics: [{ match: 'Active Power', key: 'activePower', quantity: 'activePower' }],
    },
  ],
});

let rig: IngestRig;
let spb: SparkplugIngest;
let now = T0;
let storeWrites = 0;
let failNextWrite = false;
const ncmds: string[] = [];

function startSparkplug(): SparkplugIngest {
  const plugin = createSparkplug(
    { enabled: true, mappingFile: 'unused', rebirthMinIntervalMs: 0 },
    { log: pino({ level: 'silent' }), mapping },
  );
  plugin.routes({
    processor: rig.ingest.processor,
    publish: (topic, payload) => {
      if (decodeSparkplug(payload).metrics.some((m) => m.name === 'Node Control/Rebirth')) ncmds.push(topic);
    },
  });
  return plugin.ingest()!;
}

const msg = (topic: string, p: { timestamp?: number; seq?: number; metrics: SpecMetric[] }) => ({
  topic,
  payload: encodeSpec(p),
  qos: 1 as const,
});
const nbirth = (bdSeq: number) =>
  msg('spBv1.0/Plant1/NBIRTH/GW1', {
    timestamp: now,
    seq: 0,
    metrics: [{ name: 'bdSeq', datatype: DT.UInt64, value: BigInt(bdSeq) }],
  });
const dbirth = (seq: number) =>
  msg('spBv1.0/Plant1/DBIRTH/GW1/PM1', {
    timestamp: now,
    seq,
    metrics: [{ name: 'Active Power', alias: 10, datatype: DT.Float, value: 1 }],
  });
const ddata = (seq: number, kw: number, ts: number) =>
  msg('spBv1.0/Plant1/DDATA/GW1/PM1', {
    timestamp: ts,
    seq,
    metrics: [{ alias: 10, timestamp: ts, as: DT.Float, value: kw }],
  });
const ndeath = (bdSeq: number) =>
  msg('spBv1.0/Plant1/NDEATH/GW1', {
    metrics: [{ name: 'bdSeq', datatype: DT.UInt64, value: BigInt(bdSeq) }],
  });
const power = async () =>
  (await rig.store.raw({ factoryId: 'F1', deviceId: 'PM1', metric: 'activePower' }, 0, T0 * 2)).map(
    (p) => p.value,
  );

describe('Sparkplug B: group commit and node sessions kept across a restart', () => {
  beforeEach(async () => {
    now = T0;
    storeWrites = 0;
    failNextWrite = false;
    ncmds.length = 0;
    rig = await ingestRig({}, () => now);
    const write = rig.store.write.bind(rig.store);
    rig.store.write = async (points) => {
      storeWrites++;
      if (failNextWrite) {
        failNextWrite = false;
        throw new Error('disk full (test)');
      }
      return write(points);
    };
    spb = startSparkplug();
    await spb.handleBatch([nbirth(4), dbirth(1)]);
  });
  afterEach(() => rig.close());

  it('a batch of DDATA is stored with one store write (the group commit), every value once', async () => {
    storeWrites = 0;
    const batch = Array.from({ length: 40 }, (_, k) => ddata(2 + k, k, T0 + k * 1000));
    await spb.handleBatch(batch);
    expect(storeWrites).toBe(1);
    expect(await power()).toEqual(Array.from({ length: 40 }, (_, k) => k));
    expect(rig.ingest.deadLetters.list({})).toEqual([]);
  });

  it('a transient store failure acknowledges nothing; the redelivered batch is stored exactly once, without a hole', async () => {
    const batch = Array.from({ length: 5 }, (_, k) => ddata(2 + k, k, T0 + k * 1000));
    failNextWrite = true;
    await expect(spb.handleBatch(batch)).rejects.toThrow(/store write failed/);
    expect(await power()).toEqual([]);
    await spb.handleBatch(batch); // the broker redelivers the unacknowledged messages
    await spb.handleBatch([ddata(7, 5, T0 + 5000)]);
    expect(await power()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(
      rig.ingest.sessions.firstMissing('F1', 'GW1', rig.registry.agent('F1', 'GW1')!.currentSessionId!),
    ).toBe(null);
    expect(rig.commands).toEqual([]); // no gap suspected in the translated session
  });

  it('after a restart the node goes on by alias: stored under the birth’s names, no dead letter, no rebirth', async () => {
    await spb.handleBatch([ddata(2, 7, T0 + 1000)]);
    spb = startSparkplug(); // a new platform process over the same repository
    now += 60_000;
    await spb.handleBatch([ddata(3, 8, T0 + 2000), ddata(4, 9, T0 + 3000)]);
    expect(await power()).toEqual([7, 8, 9]);
    expect(rig.ingest.deadLetters.list({})).toEqual([]);
    expect(ncmds).toEqual([]);
    // The seq was kept too: a gap after the restart is still seen.
    spb = startSparkplug();
    await spb.handleBatch([ddata(9, 10, T0 + 4000)]);
    expect(ncmds).toEqual(['spBv1.0/Plant1/NCMD/GW1']);
    expect(await power()).toEqual([7, 8, 9, 10]);
  });

  it('after a restart a stale NDEATH (earlier bdSeq) is ignored; the current one ends the kept session', async () => {
    spb = startSparkplug();
    await spb.handleBatch([ndeath(3)]);
    expect(rig.registry.device('F1', 'PM1')?.online).toBe(true);
    expect(rig.ingest.counters.totals().staleDeaths).toBe(1);
    await spb.handleBatch([ddata(2, 1, T0 + 1000)]);
    expect(await power()).toEqual([1]);
    await spb.handleBatch([ndeath(4)]);
    expect(rig.registry.device('F1', 'PM1')?.online).toBe(false);
    spb = startSparkplug();
    await spb.handleBatch([ddata(3, 2, T0 + 2000)]);
    expect(await power()).toEqual([1]);
    expect(rig.ingest.deadLetters.list({ reason: 'sparkplugNoBirth' })).toHaveLength(1);
  });

  it('a newer NBIRTH voids the kept session of the earlier one', async () => {
    now += 1000;
    await spb.handleBatch([nbirth(5), dbirth(1)]);
    await spb.handleBatch([ddata(2, 3, T0 + 1000)]);
    spb = startSparkplug();
    await spb.handleBatch([ddata(3, 4, T0 + 2000)]);
    expect(await power()).toEqual([3, 4]);
    expect(rig.ingest.deadLetters.list({})).toEqual([]);
  });
});
