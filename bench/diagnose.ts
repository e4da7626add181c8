/**
 * Energy-diagnosis benchmark (issue #4 §5), pure part: diagnose() + the HTML report on one year of
 * 15-minute data for 200 meters (≈ 7 M consumption values), with reactive energy and power quality on the
 * incomer and feeders, 60 machines with state changes, and 8 production lines.
 *
 *   npx tsx bench/diagnose.ts [--meters 200] [--days 365] [--repeat 3] [--json out.json]
 *
 * Data (deterministic, seeded): main incomer → 10 feeders → equipment meters; two shifts Mon–Fri; one
 * compressor with an off-shift leak; machines with their own meters idling through some lunch breaks.
 * `syntheticPlant()` is exported so the store benchmark can write the same plant into a store and time the
 * adapter (query/energy-inputs.ts) on top. Generation is not timed; wall and process CPU time are reported.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { type ShiftCalendar, shiftCalendarSchema } from '@xiang/protocol';
import { diagnose } from '../platform/src/energy/diagnose.js';
import { renderReport } from '../platform/src/energy/report/html.js';
import type { DiagnosisInput, MachineSeries, MeterSeries } from '../platform/src/energy/types.js';
import { factoryProfileSchema, type RegistryDevice } from '../platform/src/registry/model.js';

const SLOT = 900_000;
const T0 = Date.parse('2025-01-01T00:00:00+08:00');

export type DiagnoseBenchOptions = { meters: number; days: number; repeat: number };
export type BenchRow = { name: string; value: number; unit: string; note?: string };

const calendar: ShiftCalendar = shiftCalendarSchema.parse({
  workdays: [1, 2, 3, 4, 5],
  shifts: [
    { name: '早班', start: '08:00', end: '16:00', breaks: [{ start: '12:00', end: '12:30' }] },
    { name: '中班', start: '16:00', end: '24:00', breaks: [{ start: '20:00', end: '20:30' }] },
  ],
});

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

const dev = (id: string, kind: RegistryDevice['kind'], extra: Partial<RegistryDevice>): RegistryDevice => ({
  factoryId: 'BENCH',
  id,
  agentId: 'edge1',
  kind,
  assetPath: '',
  production: kind === 'machine',
  online: true,
  firstSeenMs: T0,
  lastSeenMs: null,
  ...extra,
});

/** The synthetic plant as a DiagnosisInput (series already on the quarter-hour grid). */
export function syntheticPlant(o: { meters: number; days: number }): DiagnosisInput {
  const n = o.days * 96;
  const rand = rng(42);
  const local = (i: number) => {
    const ms = T0 + i * SLOT + 8 * 3_600_000;
    const day = Math.floor(ms / 86_400_000);
    const minute = Math.floor((ms - day * 86_400_000) / 60_000);
    return { weekday: ((((day + 3) % 7) + 7) % 7) + 1, minute };
  };
  // Slot kind from the calendar: 0 production, 1 break, 2 off.
  const kind = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const { weekday, minute } = local(i);
    kind[i] =
      weekday > 5
        ? 2
        : minute >= 480
          ? minute === 720 || minute === 735 || minute === 1200 || minute === 1215
            ? 1
            : 0
          : 2;
  }
  const feeders = Math.min(10, Math.max(1, Math.floor(o.meters / 20)));
  const equipment = o.meters - 1 - feeders;
  const devices: RegistryDevice[] = [
    dev('M-MAIN', 'meter', { medium: 'electricity', meterRole: 'mainIncomer', name: '总进线' }),
  ];
  const meters: MeterSeries[] = [];
  const machines: MachineSeries[] = [];
  const feederKwh = Array.from({ length: feeders }, () => new Float64Array(n));
  for (let e = 0; e < equipment; e++) {
    const f = e % feeders;
    const id = `M-EQ${String(e).padStart(3, '0')}`;
    const path = `WS${f + 1}/L${(e % 8) + 1}/ST${e}`;
    const isCompressor = e === 0;
    const runKw = 5 + rand() * 45;
    const standbyKw = runKw * 0.04;
    const hasMachine = e < 60;
    devices.push(
      dev(id, 'meter', {
        medium: 'electricity',
        meterRole: 'equipment',
        parentMeter: `M-F${f}`,
        assetPath: path,
        name: isCompressor ? '空压机电表' : `设备表${e}`,
        ratedPowerKw: Math.ceil(runKw * 1.3),
      }),
    );
    const v = new Float64Array(n);
    const idleLunch = hasMachine && e % 7 === 0;
    for (let i = 0; i < n; i++) {
      const k = kind[i]!;
      let kw =
        k === 0
          ? runKw * (0.85 + 0.3 * rand())
          : k === 1
            ? idleLunch
              ? runKw * 0.35
              : standbyKw
            : standbyKw;
      if (isCompressor && k !== 0) kw += 6.8; // leak
      v[i] = kw * 0.25;
      feederKwh[f]![i] = feederKwh[f]![i]! + v[i]!;
    }
    meters.push({
      deviceId: id,
      medium: 'electricity',
      unit: 'kWh',
      consumption: { startMs: T0, intervalMs: SLOT, values: v },
      consumptionSource: 'counter',
      counterResets: 0,
      counterRollovers: 0,
    });
    if (hasMachine) {
      devices.push(
        dev(`MC${e}`, 'machine', {
          assetPath: path,
          name: `设备${e}`,
          ratedPowerKw: Math.ceil(runKw * 1.3),
          standbyPowerKw: standbyKw,
        }),
      );
      const t: number[] = [];
      const s: number[] = [];
      let prev = -1;
      for (let i = 0; i < n; i++) {
        const st = kind[i] === 0 ? 3 : kind[i] === 1 && idleLunch ? 2 : 0;
        if (st !== prev) {
          t.push(T0 + i * SLOT);
          s.push(st);
          prev = st;
        }
      }
      machines.push({ deviceId: `MC${e}`, states: { tMs: Float64Array.from(t), state: Uint8Array.from(s) } });
    }
  }
  const pq = (base: number, spread: number) => {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = base + spread * (rand() - 0.5);
    return { startMs: T0, intervalMs: SLOT, values: v };
  };
  const main = new Float64Array(n);
  for (let f = 0; f < feeders; f++) {
    devices.push(
      dev(`M-F${f}`, 'meter', {
        medium: 'electricity',
        meterRole: 'feeder',
        parentMeter: 'M-MAIN',
        assetPath: `WS${f + 1}`,
        name: `${f + 1}号车间馈线`,
      }),
    );
    const v = feederKwh[f]!;
    for (let i = 0; i < n; i++) {
      v[i] = v[i]! * 1.01 + (kind[i] === 2 ? 0.5 : 1.5); // feeder's own lighting and losses
      main[i] = main[i]! + v[i]!;
    }
    meters.push(electricWithPq(`M-F${f}`, v, 0.91));
  }
  for (let i = 0; i < n; i++) main[i] = main[i]! * 1.015 + (kind[i] === 2 ? 1 : 3);
  meters.push(electricWithPq('M-MAIN', main, 0.88));
  function electricWithPq(id: string, v: Float64Array, pf: number): MeterSeries {
    const tan = Math.tan(Math.acos(pf));
    return {
      deviceId: id,
      medium: 'electricity',
      unit: 'kWh',
      consumption: { startMs: T0, intervalMs: SLOT, values: v },
      consumptionSource: 'counter',
      reactiveKvarh: { startMs: T0, intervalMs: SLOT, values: v.map((x) => x * tan) },
      voltageV: { L1: pq(231, 4), L2: pq(230, 4), L3: pq(229, 4) },
      voltageThdPct: pq(2.5, 1),
      voltageUnbalancePct: pq(0.6, 0.4),
      counterResets: 0,
      counterRollovers: 0,
    };
  }
  const lines = Array.from({ length: 8 }, (_, l) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = kind[i] === 0 ? 20 + 10 * rand() : 0;
    return {
      assetPath: `WS1/L${l + 1}`,
      output: { startMs: T0, intervalMs: SLOT, values: out },
      source: { deviceId: `MC${l}`, metric: 'goodCount' },
    };
  });
  return {
    registry: {
      factory: factoryProfileSchema.parse({
        id: 'BENCH',
        name: '基准测试工厂',
        calendar,
        contractDemandKw: 2500,
        products: [{ id: 'P', name: '零件', unit: 'pcs' }],
        transformers: [
          { id: 'T1', ratedKva: 4000, noLoadLossKw: 3.2, loadLossKw: 30, meterDeviceId: 'M-MAIN' },
        ],
      }),
      assets: [],
      devices,
      metrics: [],
      lines: [],
      onlineHistory: [],
    },
    period: { fromMs: T0, toMs: T0 + o.days * 86_400_000 },
    meters,
    machines,
    lines,
    options: { flatPriceCnyPerKwh: 0.62, demandPriceCnyPerKwMonth: 32 },
    generatedAtMs: T0 + o.days * 86_400_000,
  };
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export function benchDiagnose(o: DiagnoseBenchOptions): BenchRow[] {
  const g0 = performance.now();
  const input = syntheticPlant(o);
  const genMs = performance.now() - g0;
  const values = input.meters.reduce((s, m) => s + m.consumption.values.length, 0);
  const runs: { diag: number; diagCpu: number; zh: number; en: number; cpu: number }[] = [];
  let sizes = { zh: 0, en: 0, findings: 0, measures: 0 };
  for (let r = 0; r < o.repeat; r++) {
    const c0 = cpuMs();
    const w0 = performance.now();
    const result = diagnose(input);
    const w1 = performance.now();
    const diagCpu = cpuMs() - c0;
    const zh = renderReport(result);
    const w2 = performance.now();
    const en = renderReport(result, { lang: 'en' });
    const w3 = performance.now();
    runs.push({ diag: w1 - w0, diagCpu, zh: w2 - w1, en: w3 - w2, cpu: cpuMs() - c0 });
    sizes = {
      zh: zh.length,
      en: en.length,
      findings: result.findings.length,
      measures: result.measures.length,
    };
  }
  const best = runs.reduce((a, b) => (a.diag + a.zh < b.diag + b.zh ? a : b));
  return [
    {
      name: 'meters × quarter-hours (consumption values)',
      value: values,
      unit: 'values',
      note: `${input.meters.length} meters, ${input.machines.length} machines`,
    },
    { name: 'data generation (not part of the target)', value: genMs, unit: 'ms' },
    {
      name: 'diagnose() — accounting + 12 rules',
      value: best.diag,
      unit: 'ms',
      note: `cpu ${best.diagCpu.toFixed(0)} ms`,
    },
    { name: 'renderReport() zh-CN', value: best.zh, unit: 'ms', note: `${(sizes.zh / 1024).toFixed(0)} KiB` },
    { name: 'renderReport() en', value: best.en, unit: 'ms', note: `${(sizes.en / 1024).toFixed(0)} KiB` },
    {
      name: 'diagnose + zh report (target < 5000 ms incl. store)',
      value: best.diag + best.zh,
      unit: 'ms',
      note: `cpu ${best.cpu.toFixed(0)} ms (both reports), best of ${o.repeat}`,
    },
    {
      name: 'findings / measures',
      value: sizes.findings,
      unit: 'findings',
      note: `${sizes.measures} measures`,
    },
    { name: 'RSS after run', value: process.memoryUsage().rss / 1_048_576, unit: 'MiB' },
  ];
}

