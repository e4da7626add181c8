import {
  type Fault,
  type FaultTruth,
  parseScenario,
  type Scenario,
  type ScenarioRegistrySettings,
  scenarioRegistrySettings,
} from '@xiang/simulators';
import type { DiagnosisResult } from '../../platform/src/energy/result.js';
import type { RunningPlatform } from '../../platform/src/main.js';
import { factoryProfileSchema, lineSettingsSchema } from '../../platform/src/registry/model.js';

/**
 * The ground-truth plant of the energy-diagnosis suite: the tiny scenario (one shift on weekdays, CNC line,
 * washer, one air compressor with its flow meter, a water meter on MQTT) plus an office feeder and a workshop
 * lighting sub-meter, with one injected fault of every energy type the simulator knows. The clean twin is the
 * same plant with no faults. Each fault names the finding that must report it and how its magnitude is read
 * from the finding and from the simulator's truth (`GroundTruth.faults()`).
 */
export const PLANT_DAYS = 14;
const at = (d: string, hhmm = '00:00') => `${d}T${hhmm}:00+08:00`;

export function diagnosisPlant(tiny: Scenario): Scenario {
  const meters = [
    ...tiny.meters,
    {
      id: 'M-OFFICE',
      name: '办公楼馈线',
      nameEn: 'Office feeder',
      role: 'feeder' as const,
      parent: 'M-MAIN',
      assetPath: '',
      baseLoad: { productionKw: 20, offShiftKw: 2 },
      // Registered standby (what the office draws when it is closed): the off-shift rule's reference.
      equipment: { class: 'building', operatingProfile: 'scheduled', standbyPowerKw: 2 },
    },
    {
      id: 'M-LIGHT',
      name: '车间照明',
      nameEn: 'Workshop lighting',
      role: 'submeter' as const,
      parent: 'M-WS1',
      assetPath: 'WS1',
      baseLoad: { productionKw: 6, offShiftKw: 0.6 },
      equipment: { class: 'lighting', operatingProfile: 'scheduled', standbyPowerKw: 0.6 },
    },
  ];
  const faults: Fault[] = [
    ...tiny.faults, // leak-ac01 (6.8 kW compressed-air leak off shift), thd-sensor-bad (M-AC01 voltageThd Bad)
    {
      id: 'office-hvac-night',
      type: 'offShiftBaseLoad',
      description: '办公楼空调夜间及周末未关 8 kW / office HVAC left on outside working hours, 8 kW',
      target: 'M-OFFICE',
      kw: 8,
      cause: 'hvac',
      alsoDuringProduction: false,
    },
    {
      id: 'cnc-idle-breaks',
      type: 'idleThroughBreaks',
      description: '数控车床休息及下班后1小时内空转 / CNC lathes idle through breaks and 1 h after the shift',
      machines: ['CNC01', 'CNC02'],
      during: ['break', 'offShift'],
      afterShiftMinutes: 60,
    },
    {
      id: 'ws1-low-pf',
      type: 'lowPowerFactor',
      description: '机加车间馈线功率因数 0.78 / machining feeder power factor 0.78',
      meter: 'M-WS1',
      powerFactor: 0.78,
    },
    {
      id: 'ws1-thd',
      type: 'harmonicDistortion',
      description: '机加车间变频器谐波 THD 6.5% / machining feeder voltage THD 6.5 %',
      meter: 'M-WS1',
      thdPct: 6.5,
    },
    {
      id: 'light-unbalance',
      type: 'phaseUnbalance',
      description: '照明单相负荷不平衡 3.2% / lighting single-phase loads, unbalance 3.2 %',
      meter: 'M-LIGHT',
      unbalancePct: 3.2,
    },
    {
      id: 'ws1-spikes',
      type: 'demandSpikes',
      description:
        '试切满载需量尖峰 100 kW×30 min（周二、周四） / full-load trial cuts, 100 kW for 30 min, Tue/Thu',
      meter: 'M-WS1',
      kw: 100,
      minutes: 30,
      at: ['09:00', '14:30'],
      weekdays: [2, 4],
    },
    {
      id: 'water-freeze',
      type: 'meterFreeze',
      description: '清洗用水表自3月12日起读数冻结 / washer water meter frozen from 12 March',
      meter: 'M-WATER',
      from: at('2025-03-12'),
    },
    {
      id: 'light-dropout',
      type: 'meterDropout',
      description: '照明电表通讯中断 4 小时 / lighting meter offline for 4 h',
      device: 'M-LIGHT',
      from: at('2025-03-06', '10:00'),
      to: at('2025-03-06', '14:00'),
    },
  ];
  return parseScenario({ ...tiny, meters, faults });
}

