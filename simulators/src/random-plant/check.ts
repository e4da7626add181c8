import type { FaultTruth } from '../ground-truth.js';
import type { Scenario } from '../scenario/schema.js';
import type { Stated } from './faults.js';

/**
 * Judges a diagnosis of a random plant against the simulator's ground truth — without importing anything
 * of the platform: the result is read as plain JSON (finding ids, severities, named figures, savings).
 * Per injected fault: the finding that must report it, the magnitude on both sides, whether it lies above
 * its stated detection threshold (then found within ±10 % is required). Every finding above "info" must be
 * explained by a fault (or be a stated consequence of one). The report's total annual energy saving is
 * compared with the truth's sum.
 */
export type ResultLike = {
  period: { fromMs: number; toMs: number };
  findings: {
    id: string;
    severity: string;
    evidence: { figures: { key: string; value: number | null }[] };
    saving?: { energyKwh: number } | undefined;
  }[];
  totals: { saving: { energyKwh: number } };
};

export type FaultCheck = {
  fault: string;
  type: string;
  finding: string;
  what: string;
  detectable: boolean;
  why: string;
  found: number | null;
  truth: number;
  /** Relative error (found − truth) / truth; null when not found. */
  error: number | null;
  ok: boolean;
};

export type PlantCheck = {
  faults: FaultCheck[];
  falsePositives: string[];
  /** truth: Σ annual kWh of the energy faults above threshold; truthAll: of all of them. */
  savingKwh: { report: number; truth: number; truthAll: number; error: number | null; ok: boolean };
};

const TOL = 0.1;
const SAVING_TOL = 0.15;
const MIN_SHAVE_SHARE = 0.05 * 1.2;

