import { loadScenario, parseScenario, type Scenario } from '@xiang/simulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LineStatusRow, OeeRow } from '../../platform/src/query/oee-report.js';
import { type Service, startMosquitto } from '../harness/services.js';
import { PlatformHarness } from '../platform/platform-harness.js';
import { type BackfilledPlant, backfilledPlant, call, get } from './oee-plant.js';
import { relErr, sumFigures, type TruthFigures, TruthTimeline } from './oee-truth.js';

/**
 * OEE, time in state, line status and the networking rate of the default scenario (hunan-machining: 3 workshops,
 * 8 lines, 58 machines, 38 meters, two shifts with breaks, a night shift across midnight, micro-stops on three
 * presses, idling through breaks) against the simulator's ground truth. Three simulated days (Mon–Wed) travel as
 * xiang/v1 historical batches through a real Mosquitto into the platform; everything is read back through the
 * HTTP API. On day 3 four devices drop out for the whole day (the simulator's meterDropout fault: every variable
 * goes BadNoCommunication once, then silence): two machines and two meters, none of them a line's last station.
 * Days 1–2 are untouched by the dropout (its Bad samples are stamped at the window end, which is excluded).
 */
const TICK_MS = 60_000;
const DAY_MS = 86_400_000;
const at = (date: string, hhmm = '00:00') => Date.parse(`${date}T${hhmm}:00+08:00`);
const D1 = at('2025-03-03');
const D3 = at('2025-03-05');
const DROPPED_MACHINES = ['GL-LT03', 'AS-ST02'];
const DROPPED_METERS = ['M-OFFICE-HVAC', 'M-WATER-DOM'];
const dropped = [...DROPPED_MACHINES, ...DROPPED_METERS];

let broker: Service | null = null;
const harness = new PlatformHarness();
let plant: BackfilledPlant;
let scenario: Scenario;
let token: string;
const figures: Record<string, unknown> = {};

beforeAll(async () => {
  broker = await startMosquitto();
  if (!broker) return;
  const base = await loadScenario('hunan-machining');
  scenario = parseScenario({
    ...base,
    faults: [
      ...base.faults,
      ...dropped.map((device) => ({
        id: `drop-${device}`,
        type: 'meterDropout' as const,
        description: '通讯中断一整天 / offline for all of day 3',
        device,
        from: '2025-03-05T00:00:00+08:00',
        to: '2025-03-06T00:00:00+08:00',
      })),
    ],
  });
  plant = await backfilledPlant({ harness, brokerUrl: broker.url, protocolVersion: 5, scenario, days: 3 });
  token = harness.adminToken;
  figures.backfill = { points: plant.backfill.points, ingestS: plant.ingestMs / 1000 };
});

afterAll(async () => {
  console.info(`[oee-ground-truth] ${JSON.stringify(figures)}`);
  await harness.dispose();
  await broker?.dispose();
});

/** Production machines: the compressors are registered as not production equipment (no pieces, no OEE). */
const specs = () =>
  new Map(
    scenario.workshops
      .flatMap((w) => w.lines.flatMap((l) => l.machines))
      .filter((m) => m.type !== 'compressor')
      .map((m) => [m.id, m]),
  );

