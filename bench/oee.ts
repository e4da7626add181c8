/**
 * OEE + digitalisation-indicator benchmark (issue #5 §5): 60 machines × 30 days of 1-second state data.
 *
 *   npx tsx bench/oee.ts [--machines 60] [--days 30] [--repeat 5] [--json out.json]
 *
 * Data (deterministic, seeded): two shifts Mon–Sat (早班 08:00–16:30 with lunch, 中班 16:30–01:00 with a break,
 * across midnight), machines NotAvailable outside production; in production Executing with micro-stops (~1 per
 * 5 min, 20–100 s), idle spells, breakdowns (OutOfService + Maintenance) and changeovers (Setup) every 4 h; per-
 * minute good/reject increments. Two input shapes of the same timelines:
 *   dense     — a state sample every second (2.59 M per machine, 155 M in all), as a 1 Hz poller would store;
 *   onChange  — only the changes, as an OPC UA subscription (and the simulator) publishes them.
 * Timed: building timelines and the OEE loss tree per machine, per day and per shift (+ line/workshop/factory
 * aggregation), then all indicators for the factory and every workshop/line/station with the Article 13 tiers.
 * Data generation is not timed. Wall and process CPU time are both reported (the machine is shared).
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  type CalendarSegment,
  calendarSegments,
  type ShiftCalendar,
  shiftCalendarSchema,
} from '@xiang/protocol';
import { tierFramework } from '../platform/src/grading/frameworks/index.js';
import { buildContext, computeIndicators } from '../platform/src/grading/indicators/index.js';
import type { SeriesActivity } from '../platform/src/grading/indicators/types.js';
import {
  aggregateMachines,
  compileMapping,
  computeMachineOee,
  defaultMappings,
  type MachineOeeInput,
  type MachineOeeResult,
  oeeConfigSchema,
  prepareCalendar,
} from '../platform/src/oee/index.js';
import type { RegistryDevice, RegistryMetric, RegistrySnapshot } from '../platform/src/registry/model.js';

const DAY_MS = 86_400_000;
const T0 = Date.parse('2024-03-04T00:00:00+08:00'); // a Monday, local midnight
const IDEAL_CYCLE_S = 30;

export type OeeBenchOptions = { machines: number; days: number; repeat: number };
export type OeeBenchRow = { name: string; value: number; unit: string; note?: string };

const calendar: ShiftCalendar = shiftCalendarSchema.parse({
  workdays: [1, 2, 3, 4, 5, 6],
  shifts: [
    { name: '早班', start: '08:00', end: '16:30', breaks: [{ start: '12:00', end: '12:30' }] },
    { name: '中班', start: '16:30', end: '01:00', breaks: [{ start: '20:30', end: '21:00' }] },
  ],
});

/** mulberry32: small, fast, deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Change = { s: number; state: number; mode: number }; // s = seconds since T0

/** The state changes of one machine, second resolution (what an on-change source publishes). */
function machineChanges(seed: number, segments: CalendarSegment[]): Change[] {
  const r = rng(seed);
  const out: Change[] = [];
  const emit = (s: number, state: number, mode: number) => {
    const last = out[out.length - 1];
    if (last && last.state === state && last.mode === mode) return;
    if (last && last.s === s) out.pop();
    out.push({ s, state, mode });
  };
  let sinceSetup = 0;
  for (const seg of segments) {
    const a = Math.round((seg.startMs - T0) / 1000);
    const b = Math.round((seg.endMs - T0) / 1000);
    if (seg.kind !== 'production') {
      emit(a, 0, 3);
      continue;
    }
    let t = a;
    for (let guard = 0; t < b && guard < 100_000; guard++) {
      const runFor = Math.max(1, Math.round(-Math.log(1 - r()) * 300)); // micro-stop every ~5 min
      emit(t, 3, 3);
      t += runFor;
      sinceSetup += runFor;
      if (t >= b) break;
      const x = r();
      if (sinceSetup > 4 * 3600) {
        emit(t, 2, 2); // changeover
        t += 20 * 60;
        sinceSetup = 0;
      } else if (x < 0.004) {
        emit(t, 1, 1); // breakdown
        t += Math.round(900 + r() * 2700);
      } else if (x < 0.05) {
        emit(t, 2, 3); // idle spell (starved / blocked)
        t += Math.round(180 + r() * 420);
      } else {
        emit(t, 2, 3); // micro-stop
        t += Math.round(20 + r() * 80);
      }
    }
  }
  return out;
}

