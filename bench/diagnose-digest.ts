/**
 * Identity check for work on diagnose()'s speed: sha256 of the JSON of the full diagnosis result (accounting,
 * findings with evidence, savings, charts, data-quality appendix — everything) on
 *  - the synthetic plant of bench/diagnose.ts (the 200-meter year the CPU target is measured on, and a small one),
 *  - the same small plant damaged with seeded gaps, frozen counters and negative steps (the gap paths),
 *  - seeded random plants of the simulators (diagnose-random-run.ts: store API → loadEnergyInputs → diagnose).
 * A speed change must leave every digest unchanged. Typed arrays are written as arrays, NaN/±Infinity as
 * strings, so that a number changing into NaN or an array changing type shows.
 *
 *   npx tsx bench/diagnose-digest.ts [--seeds 1,2,3,4,5,6] [--days 14] [--no-year]
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { diagnose } from '../platform/src/energy/diagnose.js';
import type { DiagnosisInput } from '../platform/src/energy/types.js';
import { Rng } from '../simulators/src/physics/prng.js';
import { syntheticPlant } from './diagnose.js';
import { runRandomPlant } from './diagnose-random-run.js';

function replacer(_key: string, v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as Float64Array);
  if (v instanceof Map) return { $map: [...v] };
  if (v instanceof Set) return { $set: [...v] };
  return v;
}

export const digest = (value: unknown): string =>
  createHash('sha256').update(JSON.stringify(value, replacer)).digest('hex');

/** The small synthetic plant with gaps, frozen stretches (a flat counter), a few negative and huge slots. */
function damagedPlant(seed: number): DiagnosisInput {
  const input = syntheticPlant({ meters: 40, days: 42 });
  const r = new Rng(seed); // mulberry32: the damage is a function of the seed alone
  const rand = () => r.next();
  for (const m of input.meters) {
    const v = m.consumption.values as Float64Array;
    const n = v.length;
    for (let g = 0; g < 3; g++) {
      if (rand() < 0.5) continue;
      const at = Math.floor(rand() * n);
      v.fill(Number.NaN, at, Math.min(n, at + 1 + Math.floor(rand() * 200)));
    }
    if (rand() < 0.2) {
      const at = Math.floor(rand() * n);
      v.fill(0, at, Math.min(n, at + 16 + Math.floor(rand() * 300)));
    }
    if (rand() < 0.1) v[Math.floor(rand() * n)] = -5;
    if (rand() < 0.1) v[Math.floor(rand() * n)] = 1e6;
  }
  for (const mc of input.machines) {
    const st = mc.states;
    if (st && rand() < 0.3) {
      const keep = Math.floor(st.tMs.length / 2);
      mc.states = { tMs: st.tMs.slice(0, keep), state: st.state.slice(0, keep) };
    }
  }
  return input;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '1,2,3,4,5,6,7,8' },
      days: { type: 'string', default: '14' },
      'no-year': { type: 'boolean', default: false },
    },
  });
  const line = (name: string, d: string, ms: number) =>
    console.log(`${name.padEnd(34)} ${d}  (${(ms / 1000).toFixed(1)} s)`);
  const timed = (name: string, make: () => DiagnosisInput) => {
    const t0 = performance.now();
    const d = digest(diagnose(make()));
    line(name, d, performance.now() - t0);
  };
  if (!values['no-year'])
    timed('synthetic 200 meters × 365 d', () => syntheticPlant({ meters: 200, days: 365 }));
  timed('synthetic 40 meters × 42 d', () => syntheticPlant({ meters: 40, days: 42 }));
  for (const s of [1, 2, 3]) timed(`damaged synthetic, seed ${s}`, () => damagedPlant(s));
  for (const seed of values.seeds.split(',').map(Number)) {
    const t0 = performance.now();
    const run = await runRandomPlant(seed, { days: Number(values.days) });
    line(`random plant seed ${seed} (${run.meters} meters)`, digest(run.result), performance.now() - t0);
  }
}
