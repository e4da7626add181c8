import { Rng } from '../physics/prng.js';
import type { Fault } from '../scenario/faults.js';
import { parseScenario } from '../scenario/load.js';
import type { RandomPlant } from './generate.js';

/**
 * A random subset of injected faults for a random plant, at random magnitudes and start/end times, each
 * with its STATED detection threshold: whether it lies above what the diagnosis is meant to find, derived
 * from the plant and the fault alone (the thresholds are the diagnosis' documented ones, restated here —
 * the rules are not consulted).
 */
export type Stated = {
  /** Above the detection threshold: must be found, magnitude within ±10 %. */
  detectable: boolean;
  why: string;
};

export type InjectedPlant = RandomPlant & { stated: Record<string, Stated> };

const H = 3_600_000;
const D = 86_400_000;
/** The diagnosis' documented thresholds (platform/src/energy/data/settings.json), restated. */
const THRESHOLDS = {
  minExcessKw: 1,
  minShareOfMeterLoad: 0.02,
  minLeakKw: 0.5,
  thdLimit: { lv: 5, mv: 4 },
  unbalance: 2,
  /** metering.gapShareFlag.low: a drop-out is flagged above "info" from 1 % of the period's quarter-hours
   * (below, it is listed for information: missing data is never waste). */
  gapShareLow: 0.01,
};