function denseSamples(changes: Change[], seconds: number) {
  const tsMs = new Float64Array(seconds);
  for (let i = 0; i < seconds; i++) tsMs[i] = T0 + i * 1000;
  const state = new Uint8Array(seconds);
  const mode = new Uint8Array(seconds);
  for (let k = 0; k < changes.length; k++) {
    const c = changes[k] as Change;
    const end = Math.min(seconds, (changes[k + 1]?.s ?? seconds) as number);
    state.fill(c.state, c.s, end);
    mode.fill(c.mode, c.s, end);
  }
  return { tsMs, state, mode };
}

function onChangeSamples(changes: Change[]) {
  return {
    tsMs: Float64Array.from(changes.map((c) => T0 + c.s * 1000)),
    state: Uint8Array.from(changes.map((c) => c.state)),
    mode: Uint8Array.from(changes.map((c) => c.mode)),
  };
}

/** Per-minute good/reject increments from the state in force at each minute (2 pieces per running minute). */
function minuteCounts(changes: Change[], minutes: number, seed: number) {
  const r = rng(seed);
  const startMs = new Float64Array(minutes);
  const endMs = new Float64Array(minutes);
  const good = new Float64Array(minutes);
  const reject = new Float64Array(minutes);
  let k = 0;
  for (let m = 0; m < minutes; m++) {
    while (k + 1 < changes.length && (changes[k + 1] as Change).s <= m * 60) k++;
    startMs[m] = T0 + m * 60_000;
    endMs[m] = T0 + (m + 1) * 60_000;
    if ((changes[k] as Change).state === 3 && (changes[k] as Change).mode === 3) {
      const bad = r() < 0.02 ? 1 : 0;
      good[m] = 2 - bad;
      reject[m] = bad;
    }
  }
  return { startMs, endMs, good, reject };
}

function plant(machines: number): RegistrySnapshot {
  const devices: RegistryDevice[] = [];
  const metrics: RegistryMetric[] = [];
  const assets: RegistrySnapshot['assets'] = [];
  let i = 0;
  const dev = (id: string, kind: RegistryDevice['kind'], assetPath: string): RegistryDevice => ({
    factoryId: 'bench',
    id,
    agentId: 'edge',
    kind,
    assetPath,
    production: true,
    online: true,
    firstSeenMs: T0 - DAY_MS,
    lastSeenMs: null,
  });
  const metric = (
    deviceId: string,
    key: string,
    quantity: RegistryMetric['quantity'],
    samplingIntervalMs: number,
  ): RegistryMetric => ({
    factoryId: 'bench',
    agentId: 'edge',
    i: i++,
    deviceId,
    key,
    quantity,
    kind: 'gauge',
    datatype: 'double',
    unit: '',
    samplingIntervalMs,
  });
  for (let w = 1; w <= 3; w++) {
    assets.push({ factoryId: 'bench', path: `WS${w}`, level: 'workshop' });
    devices.push(dev(`FEED${w}`, 'meter', `WS${w}`));
  }
  for (let m = 0; m < machines; m++) {
    const ws = (m % 3) + 1;
    const line = `WS${ws}/L${(Math.floor(m / 3) % 3) + 1}`;
    if (!assets.some((a) => a.path === line)) assets.push({ factoryId: 'bench', path: line, level: 'line' });
    const station = `${line}/ST${m}`;
    assets.push({ factoryId: 'bench', path: station, level: 'station' });
    devices.push(dev(`M${m}`, 'machine', station));
    for (const [key, q] of [
      ['state', 'machineState'],
      ['operationMode', 'operationMode'],
      ['goodCount', 'goodCount'],
      ['rejectCount', 'rejectCount'],
      ['idealCycleTime', 'idealCycleTime'],
      ['currentProduct', 'currentProduct'],
    ] as const)
      metrics.push(metric(`M${m}`, key, q, 0));
    if (m % 2 === 0) {
      devices.push(dev(`E${m}`, 'meter', station));
      for (const key of [
        'activePower',
        'energyImport',
        'reactivePower',
        'powerFactor',
        'voltage.L1',
        'current.L1',
        'demand15',
        'frequency',
      ])
        metrics.push(metric(`E${m}`, key, 'activePower', 60_000));
    }
  }
  return {
    factory: {
      id: 'bench',
      name: '基准工厂',
      industry: 'discrete',
      province: '湖南',
      products: [],
      calendar,
      powerFactorStandard: 0.9,
      transformers: [],
    },
    assets,
    devices,
    metrics,
    lines: [],
    onlineHistory: [
      { factoryId: 'bench', deviceId: 'M7', atMs: T0 + 3 * DAY_MS, online: false, reason: 'will' },
      { factoryId: 'bench', deviceId: 'M7', atMs: T0 + 4 * DAY_MS, online: true, reason: 'birth' },
    ],
  };
}