export function checkPlant(
  r: ResultLike,
  truths: FaultTruth[],
  scenario: Scenario,
  stated: Record<string, Stated>,
): PlantCheck {
  const fig = (id: string, key: string) =>
    r.findings.find((f) => f.id === id)?.evidence.figures.find((x) => x.key === key)?.value ?? null;
  const has = (id: string) => r.findings.some((f) => f.id === id && f.severity !== 'info');
  const periodH = (r.period.toMs - r.period.fromMs) / 3_600_000;
  const meters = new Map(scenario.meters.map((m) => [m.id, m]));
  const meterOf = (machine: string) =>
    scenario.meters.find((m) => m.medium === 'electricity' && m.loads.includes(machine))?.id ?? machine;
  const ancestors = (id: string) => {
    const out: string[] = [];
    for (let cur = meters.get(id)?.parent, n = 0; cur && n < 50; n++, cur = meters.get(cur)?.parent)
      out.push(cur);
    return out;
  };
  const root = scenario.meters.find((m) => m.role === 'mainIncomer')?.id ?? 'M-MAIN';
  const out: FaultCheck[] = [];
  const explained = new Set<string>();
  let truthKwh = 0;
  let detectableKwh = 0;
  const addKwh = (t: FaultTruth) => {
    const kwh = (Number(t.truth.wastedKwh) * 8760) / periodH;
    truthKwh += kwh;
    if (out[out.length - 1]?.detectable) detectableKwh += kwh;
  };
  const push = (
    t: FaultTruth,
    finding: string,
    what: string,
    found: number | null,
    truthKey: string,
    detectable: boolean,
  ) => {
    const truth = Number(t.truth[truthKey]);
    const error = found === null || !(truth !== 0) ? null : (found - truth) / truth;
    const s = stated[t.id] ?? { detectable: true, why: '' };
    const must = s.detectable && detectable;
    out.push({
      fault: t.id,
      type: t.type,
      finding,
      what,
      detectable: must,
      why: s.why,
      found,
      truth,
      error,
      ok: !must || (finding.split('+').some(has) && error !== null && Math.abs(error) <= TOL),
    });
  };
  for (const t of truths) {
    const f = t.declared;
    switch (f.type) {
      case 'offShiftBaseLoad': {
        const leak = f.cause === 'compressedAirLeak';
        const id = leak ? `compressedAirLeak:${meterOf(f.target)}` : `offShiftBaseLoad:${f.target}`;
        explained.add(id);
        push(
          t,
          id,
          leak ? 'leak kW' : 'excess kW',
          fig(id, leak ? 'leakKw' : 'excessKw'),
          'meanExtraKwNonProduction',
          Number(t.truth.nonProductionHours) > 8,
        );
        addKwh(t);
        break;
      }
      case 'idleThroughBreaks': {
        const ids = f.machines.map((m) => `machineIdle:${m}`);
        for (const id of ids) explained.add(id);
        const hours = ids.map((id) => fig(id, 'idleHours'));
        const sum = hours.some((x) => x === null)
          ? null
          : hours.reduce<number>((a, b) => a + (b as number), 0);
        push(
          t,
          ids.join('+'),
          'idle machine-hours',
          sum,
          'idleMachineHours',
          Number(t.truth.idleMachineHours) >= 1,
        );
        addKwh(t);
        break;
      }
      case 'lowPowerFactor': {
        const id = `powerFactor:${f.meter}`;
        explained.add(id);
        for (const a of ancestors(f.meter)) explained.add(`powerFactor:${a}`);
        push(t, id, 'power factor', fig(id, 'powerFactor'), 'powerFactor', true);
        break;
      }
      case 'harmonicDistortion': {
        const id = `voltageThd:${f.meter}`;
        explained.add(id);
        const limit = (meters.get(f.meter)?.nominalVoltageKv ?? 0.4) >= 6 ? 4 : 5;
        push(
          t,
          id,
          'THD 95 % (10-min)',
          fig(id, 'p95'),
          'p95TenMinThdPct',
          Number(t.truth.p95TenMinThdPct) > limit * 1.05,
        );
        break;
      }
      case 'phaseUnbalance': {
        const id = `voltageUnbalance:${f.meter}`;
        explained.add(id);
        push(
          t,
          id,
          'unbalance 95 % (10-min)',
          fig(id, 'p95'),
          'p95TenMinUnbalancePct',
          Number(t.truth.p95TenMinUnbalancePct) > 2 * 1.05,
        );
        break;
      }
      case 'demandSpikes': {
        const id = `maxDemand:${root}`;
        explained.add(id);
        const shave = Number(t.truth.shaveKw);
        push(
          t,
          id,
          'shaveable kW',
          fig(id, 'shaveKw'),
          'shaveKw',
          shave >= MIN_SHAVE_SHARE * Number(t.truth.maxDemandKw),
        );
        break;
      }
      case 'meterDropout': {
        const id = `meteringData:${f.device}`;
        explained.add(id);
        push(t, id, 'missing h', fig(id, 'gapHours'), 'missingHours', true);
        break;
      }
      default:
        break;
    }
  }
  // Consequences of energy faults on aggregate views: the plant drifting above its baseline, a line's energy
  // per unit rising.
  const energyFault = truths.some((t) =>
    ['offShiftBaseLoad', 'idleThroughBreaks', 'demandSpikes'].includes(t.type),
  );
  const falsePositives = r.findings
    .filter((f) => f.severity !== 'info' && !explained.has(f.id))
    .filter((f) => !(energyFault && (f.id === 'energyBaseline:drift' || f.id.startsWith('unitConsumption:'))))
    .map((f) => `${f.severity} ${f.id}`);
  // The report must hold at least the savings of the faults above threshold and at most all of them
  // (a fault below threshold may or may not be reported), each side within ±15 %.
  const report = r.totals.saving.energyKwh;
  const ref = report < detectableKwh ? detectableKwh : Math.min(report, truthKwh);
  const error = ref > 0 ? (report - ref) / ref : null;
  return {
    faults: out,
    falsePositives,
    savingKwh: {
      report,
      truth: detectableKwh,
      truthAll: truthKwh,
      error,
      ok: ref > 0 ? Math.abs(error!) <= SAVING_TOL : report === 0,
    },
  };
}
