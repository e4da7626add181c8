import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { T0 } from '../../../tests/platform/fixtures.js';
import { DT, encodeSpec, type SpecMetric } from '../../../tests/sparkplug/spec-encoder.js';
import { type IngestRig, ingestRig } from '../ingest/test-support.js';
import { createSparkplug, type SparkplugIngest } from './index.js';
import { parseMapping } from './mapping.js';
import { decodeSparkplug } from './payload.js';

const mapping = parseMapping({
  groups: [
    {
      group: 'Plant1',
      factory: 'F1',
      devices: [
        { match: 'PM*', kind: 'meter', assetPath: 'WS1', meterRole: 'feeder', medium: 'electricity' },
      ],
      metrics: [
        { match: 'Active Power', key: 'activePower', quantity: 'activePower' },
        { match: 'Energy/Import', key: 'energyImport', quantity: 'activeEnergyImport' },
      ],
    },
  ],
});

let rig: IngestRig;
let spb: SparkplugIngest;
let now = T0;
const sent: { topic: string; metrics: ReturnType<typeof decodeSparkplug>['metrics'] }[] = [];

async function pub(
  topic: string,
  p: { timestamp?: number; seq?: number; metrics: SpecMetric[] },
  qos: 0 | 1 = 0,
) {
  await spb.handle({ topic, payload: encodeSpec(p), qos });
}
const nbirth = (bdSeq: number, extra: SpecMetric[] = []) =>
  pub('spBv1.0/Plant1/NBIRTH/GW1', {
    timestamp: now,
    seq: 0,
    metrics: [
      { name: 'bdSeq', datatype: DT.UInt64, value: BigInt(bdSeq) },
      { name: 'Node Control/Rebirth', datatype: DT.Boolean, value: false },
      ...extra,
    ],
  });
const dbirth = (seq: number) =>
  pub('spBv1.0/Plant1/DBIRTH/GW1/PM1', {
    timestamp: now,
    seq,
    metrics: [
      { name: 'Active Power', alias: 10, datatype: DT.Float, value: 1 },
      { name: 'Energy/Import', alias: 11, datatype: DT.Double, value: 100 },
      { name: 'Label', alias: 12, datatype: DT.Text, value: 'x' },
    ],
  });
const ddata = (seq: number, kw: number, ts = now) =>
  pub('spBv1.0/Plant1/DDATA/GW1/PM1', {
    timestamp: ts,
    seq,
    metrics: [{ alias: 10, timestamp: ts, as: DT.Float, value: kw }],
  });
const deadLetters = (reason: string) => rig.ingest.deadLetters.list({ reason });
const rebirths = () => sent.filter((s) => s.metrics.some((m) => m.name === 'Node Control/Rebirth'));