function seriesFor(snapshot: RegistrySnapshot, toMs: number, days: number): SeriesActivity[] {
  return snapshot.metrics.map((m, k) => {
    const periodic = (m.samplingIntervalMs ?? 0) > 0;
    const expected = periodic ? (days * DAY_MS) / (m.samplingIntervalMs as number) : null;
    return {
      deviceId: m.deviceId,
      metric: m.key,
      present: periodic ? Math.floor((expected as number) * (k % 7 === 0 ? 0.9 : 1)) : 5000,
      good: periodic ? Math.floor((expected as number) * (k % 7 === 0 ? 0.9 : 1)) : 5000,
      goodInForce: [{ startMs: toMs - days * DAY_MS, endMs: toMs }],
      expected,
      expectedPeriodMs: periodic ? (m.samplingIntervalMs as number) : null,
      lastTsMs: toMs - 30_000,
    };
  });
}

// Collect the generator's garbage before each timed section, so its cost is not charged to the code under test.
const gc: () => void =
  (globalThis as { gc?: () => void }).gc ??
  (() => {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  })();

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export async function benchOee(o: OeeBenchOptions): Promise<OeeBenchRow[]> {
  const fromMs = T0;
  const toMs = T0 + o.days * DAY_MS;
  const seconds = o.days * 86_400;
  const snapshot = plant(o.machines);
  const machines = snapshot.devices.filter((d) => d.kind === 'machine');
  const segments = calendarSegments(calendar, fromMs, toMs);
  const changes = machines.map((_, k) => machineChanges(1000 + k, segments));
  const mapping = compileMapping(defaultMappings.opc40001);
  const config = oeeConfigSchema.parse({});
  const counts = machines.map((_, k) => minuteCounts(changes[k] as Change[], o.days * 1440, 7 + k));
  const input = (k: number, states: MachineOeeInput['states']): MachineOeeInput => ({
    deviceId: (machines[k] as RegistryDevice).id,
    assetPath: (machines[k] as RegistryDevice).assetPath,
    mapping,
    states,
    counts: counts[k] as MachineOeeInput['counts'],
    defaultIdealCycleS: IDEAL_CYCLE_S,
  });
  const rows: OeeBenchRow[] = [];
  const runIndicators = (results: MachineOeeResult[]) => {
    const ctx = prepareCalendar(calendar, fromMs, toMs);
    const agg = aggregateMachines(snapshot, results, ctx, config);
    const ictx = buildContext({
      snapshot,
      fromMs,
      toMs,
      nowMs: toMs,
      series: seriesFor(snapshot, toMs, o.days),
      oee: { ...agg, machines: results },
    });
    const factory = computeIndicators(ictx);
    const tiers = tierFramework().classify({
      snapshot,
      indicatorsFor: (scope) => computeIndicators(ictx, scope),
      frameworkLevels: { 'cmmm-2020': 2 },
    });
    return { agg, factory, tiers };
  };

  const timed = (inputs: MachineOeeInput[]) => {
    const wall: number[] = [];
    const cpu: number[] = [];
    let out: ReturnType<typeof runIndicators> | null = null;
    let oeeWall = 0;
    for (let r = 0; r < o.repeat; r++) {
      gc();
      const w0 = performance.now();
      const c0 = cpuMs();
      const ctx = prepareCalendar(calendar, fromMs, toMs);
      const results = inputs.map((m) => computeMachineOee(m, ctx, config));
      const w1 = performance.now();
      out = runIndicators(results);
      wall.push(performance.now() - w0);
      cpu.push(cpuMs() - c0);
      if (r === 0) oeeWall = w1 - w0;
    }
    return { wall: median(wall), cpu: median(cpu), oeeWall, out: out as ReturnType<typeof runIndicators> };
  };

  // onChange: only the state changes, as an OPC UA subscription delivers them.
  const onChange = changes.map((c, k) => input(k, onChangeSamples(c)));
  const a = timed(onChange);
  rows.push({
    name: 'onChange: samples',
    value: onChange.reduce((s, m) => s + m.states.tsMs.length, 0),
    unit: 'samples',
  });
  rows.push({
    name: 'onChange: OEE + indicators + tiers (median)',
    value: a.wall,
    unit: 'ms',
    note: `cpu ${a.cpu.toFixed(0)} ms`,
  });

  // dense: a sample every second for every machine, all held in memory (1.56 GB at 60 × 30 d), as loaded.
  const g0 = performance.now();
  const dense = changes.map((c, k) => input(k, denseSamples(c, seconds)));
  const genMs = performance.now() - g0;
  const b = timed(dense);
  if (Math.abs((b.out.agg.factory.period.oee ?? 0) - (a.out.agg.factory.period.oee ?? -1)) > 1e-9)
    throw new Error('dense and on-change inputs disagree on the factory OEE');
  rows.push({
    name: 'dense: samples',
    value: seconds * machines.length,
    unit: 'samples',
    note: `generated in ${genMs.toFixed(0)} ms (untimed)`,
  });
  rows.push({ name: 'dense: timelines + OEE per machine/day/shift (1st run)', value: b.oeeWall, unit: 'ms' });
  rows.push({
    name: 'dense: OEE + indicators + tiers (median, target < 1000)',
    value: b.wall,
    unit: 'ms',
    note: `cpu ${b.cpu.toFixed(0)} ms`,
  });
  const check = a.out.agg.factory.period.oee ?? -1;
  const denseOut = b.out;
  rows.push({ name: 'factory OEE (both inputs)', value: Math.round(check * 10_000) / 10_000, unit: '1' });
  rows.push({
    name: 'assets classified',
    value: denseOut.tiers.length,
    unit: 'assets',
    note: `${denseOut.factory.length} indicators each`,
  });
  return rows;
}

