import { loadScenario, parseScenario, type Scenario } from '@xiang/simulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LineStatusRow, OeeRow } from '../../platform/src/query/oee-report.js';
import { type Service, startMosquitto } from '../harness/services.js';
import { referenceShifts } from '../oracles/calendar-reference.js';
import { PlatformHarness } from '../platform/platform-harness.js';
import { type BackfilledPlant, backfilledPlant, call, get } from './oee-plant.js';
import { relErr, sumFigures, type TruthFigures, TruthTimeline } from './oee-truth.js';
import { PublishedWitness } from './oee-witness.js';

/**
 * OEE, time in state, line status and the networking rate of the default scenario (hunan-machining: 3 workshops,
 * 8 lines, 58 machines, 38 meters, two shifts with breaks, a night shift across midnight, micro-stops on three
 * presses, idling through breaks) against the simulator's ground truth. Three simulated days (Mon–Wed) travel as
 * xiang/v1 historical batches through a real Mosquitto into the platform; everything is read back through the
 * HTTP API. On day 3 four devices drop out from 00:00 to 20:00 (the simulator's meterDropout fault: every
 * variable goes BadNoCommunication once, then silence, then Good again): two machines and two meters, none of
 * them a line's last station.
 *
 * The oracle is independent of the platform: day and shift windows come from literal dates and the calendar
 * reference (tests/oracles/calendar-reference.ts), the set of rows and each line's rule from the scenario and the
 * person-entered line settings, the loss rules from the README (oee-truth.ts), networking from what a witness on
 * the broker saw published (oee-witness.ts). Exact results are compared at 1e-9.
 */
const TICK_MS = 60_000;
const at = (date: string, hhmm = '00:00') => Date.parse(`${date}T${hhmm}:00+08:00`);
const D1 = at('2025-03-03');
const D2 = at('2025-03-04');
const D3 = at('2025-03-05');
const D4 = at('2025-03-06');
const DROP_END = at('2025-03-05', '20:00');
const DROPPED_MACHINES = ['GL-LT03', 'AS-ST02'];
const DROPPED_METERS = ['M-OFFICE-HVAC', 'M-WATER-DOM'];
const dropped = [...DROPPED_MACHINES, ...DROPPED_METERS];
const TOL = 1e-9;

let broker: Service | null = null;
let witness: PublishedWitness | null = null;
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
        description: '通讯中断至 20:00 / offline until 20:00 on day 3',
        device,
        from: '2025-03-05T00:00:00+08:00',
        to: '2025-03-05T20:00:00+08:00',
      })),
    ],
  });
  witness = new PublishedWitness(broker.url, 'oee-ground-truth-witness');
  await witness.start();
  plant = await backfilledPlant({ harness, brokerUrl: broker.url, protocolVersion: 5, scenario, days: 3 });
  token = harness.adminToken;
  figures.backfill = { points: plant.backfill.points, ingestS: plant.ingestMs / 1000 };
});

afterAll(async () => {
  console.info(`[oee-ground-truth] ${JSON.stringify(figures)}`);
  await witness?.stop();
  await harness.dispose();
  await broker?.dispose();
});

/** Production machines (the compressors are registered as not production equipment) with their line/workshop. */
function production() {
  return scenario.workshops.flatMap((w) =>
    w.lines.flatMap((l) =>
      l.machines
        .filter((m) => m.type !== 'compressor')
        .map((m) => ({ m, workshop: w.id, line: `${w.id}/${l.id}` })),
    ),
  );
}

/** Truth per machine over the three days, dropouts unknown. */
function timelines(horizonMs?: number, fromMs = D1, toMs = D4): Map<string, TruthTimeline> {
  return new Map(
    production().map(({ m }) => [
      m.id,
      new TruthTimeline(plant.backfill.truth, scenario.calendar, m, fromMs, toMs, TICK_MS, {
        unknown: DROPPED_MACHINES.includes(m.id) ? [{ startMs: D3, endMs: DROP_END }] : [],
        ...(horizonMs !== undefined ? { horizonMs } : {}),
      }),
    ]),
  );
}

type Expected = {
  key: string;
  fromMs: number;
  toMs: number;
  rule: string;
  truth: TruthFigures;
  machine?: string;
};