describe('Sparkplug B translated into the ingest path (no broker)', () => {
  beforeEach(async () => {
    now = T0;
    sent.length = 0;
    rig = await ingestRig({}, () => now);
    const plugin = createSparkplug(
      { enabled: true, mappingFile: 'unused', rebirthMinIntervalMs: 10_000 },
      { log: pino({ level: 'silent' }), mapping },
    );
    plugin.routes({
      processor: rig.ingest.processor,
      publish: (topic, payload) => sent.push({ topic, metrics: decodeSparkplug(payload).metrics }),
    });
    spb = plugin.ingest()!;
  });
  afterEach(() => rig.close());

  it('births make devices with mapped attributes; aliased DDATA is stored; unsupported types are dead-lettered', async () => {
    await nbirth(1);
    await dbirth(1);
    for (let k = 0; k < 5; k++) await ddata(2 + k, 10 + k, T0 + k * 1000);
    expect(await rig.count('PM1', 'activePower')).toBe(5);
    const pm1 = rig.registry.device('F1', 'PM1');
    expect(pm1).toMatchObject({
      kind: 'meter',
      assetPath: 'WS1',
      meterRole: 'feeder',
      agentId: 'GW1',
      online: true,
    });
    expect(deadLetters('sparkplugUnsupportedDatatype')[0]).toMatchObject({ pointCount: 1, kind: 'DBIRTH' });
    expect(rebirths()).toHaveLength(0);
    const t = rig.ingest.counters.totals();
    expect(t.messages['sparkplug.DDATA']).toBe(5);
    expect(t.rejectedPoints.sparkplugUnsupportedDatatype).toBe(1);
  });

  it('a seq gap (across the 255 → 0 wrap) stores the data and sends one NCMD Rebirth, rate-limited', async () => {
    await nbirth(1);
    await dbirth(1);
    let seq = 2;
    for (; seq <= 255; seq++) await ddata(seq, 1, T0 + seq);
    await ddata(0, 1, T0 + 256); // wrap: no gap
    expect(rebirths()).toHaveLength(0);
    await ddata(3, 2, T0 + 300); // 1 and 2 lost
    expect(rebirths()).toHaveLength(1);
    expect(sent[0]!.topic).toBe('spBv1.0/Plant1/NCMD/GW1');
    expect(sent[0]!.metrics[0]).toMatchObject({
      name: 'Node Control/Rebirth',
      datatype: DT.Boolean,
      raw: { v: true },
    });
    await ddata(9, 3, T0 + 301); // another gap within the interval: suppressed
    expect(rebirths()).toHaveLength(1);
    now += 10_000;
    await ddata(20, 4, T0 + 302);
    expect(rebirths()).toHaveLength(2);
    expect(await rig.count('PM1', 'activePower')).toBe(254 + 1 + 3);
  });

  it('NDEATH with another bdSeq is ignored; with the NBIRTH bdSeq every device goes offline', async () => {
    await nbirth(7, [{ name: 'Uptime', alias: 1, datatype: DT.Int64, value: 5n }]);
    await dbirth(1);
    await pub('spBv1.0/Plant1/NDEATH/GW1', { metrics: [{ name: 'bdSeq', datatype: DT.UInt64, value: 6n }] });
    expect(rig.registry.device('F1', 'PM1')?.online).toBe(true);
    expect(rig.ingest.counters.totals().staleDeaths).toBe(1);
    now += 5000;
    await pub('spBv1.0/Plant1/NDEATH/GW1', { metrics: [{ name: 'bdSeq', datatype: DT.UInt64, value: 7n }] });
    expect(rig.registry.device('F1', 'PM1')?.online).toBe(false);
    expect(rig.registry.device('F1', 'GW1')?.online).toBe(false);
    const h = rig.registry.onlineHistory('F1', { deviceId: 'PM1' });
    expect(h.map((x) => [x.online, x.reason])).toEqual([
      [true, 'birth'],
      [false, 'agent death (will)'],
    ]);
    // Data after the death has no birth: dead-lettered, a rebirth asked for.
    await ddata(2, 1);
    expect(deadLetters('sparkplugNoBirth')).toHaveLength(1);
    expect(rebirths()).toHaveLength(1);
  });

  it('DDEATH takes the device offline; its data before a new DBIRTH is refused', async () => {
    await nbirth(1);
    await dbirth(1);
    await pub('spBv1.0/Plant1/DDEATH/GW1/PM1', { timestamp: now + 1, seq: 2, metrics: [] });
    expect(rig.registry.device('F1', 'PM1')).toMatchObject({
      online: false,
      onlineReason: 'Sparkplug DDEATH',
    });
    await ddata(3, 1);
    expect(deadLetters('sparkplugNoBirth')).toHaveLength(1);
    now += 1;
    await dbirth(4);
    expect(rig.registry.device('F1', 'PM1')?.online).toBe(true);
  });

  it('unmapped groups, broken payloads, unknown aliases: counted and dead-lettered, never dropped', async () => {
    await pub('spBv1.0/Other/NBIRTH/GW1', {
      seq: 0,
      metrics: [{ name: 'bdSeq', datatype: DT.UInt64, value: 0n }],
    });
    await spb.handle({ topic: 'spBv1.0/Plant1/NDATA/GW1', payload: Buffer.from([0xff, 0xff, 0xff]), qos: 0 });
    await pub('spBv1.0/Plant1/NBIRTH/GW1', { seq: 0, metrics: [] });
    await nbirth(1);
    await dbirth(1);
    await pub('spBv1.0/Plant1/DDATA/GW1/PM1', { seq: 2, metrics: [{ alias: 99, as: DT.Double, value: 1 }] });
    const t = rig.ingest.counters.totals();
    expect(t.rejectedMessages).toMatchObject({
      sparkplugUnknownGroup: 1,
      sparkplugUndecodable: 1,
      sparkplugNoBdSeq: 1,
    });
    expect(t.rejectedPoints.sparkplugUnknownMetric).toBe(1);
    expect(deadLetters('sparkplugUnknownGroup')[0]).toMatchObject({ topic: 'spBv1.0/Other/NBIRTH/GW1' });
    expect(rebirths()).toHaveLength(1); // the unknown alias
  });

  it('a rebirth keeps metric indices: series continue under the same keys', async () => {
    await nbirth(1);
    await dbirth(1);
    await ddata(2, 5, T0 + 1);
    now += 1000;
    await nbirth(1); // rebirth after NCMD: same bdSeq, new timestamp, seq restarts
    await dbirth(1);
    await ddata(2, 6, T0 + 2);
    expect(await rig.count('PM1', 'activePower')).toBe(2);
    expect(rig.ingest.counters.totals().metricsRedefined).toBe(0);
    // The devices stayed online through the rebirth (no "absent from birth" between NBIRTH and DBIRTH).
    expect(rig.registry.onlineHistory('F1', { deviceId: 'PM1' }).map((x) => x.reason)).toEqual(['birth']);
  });
});
