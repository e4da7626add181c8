import { Rng } from '../physics/prng.js';
import type { Fault } from '../scenario/faults.js';
import { parseScenario } from '../scenario/load.js';
import type { Scenario, ScenarioInput } from '../scenario/schema.js';

/**
 * Seeded random plants for diagnosis truth (issue 9 §5): 1–5 workshops, 10–200 meters, 1–3 shifts, 5-, 6- or
 * 7-day weeks, holidays; a random subset of injected faults at random magnitudes and start/end times, and a
 * random subset of traps (always-on loads, an incomer's own losses, a switchboard named 空压, lead/lag
 * compressors, overtime outside the calendar, a workshop on its own calendar, counter rollover and meter
 * replacement, a 10 kV incomer). Everything is a function of the seed. Each fault states, from the plant
 * alone, whether it lies above the diagnosis' detection threshold (`expect.ts`).
 */
export type Trap =
  | 'alwaysOnLoad'
  | 'incomerLosses'
  | 'switchboardNamedCompressor'
  | 'lagCompressor'
  | 'overtime'
  | 'workshopCalendar'
  | 'rollover'
  | 'meterReplaced'
  | 'hvIncomer'
  | 'holiday'
  | 'undeclaredBaseLoad';

export type RandomPlant = {
  seed: number;
  scenario: Scenario;
  days: number;
  startMs: number;
  traps: Trap[];
  /** Per meter: gross mean production-time power estimated from the specs, kW (for stated thresholds). */
  productionKw: Record<string, number>;
  /** Meters whose off-shift load is declared (standby of what they measure). */
  declared: string[];
};

type Machine = NonNullable<ScenarioInput['workshops']>[number]['lines'][number]['machines'][number];
type Meter = NonNullable<ScenarioInput['meters']>[number];

const MACHINE_TYPES = [
  { type: 'lathe', rated: [11, 30], cycle: 120, air: 0.2 },
  { type: 'mill', rated: [15, 45], cycle: 240, air: 0.3 },
  { type: 'press', rated: [22, 75], cycle: 20, air: 0.1 },
  { type: 'welder', rated: [15, 40], cycle: 180, air: 0.1 },
  { type: 'washer', rated: [15, 30], cycle: 60, air: 0.4 },
  { type: 'assembly', rated: [3, 8], cycle: 90, air: 0.1 },
  { type: 'furnace', rated: [90, 200], cycle: 1800, air: 0 },
] as const;

const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;