/** The rows a query must return, keyed by level, asset and literal bucket, with their truth. */
function expectedRows(
  tl: Map<string, TruthTimeline>,
  fromMs: number,
  toMs: number,
  groupBy: string[],
): Map<string, Expected> {
  const prod = production();
  const buckets: { key: string; fromMs: number; toMs: number }[] = [];
  const days: { key: string; fromMs: number; toMs: number }[] = [];
  for (let d = fromMs; d < toMs; d += 86_400_000)
    days.push({
      key: `day ${new Date(d + 8 * 3_600_000).toISOString().slice(0, 10)}`,
      fromMs: d,
      toMs: Math.min(d + 86_400_000, toMs),
    });
  const shifts = referenceShifts(scenario.calendar, fromMs, toMs).map((s) => ({
    key: `shift ${s.date} ${s.shift}`,
    fromMs: s.startMs,
    toMs: s.endMs,
  }));
  if (groupBy.includes('day')) buckets.push(...days);
  if (groupBy.includes('shift')) buckets.push(...shifts);
  if (buckets.length === 0) buckets.push({ key: 'period', fromMs, toMs });
  const out = new Map<string, Expected>();
  const of = (ids: string[], b: { fromMs: number; toMs: number }) =>
    sumFigures(ids.map((id) => (tl.get(id) as TruthTimeline).figures(b.fromMs, b.toMs)));
  for (const b of buckets) {
    if (groupBy.includes('machine'))
      for (const { m } of prod)
        out.set(`machine ${m.id} ${b.key}`, {
          ...b,
          rule: 'machine',
          machine: m.id,
          truth: of([m.id], b),
        });
    if (groupBy.includes('line'))
      for (const line of [...new Set(prod.map((p) => p.line))]) {
        const output = plant.settings.lines.find((l) => l.path === line)?.outputCounter?.deviceId;
        const ids = prod.filter((p) => p.line === line).map((p) => p.m.id);
        out.set(`line ${line} ${b.key}`, {
          ...b,
          rule: output ? 'lastStation' : 'timeWeighted',
          truth: of(output ? [output] : ids, b),
        });
      }
    if (groupBy.includes('workshop'))
      for (const ws of [...new Set(prod.map((p) => p.workshop))])
        out.set(`workshop ${ws} ${b.key}`, {
          ...b,
          rule: 'timeWeighted',
          truth: of(
            prod.filter((p) => p.workshop === ws).map((p) => p.m.id),
            b,
          ),
        });
    if (groupBy.includes('factory'))
      out.set(`factory ${b.key}`, {
        ...b,
        rule: 'timeWeighted',
        truth: of(
          prod.map((p) => p.m.id),
          b,
        ),
      });
  }
  return out;
}

function rowKey(r: OeeRow): string {
  const bucket =
    r.shift !== undefined ? `shift ${r.date} ${r.shift}` : r.date !== undefined ? `day ${r.date}` : 'period';
  return r.level === 'factory' ? `factory ${bucket}` : `${r.level} ${r.deviceId ?? r.assetPath} ${bucket}`;
}

