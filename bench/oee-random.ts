/**
 * Randomized OEE property over many seeds (issue 10 §4): each seed is a random plant (tests/oracles/random-plant.ts:
 * random calendar, 1–12 machines, 4–7 days, micro-stops, setups, breakdowns, dropouts of random length), written
 * to a fresh embedded store, read back through the query adapters and the OEE domain for 8 windows (two with day
 * and shift buckets, one before the data, one past its end) and compared row by row with the exact reference
 * (tests/oracles/oee-reference.ts), and the indicators of every window against tests/oracles/indicator-reference.ts.
 * Prints the seeds, windows and rows checked and the maximum relative error.
 *
 *   npm run bench -- oee-random --seeds 200 [--first 1] [--json out.json]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createStore } from '../platform/src/store/index.js';
import { generatePlant, TICK_MS } from '../tests/oracles/random-plant.js';
import { checkPlant } from '../tests/oracles/random-plant-check.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '200' },
    first: { type: 'string', default: '1' },
    json: { type: 'string' },
  },
});
const seeds = Number(values.seeds);
const first = Number(values.first);
const started = Date.now();
const failed: { seed: number; problems: string[] }[] = [];
let windows = 0;
let rows = 0;
let compared = 0;
let maxRelErr = 0;
let worst = '';
const features = {
  machines: 0,
  dropouts: 0,
  deviceDropouts: 0,
  days: 0,
  holidays: 0,
  makeUpDays: 0,
  offsets: new Set<number>(),
};
for (let s = first; s < first + seeds; s++) {
  const plant = generatePlant(s);
  features.machines += plant.machines.length;
  features.days += (plant.ticks * TICK_MS) / 86_400_000;
  features.holidays += plant.calendar.holidays.length;
  features.makeUpDays += plant.calendar.extraWorkdays.length;
  features.offsets.add(plant.calendar.utcOffsetMinutes);
  for (const m of plant.machines) {
    features.dropouts += m.dropouts.length;
    features.deviceDropouts += m.dropouts.filter((d) => d.kind === 'device').length;
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-bench-oee-random-'));
  const store = await createStore({ dataDir: dir, rollupRefreshMs: 0 });
  try {
    const r = await checkPlant(store, plant);
    windows += r.windows;
    rows += r.rows;
    compared += r.values;
    if (r.maxRelErr >= maxRelErr) {
      maxRelErr = r.maxRelErr;
      worst = r.worst;
    }
    if (r.problems.length > 0) failed.push({ seed: s, problems: r.problems.slice(0, 5) });
    process.stderr.write(
      `seed ${s}: ${plant.machines.length} machines, ${r.windows} windows, ${r.rows} rows, max rel. err ${r.maxRelErr.toExponential(2)}${r.problems.length ? ` — ${r.problems.length} MISMATCHES` : ''}\n`,
    );
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}
const secs = (Date.now() - started) / 1000;
const summary = {
  seeds: `${first}–${first + seeds - 1}`,
  seedCount: seeds,
  passed: seeds - failed.length,
  windows,
  rows,
  valuesCompared: compared,
  maxRelErr,
  worst,
  failed,
  features: { ...features, offsets: [...features.offsets].sort((a, b) => a - b) },
  seconds: secs,
};
if (values.json) await writeFile(values.json, JSON.stringify(summary, null, 2));
const lines = [
  '<!-- BENCH-RESULT -->',
  '## oee-random — randomized OEE property (issue 10)',
  '',
  'Random plants (calendar with shifts across midnight, holidays, make-up days, any UTC offset; runs, micro-stops,',
  'setups, breakdowns, dropouts of random length) through the embedded store, the query adapters and the OEE',
  'domain, every row (machine / line / workshop / factory × period, local day, shift) against the exact reference',
  '(`tests/oracles/oee-reference.ts`, independent of `platform/src/oee` and the calendar), and per window the',
  'Article 13 indicators (networking, state capture, data coverage — both definitions —, online ratio, OEE',
  'availability and tracking) through the grading inputs against the truth of their stated definitions',
  '(`tests/oracles/indicator-reference.ts`).',
  '',
  '| seeds | passed | windows | rows | values compared | max relative error | wall time |',
  '| ----- | ------ | ------- | ---- | --------------- | ------------------ | --------- |',
  `| ${summary.seeds} | ${summary.passed} / ${seeds} | ${windows} | ${rows} | ${compared} | ${maxRelErr.toExponential(2)} | ${secs.toFixed(0)} s |`,
  '',
  `Covered: ${features.machines} machines, ${features.days.toFixed(0)} machine-plant days, ${features.dropouts} dropouts (${features.deviceDropouts} whole-device), ${features.holidays} holidays, ${features.makeUpDays} make-up days, ${summary.features.offsets.length} distinct UTC offsets.`,
  '',
  `Worst value: ${worst || '—'}.`,
  ...(failed.length > 0
    ? ['', `Failed seeds: ${failed.map((f) => f.seed).join(', ')}; first problem: ${failed[0]?.problems[0]}`]
    : []),
  '<!-- /BENCH-RESULT -->',
];
process.stdout.write(`${lines.join('\n')}\n`);
if (failed.length > 0) process.exitCode = 1;