export function printTable(rows: BenchRow[]): void {
  for (const r of rows)
    console.log(
      `${r.name.padEnd(54)} ${(Number.isInteger(r.value) ? String(r.value) : r.value.toFixed(1)).padStart(12)} ${r.unit.padEnd(8)} ${r.note ?? ''}`,
    );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      meters: { type: 'string', default: '200' },
      days: { type: 'string', default: '365' },
      repeat: { type: 'string', default: '3' },
      json: { type: 'string' },
    },
  });
  const opts = { meters: Number(values.meters), days: Number(values.days), repeat: Number(values.repeat) };
  if (!(opts.meters >= 12 && opts.days > 0 && opts.repeat > 0))
    throw new Error('--meters ≥ 12, --days and --repeat must be positive');
  const rows = benchDiagnose(opts);
  console.log(
    `Energy diagnosis benchmark: ${opts.meters} meters × ${opts.days} days of 15-min data, node ${process.version}`,
  );
  printTable(rows);
  // The section bench/run.ts copies into BENCHMARKS.md (the store path: bench/diagnose-store.ts).
  console.log(
    [
      '<!-- BENCH-RESULT -->',
      '## diagnose — energy diagnosis, pure part (issue #4 §5)',
      '',
      `\`npx tsx bench/diagnose.ts --meters ${opts.meters} --days ${opts.days}\` — \`diagnose()\` and the report on series already in memory (no store).`,
      '',
      '| measure | value | note |',
      '|---|---:|---|',
      ...rows.map(
        (r) =>
          `| ${r.name} | ${Number.isInteger(r.value) ? r.value : r.value.toFixed(1)} ${r.unit} | ${r.note ?? ''} |`,
      ),
      '<!-- /BENCH-RESULT -->',
    ].join('\n'),
  );
  if (values.json) await writeFile(values.json, `${JSON.stringify(rows, null, 2)}\n`);
}