export function withRandomFaults(plant: RandomPlant): InjectedPlant {
  const rng = new Rng((plant.seed * 40503) ^ 0x5bd1e995);
  const s = plant.scenario;
  const iso = (ms: number) => new Date(ms + 8 * H).toISOString().slice(0, 19) + '+08:00';
  const faults: Fault[] = [];
  const stated: Record<string, Stated> = {};
  const days = plant.days;
  const t0 = plant.startMs;
  const elec = s.meters.filter((m) => m.medium === 'electricity');
  const leafLoads = elec.filter(
    (m) =>
      m.id !== 'M-MAIN' &&
      !m.id.startsWith('M-AC') &&
      m.id !== 'M-KY' &&
      m.equipment?.operatingProfile !== 'alwaysOn' &&
      !s.meters.some((c) => c.parent === m.id),
  );
  const start = () => t0 + rng.int(0, Math.floor(days / 2)) * D + rng.int(0, 23) * H;
  const maybeEnd = (from: number) =>
    rng.chance(0.3) ? from + rng.int(3, Math.max(3, days - 4)) * D : undefined;

  // Off-shift loads left on (declared meters: sized against the declaration; others: must start or stop
  // inside the period with enough quiet windows around it).
  for (let k = 0; k < rng.int(0, 2) && leafLoads.length; k++) {
    const m = leafLoads[rng.int(0, leafLoads.length - 1)]!;
    if (faults.some((f) => f.type === 'offShiftBaseLoad' && f.target === m.id)) continue;
    const thr = Math.max(
      THRESHOLDS.minExcessKw,
      THRESHOLDS.minShareOfMeterLoad * (plant.productionKw[m.id] ?? 0),
    );
    const kw = Math.round(thr * rng.uniform(0.5, 6) * 10) / 10;
    const from = rng.chance(0.3) ? undefined : start();
    const to = from ? maybeEnd(from) : undefined;
    const id = `offshift-${m.id}`;
    faults.push({
      id,
      type: 'offShiftBaseLoad',
      target: m.id,
      kw,
      cause: 'standbyLoad',
      alsoDuringProduction: false,
      ...(from ? { from: iso(from) } : {}),
      ...(to && to < t0 + days * D ? { to: iso(to) } : {}),
    });
    const declared = plant.declared.includes(m.id);
    const quietDays = from ? (from - t0) / D : 0;
    // Without a declaration the load is told from a need only by comparing off-production windows: the
    // diagnosis learns a baseline from at least 3 windows of >= 2 h with >= 8 h of them quiet (windows.ts
    // elevatedStretch, settings baseLoad.minWindowHours / minBaselineHours). A three-shift, five-day plant has
    // two weekends in 14 days: too few windows to call an undeclared load new, however large.
    const wins = offProductionWindows(plant, m.assetPath.split('/')[0] ?? '');
    const end = to && to < t0 + days * D ? to : t0 + days * D;
    const quietH = from
      ? wins.filter(([a, b]) => b <= from || a >= end).reduce((h, [a, b]) => h + (b - a) / H, 0)
      : 0;
    const learnable = from !== undefined && quietDays >= 2 && wins.length >= 3 && quietH >= 8;
    stated[id] = {
      detectable: kw >= thr * 1.3 && (declared || learnable),
      why: `${kw} kW vs threshold ${thr.toFixed(2)} kW; ${declared ? 'standby declared' : learnable ? `starts after ${quietDays.toFixed(1)} quiet days` : from ? `undeclared; ${wins.length} off-production windows, ${quietH} h quiet` : 'undeclared, present from the start'}`,
    };
  }
  // A compressed-air leak on the lead compressor.
  if (rng.chance(0.6)) {
    const kw = Math.round(rng.uniform(1.5, 15) * 10) / 10;
    const from = rng.chance(0.4) ? undefined : start();
    faults.push({
      id: 'leak-AC1',
      type: 'offShiftBaseLoad',
      target: 'AC1',
      kw,
      cause: 'compressedAirLeak',
      alsoDuringProduction: false,
      ...(from ? { from: iso(from) } : {}),
    });
    stated['leak-AC1'] = { detectable: kw >= 1.5, why: `${kw} kW on the lead compressor, standby declared` };
  }
  // Machines idling through breaks (and after the shift).
  const lines = s.workshops.flatMap((w) => w.lines).filter((l) => l.id !== 'AIR');
  if (rng.chance(0.5) && lines.length) {
    const line = lines[rng.int(0, lines.length - 1)]!;
    const machines = line.machines.slice(0, rng.int(1, Math.min(3, line.machines.length))).map((m) => m.id);
    const off = rng.chance(0.5);
    faults.push({
      id: 'idle',
      type: 'idleThroughBreaks',
      machines,
      during: off ? ['break', 'offShift'] : ['break'],
      ...(off ? { afterShiftMinutes: rng.int(2, 6) * 15 } : {}),
    });
    stated.idle = {
      detectable: true,
      why: `${machines.length} machine(s), idle and standby power registered`,
    };
  }
  // Power quality and power factor on meters that publish them.
  if (rng.chance(0.4)) {
    const m = elec[rng.int(1, elec.length - 1)]!;
    const pf = Math.round(rng.uniform(0.68, 0.85) * 100) / 100;
    faults.push({ id: 'low-pf', type: 'lowPowerFactor', meter: m.id, powerFactor: pf });
    stated['low-pf'] = { detectable: true, why: `PF ${pf} < 0.90` };
  }
  if (rng.chance(0.4)) {
    const m = elec[rng.int(0, elec.length - 1)]!;
    const hv = (m.nominalVoltageKv ?? 0.4) >= 6;
    const limit = hv ? THRESHOLDS.thdLimit.mv : THRESHOLDS.thdLimit.lv;
    const thd = Math.round(limit * rng.uniform(1.25, 2) * 10) / 10;
    faults.push({ id: 'thd', type: 'harmonicDistortion', meter: m.id, thdPct: thd });
    stated.thd = {
      detectable: true,
      why: `THD ${thd} % vs the ${limit} % limit at ${hv ? '10' : '0.38'} kV (whole period)`,
    };
  }
  if (rng.chance(0.4)) {
    const m = leafLoads[rng.int(0, leafLoads.length - 1)] ?? elec[1]!;
    const u = Math.round(rng.uniform(2.6, 5) * 10) / 10;
    faults.push({ id: 'unbalance', type: 'phaseUnbalance', meter: m.id, unbalancePct: u });
    stated.unbalance = { detectable: true, why: `unbalance ${u} % vs 2 % (whole period)` };
  }
  // Demand spikes (a plateau up to 2.5 h) during production on a line meter.
  if (rng.chance(0.5) && leafLoads.length) {
    // On a meter big enough to carry it (a spike beyond 1.5 × a meter's rating would be implausible data).
    const machineKw = new Map(
      s.workshops.flatMap((w) => w.lines.flatMap((l) => l.machines.map((x) => [x.id, x.ratedKw] as const))),
    );
    const capacity = (m: (typeof leafLoads)[number]) =>
      m.ratedKw ?? m.loads.reduce((a, id) => a + (machineKw.get(id) ?? 0), 0);
    const m = [...leafLoads].sort((a, b) => capacity(b) - capacity(a))[
      rng.int(0, Math.min(2, leafLoads.length - 1))
    ]!;
    const plant0 = plant.productionKw['M-MAIN'] ?? 100;
    const room = Math.max(0, 1.2 * capacity(m) - (plant.productionKw[m.id] ?? 0));
    const kw = Math.round(Math.min(plant0 * rng.uniform(0.12, 0.35), room));
    const firstShift = s.calendar.shifts[0]!;
    const h = Number(firstShift.start.slice(0, 2)) + rng.int(1, 3);
    if (kw >= 1)
      faults.push({
        id: 'spikes',
        type: 'demandSpikes',
        meter: m.id,
        kw,
        minutes: rng.int(2, 10) * 15,
        at: [`${String(h).padStart(2, '0')}:${pickMinute(rng)}`],
        weekdays: [rng.int(1, 5)],
      });
    // Detectable is decided on the truth (what removing the spikes takes off the maximum): see check.ts.
    if (kw >= 1) stated.spikes = { detectable: true, why: `${kw} kW spike; judged on the generated load` };
  }
  // Metering faults: a drop-out, a freeze that ends.
  if (rng.chance(0.4)) {
    const m = elec[rng.int(1, elec.length - 1)]!;
    const from = t0 + rng.int(1, days - 2) * D + rng.int(8, 14) * H;
    const hours = rng.int(2, 8);
    faults.push({
      id: 'dropout',
      type: 'meterDropout',
      device: m.id,
      from: iso(from),
      to: iso(from + hours * H),
    });
    // Flagged above "info" only from the documented share of the period (a 3 h drop-out in 14 days, 0.9 %,
    // is listed for information by design); below it, the drop-out need not be found.
    const share = hours / (days * 24);
    stated.dropout = {
      detectable: share >= THRESHOLDS.gapShareLow,
      why: `${hours} h drop-out, ${(share * 100).toFixed(2)} % of the period vs ${THRESHOLDS.gapShareLow * 100} %`,
    };
  }
  return { ...plant, scenario: parseScenario({ ...s, faults }), stated };
}

