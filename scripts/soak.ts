/**
 * `npm run soak` — randomized fault schedules over the real processes (tests/soak/README.md).
 *
 *   npm run soak -- --seeds 20 --minutes 30 [--store embedded|influx|both] [--broker mosquitto|aedes|both]
 *   npm run soak -- --seed 17 --store influx                        (one seed)
 *   npm run soak -- --schedule '<json>' | --schedule failing.json   (replay a printed schedule)
 *
 * Options: --faults K (faults per schedule, default 8), --first-seed S (default: random, printed),
 * --shrink-runs R (default 12), --shrink-minutes M (default 15). Exit code 1 when any schedule failed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runSoak, summaryTable } from '../tests/soak/run.js';
import { type BrokerKind, parseSchedule, type Schedule, type StoreKind } from '../tests/soak/steps.js';

const { values: o } = parseArgs({
  options: {
    seeds: { type: 'string' },
    seed: { type: 'string', multiple: true },
    'first-seed': { type: 'string' },
    minutes: { type: 'string' },
    store: { type: 'string', default: 'both' },
    broker: { type: 'string', default: 'mosquitto' },
    faults: { type: 'string', default: '8' },
    schedule: { type: 'string', multiple: true },
    'shrink-runs': { type: 'string', default: '12' },
    'shrink-minutes': { type: 'string', default: '15' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (o.help) {
  console.log(readFileSync(new URL(import.meta.url), 'utf8').split('*/')[0]);
  process.exit(0);
}

function int(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    console.error(`npm run soak: --${name} ${v} is not an integer ≥ ${min}`);
    process.exit(2);
  }
  return n;
}
function kinds<T extends string>(name: string, v: string, all: readonly T[]): T[] {
  if (v === 'both') return [...all];
  if (!(all as readonly string[]).includes(v)) {
    console.error(`npm run soak: --${name} must be ${all.join(', ')} or both`);
    process.exit(2);
  }
  return [v as T];
}

const schedules: Schedule[] = (o.schedule ?? []).map((s) =>
  parseSchedule(existsSync(s) ? readFileSync(s, 'utf8') : s),
);
const explicit = (o.seed ?? []).map((s) => int('seed', s, 0)!);
const count = int('seeds', o.seeds, 1) ?? (explicit.length > 0 || schedules.length > 0 ? 0 : 1_000_000);
const first = int('first-seed', o['first-seed'], 0) ?? Math.floor(Math.random() * 1_000_000);
const minutes = Number(o.minutes ?? (count === 1_000_000 ? 30 : 24 * 60));
if (!Number.isFinite(minutes) || minutes <= 0) {
  console.error('npm run soak: --minutes must be a positive number');
  process.exit(2);
}
function* seeds(): Generator<number> {
  yield* explicit;
  for (let i = 0; i < count; i++) yield first + i;
}
const stores = kinds<StoreKind>('store', o.store!, ['embedded', 'influx']);
const brokers = kinds<BrokerKind>('broker', o.broker!, ['mosquitto', 'aedes']);
// Ctrl-C: exit through process.exit so the harness kills every child process it started (by pid).
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130));
const t0 = Date.now();
const what = [
  schedules.length ? `${schedules.length} replayed schedule(s)` : '',
  explicit.length ? `seeds ${explicit.join(', ')}` : '',
  count ? `${count === 1_000_000 ? 'seeds' : `${count} seeds`} from ${first}` : '',
  explicit.length || count
    ? `stores ${stores.join('+')}, brokers ${brokers.join('+')}, ${o.faults} faults per schedule`
    : '',
].filter((x) => x);
console.log(`[soak] ${what.join(', ')}; at most ${minutes} min`);
const sum = await runSoak({
  seeds: seeds(),
  schedules,
  minutes,
  stores,
  brokers,
  faults: int('faults', o.faults, 0)!,
  shrink: { maxRuns: int('shrink-runs', o['shrink-runs'], 0)!, minutes: Number(o['shrink-minutes']) },
  log: (l) => console.log(l),
});
if (sum.skipped) {
  console.error('[soak] a required service (mosquitto / influxd) is missing on this machine: nothing ran');
  process.exit(1);
}
console.log(`\n[soak] done in ${((Date.now() - t0) / 60_000).toFixed(1)} min\n${summaryTable(sum)}`);
for (const f of sum.failures) {
  console.log(`\n[soak] failing seed ${f.seed} (${f.store}/${f.broker}); shrunk schedules:`);
  for (const x of f.shrunk) console.log(`  ${x.kind}: ${JSON.stringify(x.schedule)}`);
}
process.exit(sum.failures.length > 0 ? 1 : 0);
