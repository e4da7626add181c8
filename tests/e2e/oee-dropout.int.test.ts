import { parseScenario } from '@xiang/simulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LineStatusRow, OeeRow } from '../../platform/src/query/oee-report.js';
import { getJson } from './checks.js';
import { useE2EServices } from './services.js';
import { E2EStack, HOUR_MS, SCENARIO, START_MS, type StoreKind } from './stack.js';

/**
 * Issue 10, done-when, on the default path (OPC UA + MQTT simulators → edge agent → Mosquitto → platform →
 * store → HTTP API, tests/e2e/stack.ts): two machines — both last stations of their lines — drop out for an
 * hour on Monday (every tag BadNoCommunication 14:00–15:00, then Good again), and Tuesday is a holiday.
 *   - line status at 16:00 and Monday's OEE stay ≤ 1 and are flagged (low coverage, the machines named);
 *   - networking on Monday shows exactly the two dropped machines, each networked 23 of 24 hours;
 *   - on the holiday networking equals the machines online (all of them), though nothing changes all day.
 * On the embedded store and on InfluxDB.
 */
const MON = START_MS;
const TUE = MON + 24 * HOUR_MS;
const WED = TUE + 24 * HOUR_MS;
const DROPPED = ['CNC02', 'WASH01'];
const scenario = parseScenario({
  ...SCENARIO,
  calendar: { ...SCENARIO.calendar, holidays: ['2025-03-04'] },
  faults: [
    ...SCENARIO.faults,
    ...DROPPED.map((device) => ({
      id: `drop-${device}`,
      type: 'meterDropout' as const,
      description: '通讯中断一小时 / offline for an hour',
      device,
      from: '2025-03-03T14:00:00+08:00',
      to: '2025-03-03T15:00:00+08:00',
    })),
  ],
});
const svc = useE2EServices();

type Indicator = {
  id: string;
  value: number | null;
  counts: Record<string, number>;
  pullingDown: { ref: string; value: number | null }[];
  definition?: { id: string };
};

describe.each(['embedded', 'influx'] as StoreKind[])(
  'two machines drop out for an hour, a holiday, %s store',
  (kind) => {
    let available = false;
    let stack: E2EStack;
    const figures: Record<string, unknown> = {};

    beforeAll(async () => {
      available = await svc.ready(kind);
      if (!available) return;
      stack = await E2EStack.start({
        name: `dropout-${kind}`,
        brokerUrl: svc.broker!.url,
        store: kind,
        scenario,
        ...(svc.influx ? { influxUrl: svc.influx.url } : {}),
      });
      stack.run(WED);
      await stack.settle(WED);
    });
    afterAll(async () => {
      console.info(`[oee-dropout ${kind}] ${JSON.stringify(figures)}`);
      await stack?.dispose();
    });

    const f = scenario.factory.id;
    const production = scenario.workshops
      .flatMap((w) => w.lines.flatMap((l) => l.machines))
      .filter((m) => m.type !== 'compressor')
      .map((m) => m.id)
      .sort();

    it('line status at 16:00: OEE ≤ 1, flagged, the dropped machine named', async (ctx) => {
      if (!available) return ctx.skip();
      const at = MON + 16 * HOUR_MS;
      const r = await getJson<{ lines: LineStatusRow[] }>(stack.api, `/factories/${f}/lines/status?at=${at}`);
      figures.lineStatus = r.lines.map((l) => ({ line: l.assetPath, today: l.today }));
      expect(r.lines.length).toBe(2);
      for (const line of r.lines) {
        const gaps = line.machines.filter((m) => DROPPED.includes(m.deviceId)).map((m) => m.deviceId);
        expect(gaps.length, line.assetPath).toBe(1); // each line's last station drops out
        expect(line.today.oee, line.assetPath).not.toBeNull();
        expect(line.today.oee as number, line.assetPath).toBeLessThanOrEqual(1);
        expect(line.today.lowCoverage, line.assetPath).toBe(true);
        expect(line.today.coverage as number).toBeLessThan(0.95);
        expect(line.today.machinesWithGaps).toEqual(gaps);
      }
    });

    it("Monday's OEE: every row's A, P, Q and OEE ≤ 1; the dropped machines and their lines flagged, the others not", async (ctx) => {
      if (!available) return ctx.skip();
      const r = await getJson<{ rows: OeeRow[] }>(
        stack.api,
        `/factories/${f}/oee?from=${MON}&to=${TUE}&groupBy=machine,line,day`,
      );
      figures.monday = r.rows.map((x) => [x.deviceId ?? x.assetPath, x.oee, x.coverage, x.unattributed]);
      expect(
        r.rows
          .filter((x) => x.level === 'machine')
          .map((x) => x.deviceId)
          .sort(),
      ).toEqual(production);
      for (const row of r.rows) {
        const where = row.deviceId ?? row.assetPath;
        for (const v of [row.availability, row.performance, row.quality, row.oee])
          if (v !== null) expect(v, where).toBeLessThanOrEqual(1);
        const hit = row.level === 'machine' ? DROPPED.includes(row.deviceId ?? '') : true; // each line's last station dropped
        expect(row.lowCoverage, where).toBe(hit);
        if (hit) expect(row.warnings, where).toContain('stateDataGap');
      }
    });

    it('networking on Monday: exactly the dropped machines, 23 of 24 hours each', async (ctx) => {
      if (!available) return ctx.skip();
      const r = await getJson<{ indicators: Indicator[] }>(
        stack.api,
        `/factories/${f}/indicators?from=${MON}&to=${TUE}`,
      );
      const net = r.indicators.find((i) => i.id === 'equipment-networking-rate') as Indicator;
      figures.networkingMonday = { value: net.value, counts: net.counts, pullingDown: net.pullingDown };
      expect(net.definition?.id).toBe('online-time');
      expect(net.counts.equipment).toBe(production.length);
      expect(net.pullingDown.map((p) => [p.ref, p.value])).toEqual(DROPPED.map((id) => [id, 23 / 24]));
      expect(net.value).toBeCloseTo((production.length - 2 / 24) / production.length, 12);
    });

    it('on the holiday networking equals the machines online: all of them', async (ctx) => {
      if (!available) return ctx.skip();
      const r = await getJson<{ indicators: Indicator[] }>(
        stack.api,
        `/factories/${f}/indicators?from=${TUE}&to=${WED}`,
      );
      const net = r.indicators.find((i) => i.id === 'equipment-networking-rate') as Indicator;
      const cap = r.indicators.find((i) => i.id === 'state-fault-capture') as Indicator;
      figures.networkingHoliday = { value: net.value, counts: net.counts, stateCapture: cap.value };
      const online = stack
        .platform!.registry.snapshot(f)
        .devices.filter((d) => production.includes(d.id) && d.online);
      expect(online.length).toBe(production.length);
      expect(net.counts).toMatchObject({ equipment: online.length, networked: online.length, silent: 0 });
      expect(net.value).toBe(1);
      expect(net.pullingDown).toEqual([]);
      expect(cap.value).toBe(1);
    });
  },
);