describe('OEE against the simulator ground truth (hunan-machining, 3 days, real Mosquitto)', () => {
  it('time in state, A/P/Q and OEE per machine, line, workshop, factory, day and shift within 1 %', async () => {
    if (!broker) return;
    const f = scenario.factory.id;
    const from = D1;
    const to = D1 + 2 * DAY_MS;
    const spec = specs();
    const timelines = new Map(
      [...spec.values()].map((m) => [
        m.id,
        new TruthTimeline(plant.backfill.truth, scenario.calendar, m, from, to, TICK_MS),
      ]),
    );
    const linePath = new Map(
      scenario.workshops.flatMap((w) =>
        w.lines.flatMap((l) => l.machines.map((m) => [m.id, `${w.id}/${l.id}`] as const)),
      ),
    );
    const truthOf = (row: OeeRow): TruthFigures => {
      if (row.level === 'machine')
        return (timelines.get(row.deviceId ?? '') as TruthTimeline).figures(row.fromMs, row.toMs);
      const line = plant.settings.lines.find((l) => l.path === row.assetPath);
      if (row.rule === 'lastStation' && line?.outputCounter)
        return (timelines.get(line.outputCounter.deviceId) as TruthTimeline).figures(row.fromMs, row.toMs);
      const inScope = [...timelines.values()].filter((t) => {
        const p = linePath.get(t.machine.id) ?? '';
        return row.assetPath === '' || p === row.assetPath || p.startsWith(`${row.assetPath}/`);
      });
      return sumFigures(inScope.map((t) => t.figures(row.fromMs, row.toMs)));
    };
    const worst: Record<string, { err: number; where: string }> = {};
    const note = (what: string, err: number, where: string) => {
      if (!worst[what] || err > (worst[what]?.err ?? 0)) worst[what] = { err, where };
    };
    let rowsChecked = 0;
    for (const groupBy of [
      'machine',
      'machine,day',
      'machine,shift',
      'line,day,shift',
      'workshop,factory,day',
    ]) {
      const r = await get<{ rows: OeeRow[]; hasCalendar: boolean }>(
        plant.platform,
        token,
        `/api/v1/factories/${f}/oee?from=${from}&to=${to}&groupBy=${groupBy}`,
      );
      expect(r.hasCalendar).toBe(true);
      expect(r.rows.length).toBeGreaterThan(0);
      for (const row of r.rows) {
        const t = truthOf(row);
        const where = `${row.level} ${row.deviceId ?? row.assetPath} ${row.date ?? ''} ${row.shift ?? ''}`;
        if (t.plannedProductionMs === 0) continue;
        rowsChecked++;
        expect(row.unknownMin, where).toBe(0);
        note(
          'plannedProductionTime',
          relErr(row.totals.plannedProductionMs ?? 0, t.plannedProductionMs),
          where,
        );
        note('availability', relErr(row.availability, t.availability), where);
        note('performance', relErr(row.performance, t.performance), where);
        note('quality', relErr(row.quality, t.quality), where);
        note('oee', relErr(row.oee, t.oee), where);
        if (row.level === 'machine') {
          const truthStates = (timelines.get(row.deviceId ?? '') as TruthTimeline).timeInState(
            row.fromMs,
            row.toMs,
          );
          for (const name of new Set([
            ...Object.keys(truthStates),
            ...Object.keys(row.stateDurationsMs ?? {}),
          ]))
            note(
              'timeInState',
              relErr(row.stateDurationsMs?.[name] ?? 0, truthStates[name] ?? 0),
              `${where} ${name}`,
            );
          const direct = plant.backfill.truth.stateDurations(row.deviceId ?? '', row.fromMs, row.toMs).states;
          for (const [name, ms] of Object.entries(direct))
            note(
              'timeInStateVsStateDurations',
              relErr(row.stateDurationsMs?.[name] ?? 0, ms),
              `${where} ${name}`,
            );
        }
      }
    }
    figures.rowsChecked = rowsChecked;
    figures.maxRelativeError = worst;
    expect(rowsChecked).toBeGreaterThan(58 * 2 * 3);
    for (const [what, w] of Object.entries(worst))
      expect(w.err, `${what} at ${w.where}`).toBeLessThanOrEqual(0.01);
    // The injected micro-stops (presses 1–3, 60 s) are seen as such: a performance loss, not an availability one.
    const byMachine = await get<{ rows: OeeRow[] }>(
      plant.platform,
      token,
      `/api/v1/factories/${f}/oee?from=${from}&to=${to}&groupBy=machine`,
    );
    const injected = plant.backfill.truth.faults(from, to).find((x) => x.type === 'microStops')?.truth as
      | { count: number }
      | undefined;
    let pressMicroStops = 0;
    for (const row of byMachine.rows) {
      const tl = timelines.get(row.deviceId ?? '') as TruthTimeline;
      expect(row.totals.microStopCount, row.deviceId).toBe(tl.microStopCount(from, to));
      if (['ST-PR01', 'ST-PR02', 'ST-PR03'].includes(row.deviceId ?? ''))
        pressMicroStops += row.totals.microStopCount ?? 0;
    }
    expect(injected?.count).toBeGreaterThan(10);
    // Injected stops are the only short ones; two in a row, or one next to an idle spell, make a longer stop.
    expect(pressMicroStops).toBeGreaterThan(0);
    expect(pressMicroStops).toBeLessThanOrEqual(injected?.count ?? 0);
    figures.microStops = { presses1to3: pressMicroStops, injected: injected?.count };
  });

  it('line status at an instant: state and since when of the last station, and today’s OEE so far', async () => {
    if (!broker) return;
    const f = scenario.factory.id;
    const instant = at('2025-03-05', '15:30');
    const r = await get<{ atMs: number; lines: LineStatusRow[] }>(
      plant.platform,
      token,
      `/api/v1/factories/${f}/lines/status?at=${instant}`,
    );
    expect(r.atMs).toBe(instant);
    // Every line with production machines; the compressor house (WS3/PWR) is none.
    const productionLines = plant.settings.lines.filter((l) => l.outputCounter).map((l) => l.path);
    expect(r.lines.map((l) => l.assetPath).sort()).toEqual(productionLines.sort());
    expect(productionLines.length).toBe(7);
    const spec = specs();
    let worstOee = 0;
    for (const line of r.lines) {
      expect(line.calendar).toBe('production');
      const out = plant.settings.lines.find((l) => l.path === line.assetPath)?.outputCounter?.deviceId;
      if (!out) throw new Error(`line ${line.assetPath} has no output counter`);
      expect(line.rule).toBe('lastStation');
      // Truth from the day before, so a stop that began before midnight keeps its full length.
      const tl = new TruthTimeline(
        plant.backfill.truth,
        scenario.calendar,
        spec.get(out)!,
        D3 - DAY_MS,
        instant,
        TICK_MS,
      );
      const now = tl.stateBefore(instant);
      expect(line.state, line.assetPath).toBe(now.category);
      expect(line.sinceMs, line.assetPath).toBe(now.sinceMs);
      const today = tl.figures(D3, instant);
      worstOee = Math.max(worstOee, relErr(line.today.oee, today.oee));
      console.info(
        'LS',
        line.assetPath,
        line.state,
        line.sinceMs,
        JSON.stringify(line.today),
        JSON.stringify(today),
      );
      expect(line.today.goodCount).toBe(today.good);
      expect(line.today.fromMs).toBe(D3);
      // The dropped-out machines have no state since midnight: unknown, never "running".
      for (const m of line.machines)
        if (DROPPED_MACHINES.includes(m.deviceId)) expect(m.state, m.deviceId).toBe('unknown');
    }
    expect(worstOee).toBeLessThanOrEqual(0.01);
    figures.lineStatusMaxOeeRelErr = worstOee;
  });

  it('the networking rate drops by exactly the dropped-out machines and meters', async () => {
    if (!broker) return;
    const f = scenario.factory.id;
    type Ind = {
      id: string;
      value: number | null;
      counts: Record<string, number>;
      pullingDown: { ref: string }[];
    };
    const rate = async (date: string) => {
      const r = await get<{ indicators: Ind[] }>(
        plant.platform,
        token,
        `/api/v1/factories/${f}/indicators?from=${at(date, '08:00')}&to=${at(date, '17:00')}`,
      );
      return r.indicators.find((i) => i.id === 'equipment-networking-rate') as Ind;
    };
    const machines = specs().size; // production equipment: the machines without the three compressors
    const meters = scenario.meters.length;
    const silent = (i: Ind) => i.pullingDown.map((p) => p.ref).sort();
    // The drop from day 2 to day 3 is exactly the dropped-out devices: same equipment, the same devices silent
    // on both days (a device that publishes on change and did not change is silent too: compressor AC01 runs
    // loaded all day), plus the dropped ones on day 3 — and the rate is networked ÷ equipment.
    const expectDrop = (day2: Ind, day3: Ind, equipment: number, out: string[]) => {
      expect(day2.counts.equipment).toBe(equipment);
      expect(day3.counts.equipment).toBe(equipment);
      expect(silent(day2).filter((id) => out.includes(id))).toEqual([]);
      expect(silent(day3)).toEqual([...silent(day2), ...out].sort());
      expect(day3.counts.networked).toBe((day2.counts.networked ?? 0) - out.length);
      expect(day2.value).toBe((day2.counts.networked ?? 0) / equipment);
      expect(day3.value).toBe((day3.counts.networked ?? 0) / equipment);
    };
    // As registered: production equipment = the production machines (meters and compressors are not).
    const day2 = await rate('2025-03-04');
    const day3 = await rate('2025-03-05');
    expectDrop(day2, day3, machines, DROPPED_MACHINES);
    // An assessor who counts the energy meters as digitised equipment flags them through the devices API.
    for (const m of scenario.meters) {
      const res = await call(plant.platform, token, 'PATCH', `/api/v1/factories/${f}/devices/${m.id}`, {
        production: true,
      });
      expect(res.status, m.id).toBe(200);
    }
    const all = machines + meters;
    const day2b = await rate('2025-03-04');
    const day3b = await rate('2025-03-05');
    expectDrop(day2b, day3b, all, dropped);
    figures.networkingRate = {
      machinesOnly: { day2: day2.counts, day3: day3.counts, rate2: day2.value, rate3: day3.value },
      machinesAndMeters: { day2: day2b.counts, day3: day3b.counts, rate2: day2b.value, rate3: day3b.value },
      silentBothDays: silent(day2),
      silentBothDaysWithMeters: silent(day2b),
    };
  });
});