function pickMinute(rng: Rng): string {
  return ['00', '07', '15', '22', '30', '45'][rng.int(0, 5)]!;
}

/**
 * The off-production windows of a workshop (its own calendar, else the plant's; its overtime is production):
 * maximal runs of >= 2 h outside every shift, on whole hours (the generator's shifts start and end on the
 * hour; breaks lie inside shifts and are not off-production). A plain reference of the generator's own
 * calendars — it shares nothing with the platform's calendar code.
 */
export function offProductionWindows(plant: RandomPlant, workshopId: string): [number, number][] {
  const s = plant.scenario;
  const ws = s.workshops.find((w) => w.id === workshopId);
  const cal = ws?.calendar ?? s.calendar;
  const overtime = (ws?.overtime ?? []).map((o) => [Date.parse(o.from), Date.parse(o.to)] as const);
  const offsetMs = cal.utcOffsetMinutes * 60_000;
  const hourOf = (hhmm: string) => Number(hhmm.slice(0, 2)) + Number(hhmm.slice(3, 5)) / 60;
  const producing = (t: number) => {
    if (overtime.some(([a, b]) => t >= a && t < b)) return true;
    const local = t + offsetMs;
    const date = new Date(local).toISOString().slice(0, 10);
    const weekday = ((Math.floor(local / D) + 3) % 7) + 1; // 1970-01-01 was a Thursday (ISO 4)
    const workday =
      cal.extraWorkdays.includes(date) || (cal.workdays.includes(weekday) && !cal.holidays.includes(date));
    if (!workday) return false;
    const h = (local % D) / H;
    return cal.shifts.some((sh) => h >= hourOf(sh.start) && h < hourOf(sh.end));
  };
  const out: [number, number][] = [];
  let a = -1;
  const t1 = plant.startMs + plant.days * D;
  for (let t = plant.startMs; t <= t1; t += H) {
    const off = t < t1 && !producing(t);
    if (off && a < 0) a = t;
    if (!off && a >= 0) {
      if (t - a >= 2 * H) out.push([a, t]);
      a = -1;
    }
  }
  return out;
}