describe('OEE against the simulator ground truth (hunan-machining, 3 days, real Mosquitto)', () => {
  it('exactly the expected rows, literal windows, each line’s rule; time in state, PPT, A/P/Q/OEE exact', async () => {
    if (!broker) return;
    const f = scenario.factory.id;
    const tl = timelines();
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
        `/api/v1/factories/${f}/oee?from=${D1}&to=${D3}&groupBy=${groupBy}`,
      );
      expect(r.hasCalendar).toBe(true);
      const expected = expectedRows(tl, D1, D3, groupBy.split(','));
      expect(r.rows.map(rowKey).sort(), groupBy).toEqual([...expected.keys()].sort());
      for (const row of r.rows) {
        const e = expected.get(rowKey(row)) as Expected;
        const where = rowKey(row);
        rowsChecked++;
        expect([row.fromMs, row.toMs], where).toEqual([e.fromMs, e.toMs]);
        expect(row.rule, where).toBe(e.rule);
        expect(row.unknownMin, where).toBe(0);
        expect([row.coverage, row.lowCoverage], where).toEqual([1, false]);
        note(
          'plannedProductionTime',
          relErr(row.totals.plannedProductionMs, e.truth.plannedProductionMs),
          where,
        );
        note('availability', relErr(row.availability, e.truth.availability), where);
        note('performance', relErr(row.performance, e.truth.performance), where);
        note('quality', relErr(row.quality, e.truth.quality), where);
        note('oee', relErr(row.oee, e.truth.oee), where);
        if (row.level === 'machine') {
          const t = tl.get(row.deviceId ?? '') as TruthTimeline;
          const states = t.timeInState(row.fromMs, row.toMs);
          for (const name of new Set([...Object.keys(states), ...Object.keys(row.stateDurationsMs ?? {})]))
            note(
              'timeInState',
              relErr(row.stateDurationsMs?.[name] ?? 0, states[name] ?? 0),
              `${where} ${name}`,
            );
          note(
            'microStopCount',
            relErr(row.totals.microStopCount, t.microStopCount(row.fromMs, row.toMs)),
            where,
          );
        }
      }
    }
    figures.rowsChecked = rowsChecked;
    figures.maxRelativeError = worst;
    for (const [what, w] of Object.entries(worst))
      expect(w.err, `${what} at ${w.where}`).toBeLessThanOrEqual(TOL);
    // The injected micro-stops (presses 1–3, 60 s) are seen as such: a performance loss, not an availability one.
    const injected = plant.backfill.truth.faults(D1, D3).find((x) => x.type === 'microStops')?.truth as
      | { count: number }
      | undefined;
    const presses = ['ST-PR01', 'ST-PR02', 'ST-PR03'].reduce(
      (a, id) => a + (tl.get(id) as TruthTimeline).microStopCount(D1, D3),
      0,
    );
    expect(injected?.count).toBeGreaterThan(10);
    expect(presses).toBeGreaterThan(0);
    expect(presses).toBeLessThanOrEqual(injected?.count ?? 0);
    figures.microStops = { presses1to3: presses, injected: injected?.count };
  });

  it('day 3: the dropout is unknown time, its production unattributed (beside the figures), OEE ≤ 1, flagged', async () => {
    if (!broker) return;
    const f = scenario.factory.id;
    const tl = timelines();
    // Up to 23:00: the truth knows states up to the last simulated tick (D4), and a stop ending exactly there
    // could not be classified by it.
    const end = at('2025-03-05', '23:00');
    const r = await get<{ rows: OeeRow[] }>(
      plant.platform,
      token,
      `/api/v1/factories/${f}/oee?from=${D3}&to=${end}&groupBy=machine,line,day`,
    );
    const expected = expectedRows(tl, D3, end, ['machine', 'line', 'day']);
    expect(r.rows.map(rowKey).sort()).toEqual([...expected.keys()].sort());
    let worst = 0;
    for (const row of r.rows) {
      const e = expected.get(rowKey(row)) as Expected;
      const where = rowKey(row);
      for (const [a, b] of [
        [row.totals.plannedProductionMs, e.truth.plannedProductionMs],
        [row.totals.unknownMs, e.truth.unknownMs],
        [row.totals.goodCount, e.truth.good],
        [row.unattributed.good + row.unattributed.reject, e.truth.unattributedGood],
        [row.availability, e.truth.availability],
        [row.performance, e.truth.performance],
        [row.oee, e.truth.oee],
      ] as const) {
        const err = relErr(a, b);
        worst = Math.max(worst, err);
        expect(err, `${where}: ${a} vs ${b}`).toBeLessThanOrEqual(TOL);
      }
      if (row.oee !== null) expect(row.oee, where).toBeLessThanOrEqual(1);
      const hit = e.machine !== undefined && DROPPED_MACHINES.includes(e.machine);
      expect(row.lowCoverage, where).toBe(hit);
      if (hit) {
        expect(row.warnings, where).toEqual(
          expect.arrayContaining(['stateDataGap', 'unattributedProduction']),
        );
        expect(row.unattributed.good, where).toBeGreaterThan(0);
      }
    }
    figures.day3 = {
      maxRelErr: worst,
      dropped: r.rows
        .filter((x) => DROPPED_MACHINES.includes(x.deviceId ?? ''))
        .map((x) => ({ id: x.deviceId, coverage: x.coverage, unattributed: x.unattributed, oee: x.oee })),
    };
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
    // Every line with production machines (not the compressor house), each following its last station.
    const productionLines = [...new Set(production().map((p) => p.line))].sort();
    expect(r.lines.map((l) => l.assetPath).sort()).toEqual(productionLines);
    // Truth from the day before (a stop that began before midnight keeps its full length), nothing known
    // after the instant.
    const tl = timelines(instant, D2, D4);
    let worstOee = 0;
    for (const line of r.lines) {
      expect(line.calendar).toBe('production');
      const out = plant.settings.lines.find((l) => l.path === line.assetPath)?.outputCounter
        ?.deviceId as string;
      expect(line.rule).toBe('lastStation');
      const t = tl.get(out) as TruthTimeline;
      const now = t.stateBefore(instant);
      expect(line.state, line.assetPath).toBe(now.category);
      expect(line.sinceMs, line.assetPath).toBe(now.sinceMs);
      const today = t.figures(D3, instant);
      worstOee = Math.max(worstOee, relErr(line.today.oee, today.oee));
      expect(line.today.goodCount).toBe(today.good);
      expect(line.today.fromMs).toBe(D3);
      if (line.today.oee !== null) expect(line.today.oee).toBeLessThanOrEqual(1);
      // The dropped-out machines have no state since midnight: unknown, never "running", and named.
      const gaps = line.machines.filter((m) => DROPPED_MACHINES.includes(m.deviceId)).map((m) => m.deviceId);
      for (const m of line.machines)
        if (gaps.includes(m.deviceId)) expect(m.state, m.deviceId).toBe('unknown');
      expect(line.today.machinesWithGaps.sort()).toEqual(gaps.sort());
    }
    expect(worstOee).toBeLessThanOrEqual(TOL);
    figures.lineStatusMaxOeeRelErr = worstOee;
  });

  it('networking: the devices short of a full day are exactly the dropped ones, by what was published', async () => {
    if (!broker || !witness) return;
    const f = scenario.factory.id;
    type Ind = {
      id: string;
      value: number | null;
      counts: Record<string, number>;
      pullingDown: { ref: string; value: number | null }[];
      definition?: { id: string };
    };
    const rate = async (date: string) => {
      const r = await get<{ indicators: Ind[] }>(
        plant.platform,
        token,
        `/api/v1/factories/${f}/indicators?from=${at(date, '08:00')}&to=${at(date, '17:00')}`,
      );
      return r.indicators.find((i) => i.id === 'equipment-networking-rate') as Ind;
    };
    const check = async (date: string, equipment: string[]) => {
      const a = at(date, '08:00');
      const b = at(date, '17:00');
      const got = await rate(date);
      expect(got.definition?.id).toBe('online-time');
      const shares = equipment.map((id) => ({
        id,
        share: (witness as PublishedWitness).networkedShare(id, a, b),
      }));
      const short = shares
        .filter((s) => s.share < 1)
        .sort((x, y) => x.share - y.share || x.id.localeCompare(y.id));
      expect(got.counts.equipment).toBe(equipment.length);
      expect(got.pullingDown.map((p) => [p.ref, p.value])).toEqual(short.map((s) => [s.id, s.share]));
      expect(
        relErr(got.value, shares.reduce((x, s) => x + s.share, 0) / equipment.length),
      ).toBeLessThanOrEqual(TOL);
      return { value: got.value, short: short.map((s) => s.id) };
    };
    const machines = production().map((p) => p.m.id);
    const day2 = await check('2025-03-04', machines);
    const day3 = await check('2025-03-05', machines);
    expect(day2.short).toEqual([]);
    expect(day3.short.sort()).toEqual([...DROPPED_MACHINES].sort());
    // An assessor who counts the energy meters as digitised equipment flags them through the devices API.
    for (const m of scenario.meters) {
      const res = await call(plant.platform, token, 'PATCH', `/api/v1/factories/${f}/devices/${m.id}`, {
        production: true,
      });
      expect(res.status, m.id).toBe(200);
    }
    const all = [...machines, ...scenario.meters.map((m) => m.id)];
    const day3b = await check('2025-03-05', all);
    expect(day3b.short.sort()).toEqual([...dropped].sort());
    figures.networkingRate = { day2, day3, day3WithMeters: day3b, witnessMessages: witness.messages };
  });
});
