/**
 * `npm run bench -- diagnose-random --seeds N [--days D] [--first S]`: N seeded random plants (1–5 workshops,
 * 10–200 meters, 1–3 shifts, 5/6/7-day weeks, holidays, random faults and traps) through the store API and
 * the diagnosis (diagnose-random-run.ts), judged against the simulator's ground truth. Prints a table per
 * seed — faults above their stated threshold found, magnitude errors, findings above "info" that no fault
 * explains, the total annual saving against the truth's — and the totals: recall, false positives, saving
 * error. Exit code 1 when the property fails for any seed.
 */
import { parseArgs } from 'node:util';
import { runRandomPlant } from './diagnose-random-run.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '50' },
    first: { type: 'string', default: '1' },
    days: { type: 'string', default: '14' },
  },
});
const n = Number(values.seeds);
const first = Number(values.first);
const days = Number(values.days);
if (!(n >= 1 && n <= 1000) || !(days >= 3 && days <= 60)) throw new Error('--seeds 1…1000, --days 3…60');

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)} %`);
const rows: string[] = [];
let detectable = 0;
let found = 0;
let fp = 0;
let failedSeeds = 0;
let worstMagnitude = 0;
const savingErrors: number[] = [];
const started = Date.now();
for (let seed = first; seed < first + n; seed++) {
  const r = await runRandomPlant(seed, { days });
  const det = r.check.faults.filter((f) => f.detectable);
  const ok = det.filter((f) => f.ok);
  detectable += det.length;
  found += ok.length;
  fp += r.check.falsePositives.length;
  for (const f of det) if (f.error !== null) worstMagnitude = Math.max(worstMagnitude, Math.abs(f.error));
  const s = r.check.savingKwh;
  if (s.error !== null) savingErrors.push(s.error);
  const pass = ok.length === det.length && r.check.falsePositives.length === 0 && s.ok;
  if (!pass) failedSeeds++;
  const errs = det
    .map((f) => (f.error === null ? `${f.fault}: missing` : `${f.fault} ${pct(f.error)}`))
    .join('; ');
  rows.push(
    `| ${seed} | ${r.workshops} | ${r.meters} | ${r.plant.scenario.calendar.shifts.length} | ${r.plant.scenario.calendar.workdays.length} | ${r.plant.scenario.faults.length} | ${ok.length}/${det.length} | ${r.check.falsePositives.join(', ') || '0'} | ${Math.round(s.truth)} | ${Math.round(s.report)} | ${pct(s.error)} | ${pass ? 'pass' : 'FAIL'} | ${errs || '—'} |`,
  );
  process.stderr.write(
    `seed ${seed}: ${pass ? 'pass' : 'FAIL'} (${ok.length}/${det.length} found, ${r.check.falsePositives.length} FP, saving ${pct(s.error)}; ${r.points} points, ${((r.ms.simulate + r.ms.diagnose) / 1000).toFixed(1)} s) traps: ${r.plant.traps.join(', ')}\n`,
  );
}
const meanAbs = savingErrors.length
  ? savingErrors.reduce((a, b) => a + Math.abs(b), 0) / savingErrors.length
  : 0;
const maxAbs = savingErrors.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
const out = [
  `## diagnose-random`,
  '',
  `${n} seeded random plants (seeds ${first}–${first + n - 1}), ${days} days each, history written through the store API (embedded store), registry from the simulated birth + registry settings, diagnosed with the shipped rules, judged against the simulator's ground truth (simulators/src/random-plant/check.ts). A fault counts as found when its finding is above "info" and its magnitude is within ±10 % of the truth; every finding above "info" must be explained by an injected fault; the report's annual energy saving must be within ±15 % of the truth's sum (0 when no energy fault).`,
  '',
  `**Recall ${found}/${detectable} (${pct(detectable ? found / detectable : 1)}), false positives ${fp}, saving error mean |e| ${pct(meanAbs)}, max |e| ${pct(maxAbs)}, worst magnitude error ${pct(worstMagnitude)}; seeds failing the property: ${failedSeeds}.** Wall time ${((Date.now() - started) / 1000).toFixed(0)} s.`,
  '',
  '| seed | workshops | meters | shifts | workdays/week | faults | found / above threshold | findings > info unexplained | truth kWh/a | report kWh/a | saving error | property | magnitude errors |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows,
].join('\n');
console.log(`<!-- BENCH-RESULT -->\n${out}\n<!-- /BENCH-RESULT -->`);
process.exitCode = failedSeeds ? 1 : 0;