/** The same plant, no faults: the diagnosis must find nothing above "info". */
export function cleanTwin(s: Scenario, factoryId: string): Scenario {
  return parseScenario({ ...s, factory: { ...s.factory, id: factoryId }, faults: [] });
}

type Figures = Record<string, number | null>;
export const figuresOf = (r: DiagnosisResult, findingId: string): Figures | null => {
  const f = r.findings.find((x) => x.id === findingId);
  return f ? Object.fromEntries(f.evidence.figures.map((g) => [g.key, g.value])) : null;
};

/** One magnitude to compare: what the diagnosis says next to what the simulator did. */
export type Check = { fault: string; findings: string[]; what: string; found: number | null; truth: number };

const num = (t: FaultTruth, k: string): number => Number(t.truth[k]);
const sum = (xs: (number | null | undefined)[]) =>
  xs.some((x) => x === null || x === undefined) ? null : xs.reduce<number>((a, b) => a + (b as number), 0);

/** Fault types that are not about energy (OEE's micro-stops): not the diagnosis' to find. */
export const NOT_ENERGY = new Set<Fault['type']>(['microStops']);

/**
 * Which finding reports each injected energy fault and how its magnitude reads on both sides, derived from
 * the fault's declaration: the rule's finding id is `<rule>:<meter>` and its evidence figures are named.
 * A Bad-quality fault on a metric the backfill did not send ('energy' preset) cannot be seen: it is left
 * out when `sent` says so.
 */