export function printTable(rows: OeeBenchRow[]): void {
  for (const r of rows)
    console.log(
      `${r.name.padEnd(58)} ${(Number.isInteger(r.value) ? String(r.value) : r.value.toFixed(r.unit === '1' ? 4 : 1)).padStart(12)} ${r.unit.padEnd(8)} ${r.note ?? ''}`,
    );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      machines: { type: 'string', default: '60' },
      days: { type: 'string', default: '30' },
      repeat: { type: 'string', default: '5' },
      json: { type: 'string' },
    },
  });
  const opts = {
    machines: Number(values.machines),
    days: Number(values.days),
    repeat: Number(values.repeat),
  };
  if (!(opts.machines > 0 && opts.days > 0 && opts.repeat > 0))
    throw new Error('--machines, --days and --repeat must be positive');
  const rows = await benchOee(opts);
  console.log(`OEE benchmark: ${opts.machines} machines × ${opts.days} days, node ${process.version}`);
  printTable(rows);
  // The section bench/run.ts copies into BENCHMARKS.md.
  const md = [
    '<!-- BENCH-RESULT -->',
    '## oee — OEE, indicators and Article 13 tiers (issue #5)',
    '',
    `\`npx tsx bench/oee.ts --machines ${opts.machines} --days ${opts.days} --repeat ${opts.repeat}\` — two shifts Mon–Sat (one across midnight), micro-stops, idle spells, breakdowns, changeovers; per-minute counts. Target: 60 machines × 30 days of 1-second state data in under 1 s.`,
    '',
    '| measure | value | note |',
    '|---|---:|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${Number.isInteger(r.value) ? r.value : r.value.toFixed(r.unit === '1' ? 4 : 1)} ${r.unit} | ${r.note ?? ''} |`,
    ),
    '<!-- /BENCH-RESULT -->',
  ];
  console.log(md.join('\n'));
  if (values.json) await writeFile(values.json, `${JSON.stringify(rows, null, 2)}\n`);
}