export function randomPlant(seed: number, opts: { days?: number } = {}): RandomPlant {
  const rng = new Rng(seed * 2654435761);
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(0, xs.length - 1)]!;
  const days = opts.days ?? 14;
  const week = rng.int(0, 40);
  const startMs = Date.parse('2025-03-03T00:00:00+08:00') + week * 7 * 86_400_000;
  const iso = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19) + '+08:00';
  const date = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
  const traps: Trap[] = ['incomerLosses'];

  // Calendar: 1–3 shifts, 5/6/7-day weeks (3 shifts never 7 days: a plant must have time without production).
  const nShifts = rng.int(1, 3);
  const shifts =
    nShifts === 1
      ? [
          {
            name: '白班',
            start: '08:00',
            end: '17:00',
            breaks: [
              { start: '10:00', end: '10:10' },
              { start: '12:00', end: '13:00' },
            ],
          },
        ]
      : nShifts === 2
        ? [
            { name: '早班', start: '07:00', end: '15:00', breaks: [{ start: '11:00', end: '11:30' }] },
            { name: '中班', start: '15:00', end: '23:00', breaks: [{ start: '19:00', end: '19:30' }] },
          ]
        : [
            { name: '早班', start: '00:00', end: '08:00', breaks: [{ start: '04:00', end: '04:30' }] },
            { name: '中班', start: '08:00', end: '16:00', breaks: [{ start: '12:00', end: '12:30' }] },
            { name: '夜班', start: '16:00', end: '24:00', breaks: [{ start: '20:00', end: '20:30' }] },
          ];
  const workdays =
    nShifts === 3
      ? [1, 2, 3, 4, 5]
      : pick([
          [1, 2, 3, 4, 5],
          [1, 2, 3, 4, 5, 6],
          [1, 2, 3, 4, 5, 6, 7],
        ]);
  const holidays: string[] = [];
  if (rng.chance(0.4)) {
    holidays.push(date(startMs + rng.int(1, days - 2) * 86_400_000));
    traps.push('holiday');
  }
  const calendar = { utcOffsetMinutes: 480, workdays, shifts, holidays, extraWorkdays: [] as string[] };

  // Workshops, lines, machines.
  const nWs = rng.int(1, 5);
  const perMachineMeter = pick([0, 0.2, 0.5, 1]);
  const workshops: NonNullable<ScenarioInput['workshops']> = [];
  const meters: Meter[] = [];
  const productionKw: Record<string, number> = {};
  const declared: string[] = [];
  const hv = rng.chance(0.4);
  if (hv) traps.push('hvIncomer');
  meters.push({
    id: 'M-MAIN',
    name: hv ? '10kV总进线' : '总进线',
    role: 'mainIncomer',
    assetPath: '',
    baseLoad: { productionKw: r1(rng.uniform(3, 10)), offShiftKw: r1(rng.uniform(1, 3)) },
    unmeteredLossShare: r2(rng.uniform(0.005, 0.02)),
    ...(hv ? { nominalVoltageKv: 10 } : {}),
  });
  let plantKw = 0;
  let airDemand = 0;
  for (let w = 1; w <= nWs; w++) {
    const ws = `WS${w}`;
    const lines: NonNullable<ScenarioInput['workshops']>[number]['lines'] = [];
    const lightProd = r1(rng.uniform(4, 20));
    const feeder: Meter = {
      id: `M-${ws}`,
      name: `${w}号车间馈线`,
      role: 'feeder',
      parent: 'M-MAIN',
      assetPath: ws,
      baseLoad: { productionKw: lightProd, offShiftKw: r1(lightProd * rng.uniform(0.05, 0.2)) },
      unmeteredLossShare: r2(rng.uniform(0, 0.015)),
    };
    feeder.equipment = { standbyPowerKw: feeder.baseLoad!.offShiftKw, class: 'switchboard' };
    declared.push(feeder.id);
    meters.push(feeder);
    let wsKw = lightProd;
    for (let l = 1; l <= rng.int(1, 4); l++) {
      const kind = pick(MACHINE_TYPES);
      const machines: Machine[] = [];
      for (let k = 1; k <= rng.int(kind.type === 'furnace' ? 1 : 2, kind.type === 'furnace' ? 3 : 8); k++) {
        const rated = Math.round(rng.uniform(kind.rated[0], kind.rated[1]));
        const running = r1(rated * rng.uniform(0.65, 0.85));
        const idle = r1(running * rng.uniform(0.25, 0.4));
        machines.push({
          id: `${ws}-L${l}-${kind.type.slice(0, 2).toUpperCase()}${k}`,
          name: `${w}-${l}线${kind.type}${k}`,
          type: kind.type,
          ratedKw: rated,
          runningKw: running,
          idleKw: idle,
          standbyKw: r2(Math.min(idle, rng.uniform(0.3, 1.5))),
          idealCycleTimeS: Math.round(kind.cycle * rng.uniform(0.8, 1.2)),
          airM3PerMin: r2(kind.air * rng.uniform(0.5, 1.5)),
          breakdownsPer100h: 0.3,
          idleSpellsPerHour: 0.3,
        });
        airDemand += kind.air;
      }
      const path = `${ws}/L${l}`;
      lines.push({ id: `L${l}`, name: `${w}-${l}线`, machines });
      const lineKw = machines.reduce((a, m) => a + m.runningKw * 0.85, 0);
      wsKw += lineKw;
      // Per-machine meters (always for ≥ 100 kW: GB 17167 main equipment), else one shared line meter.
      const own = machines.filter((m) => m.ratedKw >= 100 || rng.chance(perMachineMeter));
      const shared = machines.filter((m) => !own.includes(m));
      for (const m of own) {
        meters.push({
          id: `M-${m.id}`,
          name: `${m.name}电表`,
          role: 'equipment',
          parent: feeder.id,
          assetPath: path,
          loads: [m.id],
          ratedKw: m.ratedKw,
        });
        productionKw[`M-${m.id}`] = m.runningKw * 0.85;
        declared.push(`M-${m.id}`);
      }
      if (shared.length) {
        meters.push({
          id: `M-${ws}-L${l}`,
          name: `${w}-${l}线电表`,
          role: 'equipment',
          parent: feeder.id,
          assetPath: path,
          loads: shared.map((m) => m.id),
        });
        productionKw[`M-${ws}-L${l}`] = shared.reduce((a, m) => a + m.runningKw * 0.85, 0);
        declared.push(`M-${ws}-L${l}`);
      }
    }
    // Building sub-meters: lighting (declared standby or not), sometimes an always-on process load.
    if (rng.chance(0.6)) {
      const p = r1(rng.uniform(3, 12));
      const off = r1(p * rng.uniform(0.05, 0.15));
      const decl = rng.chance(0.6);
      meters.push({
        id: `M-${ws}-LT`,
        name: `${w}号车间照明`,
        role: 'submeter',
        parent: feeder.id,
        assetPath: ws,
        baseLoad: { productionKw: p, offShiftKw: off },
        equipment: {
          class: 'lighting',
          operatingProfile: 'scheduled',
          ...(decl ? { standbyPowerKw: off } : {}),
        },
      });
      if (decl) declared.push(`M-${ws}-LT`);
      else traps.push('undeclaredBaseLoad');
      productionKw[`M-${ws}-LT`] = p;
      wsKw += p;
    }
    if (rng.chance(0.3)) {
      const kw = r1(rng.uniform(8, 40));
      meters.push({
        id: `M-${ws}-CR`,
        name: `${w}号车间洁净室空调`,
        role: 'submeter',
        parent: feeder.id,
        assetPath: ws,
        baseLoad: { productionKw: kw, offShiftKw: kw },
        equipment: { class: 'cleanroomHvac', operatingProfile: 'alwaysOn', alwaysOnKw: kw },
      });
      traps.push('alwaysOnLoad');
      wsKw += kw;
    }
    productionKw[feeder.id] = wsKw;
    plantKw += wsKw;
    workshops.push({ id: ws, name: `${w}号车间`, lines });
  }

  // Compressed air: 1–3 packages in lead/lag order on a switchboard whose name says 空压 (no class declared).
  const nComp = rng.int(1, 3);
  const utilityWs = workshops[0]!;
  const compressors: Machine[] = [];
  const cap = Math.max(3, airDemand * rng.uniform(0.7, 1.1));
  for (let c = 1; c <= nComp; c++) {
    const capacity = r1(c === 1 ? cap : cap * rng.uniform(0.4, 0.8));
    const sp = r2(rng.uniform(6.0, 7.2));
    const rated = Math.round(capacity * sp * 1.15);
    compressors.push({
      id: `AC${c}`,
      name: `${c}#螺杆空压机`,
      type: 'compressor',
      ratedKw: rated,
      runningKw: r1(rated * 0.85),
      idleKw: r1(rated * 0.3),
      standbyKw: r2(rng.uniform(0.3, 1)),
      compressor: {
        capacityM3PerMin: capacity,
        specificPowerKwPerM3PerMin: sp,
        unloadedKw: r1(rated * 0.3),
        sequence: c - 1,
      },
    });
  }
  if (nComp > 1) traps.push('lagCompressor');
  utilityWs.lines.push({ id: 'AIR', name: '空压站', machines: compressors });
  meters.push({
    id: 'M-KY',
    name: '空压站配电柜',
    role: 'feeder',
    parent: 'M-MAIN',
    assetPath: `${utilityWs.id}/AIR`,
  });
  traps.push('switchboardNamedCompressor');
  for (const c of compressors) {
    meters.push({
      id: `M-${c.id}`,
      name: `${c.name}电表`,
      role: 'equipment',
      parent: 'M-KY',
      assetPath: `${utilityWs.id}/AIR`,
      loads: [c.id],
      ratedKw: c.ratedKw,
    });
    productionKw[`M-${c.id}`] = c.runningKw * 0.5;
  }
  meters.push({
    id: 'M-AIR',
    name: '压缩空气总管流量',
    medium: 'compressedAir',
    role: 'utility',
    assetPath: `${utilityWs.id}/AIR`,
    loads: compressors.map((c) => c.id),
    initialReading: 10_000,
  });
  productionKw['M-MAIN'] = plantKw;

  // Bring the meter count into 10–200: office sub-meters under the incomer as needed.
  for (let k = 1; meters.length < 10; k++) {
    const p = r1(rng.uniform(4, 15));
    const off = r1(p * rng.uniform(0.05, 0.2));
    meters.push({
      id: `M-OF${k}`,
      name: `办公楼${k}`,
      role: 'feeder',
      parent: 'M-MAIN',
      assetPath: '',
      baseLoad: { productionKw: p, offShiftKw: off },
      equipment: { class: 'building', operatingProfile: 'scheduled', standbyPowerKw: off },
    });
    declared.push(`M-OF${k}`);
    productionKw[`M-OF${k}`] = p;
  }
  while (meters.length > 200) meters.pop();

  // Traps on the calendar and the registers.
  if (rng.chance(0.3) && nShifts < 3 && workshops.length > 1) {
    workshops[workshops.length - 1]!.calendar = {
      ...calendar,
      shifts: [
        { name: '早班', start: '00:00', end: '08:00', breaks: [] },
        { name: '中班', start: '08:00', end: '16:00', breaks: [] },
        { name: '夜班', start: '16:00', end: '24:00', breaks: [] },
      ],
    };
    traps.push('workshopCalendar');
  }
  if (rng.chance(0.3) && !workdays.includes(6)) {
    const sat = startMs + 5 * 86_400_000;
    workshops[0]!.overtime = [{ from: iso(sat + 8 * 3_600_000), to: iso(sat + 12 * 3_600_000) }];
    traps.push('overtime');
  }
  const lineMeters = meters.filter((m) => m.role === 'equipment' && m.id.startsWith('M-WS'));
  if (rng.chance(0.3) && lineMeters.length) {
    const m = pick(lineMeters);
    const kwh = (productionKw[m.id] ?? 10) * days * 10;
    m.rolloverAt = 100_000;
    m.initialReading = Math.max(0, 100_000 - kwh * rng.uniform(0.2, 0.8));
    traps.push('rollover');
  }
  if (rng.chance(0.3) && lineMeters.length) {
    const m = pick(lineMeters);
    if (!m.rolloverAt) {
      m.replacements = [
        { at: iso(startMs + rng.int(2, days - 2) * 86_400_000 + 10 * 3_600_000), newReading: 0 },
      ];
      traps.push('meterReplaced');
    }
  }

  const scenario = parseScenario({
    factory: {
      id: `rp${seed}`,
      name: `随机工厂${seed}`,
      nameEn: `Random plant ${seed}`,
      industry: 'discrete',
      utcOffsetMinutes: 480,
      // Contract demand well above the plant's own maximum: exceeding it would be a finding of its own.
      contractDemandKw: Math.round((plantKw + compressors.reduce((a, c) => a + c.runningKw, 0)) * 2 + 50),
      products: [],
    },
    seed,
    calendar,
    clock: { start: iso(startMs), speed: 60, tickSeconds: 60 },
    workshops,
    meters,
    faults: [] as Fault[],
  });
  return { seed, scenario, days, startMs, traps, productionKw, declared };
}