export function checksFor(
  r: DiagnosisResult,
  truths: FaultTruth[],
  scenario: Scenario,
  sent: (deviceId: string, metric: string) => boolean = () => true,
): Check[] {
  const fig = (finding: string, key: string) => figuresOf(r, finding)?.[key] ?? null;
  const meterOfMachine = (id: string) => scenario.meters.find((m) => m.loads.includes(id))?.id ?? id;
  const main = scenario.meters.find((m) => m.role === 'mainIncomer')?.id ?? 'M-MAIN';
  const hours = (r.period.toMs - r.period.fromMs) / 3_600_000;
  const out: Check[] = [];
  const add = (
    t: FaultTruth,
    finding: string | string[],
    what: string,
    found: number | null,
    truthKey: string,
  ) => out.push({ fault: t.id, findings: [finding].flat(), what, found, truth: num(t, truthKey) });
  for (const t of truths) {
    const f = t.declared;
    switch (f.type) {
      case 'offShiftBaseLoad': {
        const isMeter = scenario.meters.some((m) => m.id === f.target);
        if (f.cause === 'compressedAirLeak') {
          const id = `compressedAirLeak:${meterOfMachine(f.target)}`;
          add(t, id, 'leak kW', fig(id, 'leakKw'), 'meanExtraKwNonProduction');
        } else {
          const id = `offShiftBaseLoad:${isMeter ? f.target : meterOfMachine(f.target)}`;
          add(t, id, 'excess kW', fig(id, 'excessKw'), 'meanExtraKwNonProduction');
        }
        break;
      }
      case 'idleThroughBreaks': {
        const ids = f.machines.map((m) => `machineIdle:${m}`);
        const figs = ids.map((id) => figuresOf(r, id));
        add(t, ids, 'idle machine-hours', sum(figs.map((x) => x?.idleHours)), 'idleMachineHours');
        add(t, ids, 'idle kWh', sum(figs.map((x) => x?.wasteKwh)), 'wastedKwh');
        break;
      }
      case 'lowPowerFactor':
        add(
          t,
          `powerFactor:${f.meter}`,
          'power factor',
          fig(`powerFactor:${f.meter}`, 'powerFactor'),
          'powerFactor',
        );
        break;
      case 'harmonicDistortion':
        // The truth's own statistic: the 95 % value of the 10-min means of what the meter published.
        add(
          t,
          `voltageThd:${f.meter}`,
          'THD % (p95)',
          fig(`voltageThd:${f.meter}`, 'p95'),
          'p95TenMinThdPct',
        );
        break;
      case 'phaseUnbalance': {
        const id = `voltageUnbalance:${f.meter}`;
        add(t, id, 'unbalance % (p95)', fig(id, 'p95'), 'p95TenMinUnbalancePct');
        break;
      }
      case 'demandSpikes':
        // What removing the spikes takes off the sliding 15-min maximum, computed from the generated load.
        add(t, `maxDemand:${main}`, 'shaveable kW', fig(`maxDemand:${main}`, 'shaveKw'), 'shaveKw');
        break;
      case 'meterFreeze': {
        const id = `meteringData:${f.meter}`;
        add(t, id, 'frozen h', fig(id, 'frozenHours'), 'frozenHours');
        add(t, id, 'unrecorded (meter unit)', fig(id, 'frozenMissed'), 'unrecordedConsumption');
        break;
      }
      case 'meterDropout': {
        const id = `meteringData:${f.device}`;
        add(t, id, 'missing h', fig(id, 'gapHours'), 'missingHours');
        break;
      }
      case 'badQuality': {
        if (!sent(f.device, f.metric)) break;
        const id = `meteringData:${f.device}`;
        const text = r.findings.find((x) => x.id === id)?.what.en ?? '';
        const esc = f.metric.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        const share = new RegExp(`${esc}: ([\\d.]+) % without a good value`).exec(text);
        add(t, id, 'Bad hours', share ? (Number(share[1]) / 100) * hours : null, 'badHours');
        break;
      }
      case 'microStops':
        break;
    }
  }
  return out;
}

/**
 * Findings above "info" that the injected faults explain beyond their own finding: the feeder's low power
 * factor also pulls the billing point's monthly power factor under 0.90 (215号 adjustment at M-MAIN).
 */
export const CONSEQUENCES: Record<string, string> = { 'powerFactor:M-MAIN': 'ws1-low-pf' };

/** What a person enters for the plant (like scripts/start.ts): profile, calendar, lines; devices after birth. */
export function applyRegistrySettings(
  p: RunningPlatform,
  s: ScenarioRegistrySettings,
  factoryId: string,
  what: 'profile' | 'devices',
): void {
  if (what === 'profile') {
    p.registry.putFactory(factoryProfileSchema.parse({ ...s.profile, id: factoryId }));
    for (const l of s.lines) p.registry.putLine(lineSettingsSchema.parse({ ...l, factoryId }));
  } else for (const d of s.devices) p.registry.patchDevice(factoryId, d.id, d.patch);
}
export { scenarioRegistrySettings };

/** A markdown table: each check, found vs truth and the relative error. */
export function checksTable(label: string, checks: Check[]): string {
  const rows = checks.map((x) => {
    const err = x.found === null ? 'missing' : `${(((x.found - x.truth) / x.truth) * 100).toFixed(1)} %`;
    const f = x.found === null ? '—' : String(Math.round(x.found * 1000) / 1000);
    return `| ${x.fault} | ${x.findings.join(', ')} | ${x.what} | ${f} | ${Math.round(x.truth * 1000) / 1000} | ${err} |`;
  });
  return [
    `${label}`,
    '| injected fault | finding | magnitude | diagnosis | ground truth | error |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
