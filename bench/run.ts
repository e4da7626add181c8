/**
 * `npm run bench` — runs each benchmark in its own process (so one's memory can't skew another's), streams
 * its progress, and writes the markdown each prints between BENCH-RESULT markers into BENCHMARKS.md, one
 * section per benchmark (between `<!-- bench:NAME -->` markers, stamped with its own run date and machine).
 *   npm run bench                 # all
 *   npm run bench -- store ingest # a subset: only those sections are replaced; the others stay as they were
 *   npm run bench -- oee-random --seeds 50   # options after the names go to the benchmark(s)
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
/** Each benchmark: its script and the arguments `npm run bench` gives it. */
const benches: Record<string, { file: string; args: string[] }> = {
  store: { file: 'store', args: [] },
  ingest: { file: 'ingest', args: ['--points', '2000000'] },
  // Issue 13: what devices and gateways really send — 50-point messages over 100 series (and 1 000-point ones).
  'ingest-small': { file: 'ingest', args: ['--points', '500000', '--metrics', '100', '--batch', '50,1000'] },
  // Issue 13: a burst — 3 M points in 50-point messages as fast as the broker takes them; stored counted in the store.
  'ingest-burst': {
    file: 'ingest',
    args: ['--points', '3000000', '--metrics', '100', '--batch', '50', '--no-raw'],
  },
  // Event-loop stall while one birth of up to 20 000 metrics is applied (issue 8: ≤ ~50 ms).
  'ingest-birth': { file: 'ingest-birth', args: [] },
  // Memory over a 10-minute run at a steady 30 000 points/s (issue #3: "memory flat").
  // Issue 13: RSS over a 10-minute paced run of 50-point messages on both stores ("RSS flat").
  'ingest-rss': {
    file: 'ingest',
    args: ['--paced', '15000', '--seconds', '600', '--metrics', '100', '--batch', '50', '--no-raw'],
  },
  'ingest-memory': {
    file: 'ingest',
    args: ['--paced', '30000', '--seconds', '600', '--no-raw', '--no-influx'],
  },
  'edge-agent': {
    file: 'edge-agent',
    args: ['--scenario', 'simulators/scenarios/hunan-machining.yaml', '--speed', '1200', '--seconds', '30'],
  },
  'edge-agent-synthetic': {
    file: 'edge-agent',
    args: ['--vars', '5000', '--tick', '100', '--seconds', '20'],
  },
  diagnose: { file: 'diagnose', args: [] },
  // Issue 9: seeded random plants against the simulator's truth (`npm run bench -- diagnose-random --seeds N`).
  'diagnose-random': { file: 'diagnose-random', args: ['--seeds', '50'] },
  'diagnose-store': { file: 'diagnose-store', args: [] },
  oee: { file: 'oee', args: [] },
  // Randomized OEE property (issue 10): `npm run bench -- oee-random --seeds N`.
  'oee-random': { file: 'oee-random', args: ['--seeds', '200'] },
  console: { file: 'console', args: ['--days', '30'] },
  // Issue 15: values/s per DL/T 645 TCP gateway against the raw exchange rate of the same gateway.
  dlt645: { file: 'dlt645', args: ['--seconds', '10'] },
  // Issue 15: values/s per Modbus TCP gateway and per serial bus (pty, 9600/19200 bit/s and unthrottled).
  modbus: { file: 'modbus', args: ['--seconds', '10'] },
  // Issue 15: Sparkplug B DDATA through the group commit against xiang/v1 data, same points, same run.
  sparkplug: { file: 'sparkplug', args: ['--points', '200000'] },
  // Issue 13: points/s for 1 and 2 platform instances over PostgreSQL vs embedded SQLite and the raw limits.
  'scale-out': { file: 'scale-out', args: ['--points', '100000'] },
  // Issue 14: 50 API clients (light + heavy) while ingest runs; light p99 and event-loop lag against baselines.
  load: { file: 'load', args: ['--days', '3', '--seconds', '30'] },
};
const all = Object.keys(benches);
// `--name value` pairs after the benchmark names are passed to the benchmarks (e.g. `--seeds 60`).
const argv = process.argv.slice(2);
const passed: string[] = [];
const chosen: string[] = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i]!.startsWith('--')) {
    passed.push(argv[i]!);
    if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) passed.push(argv[++i]!);
  } else chosen.push(argv[i]!);
}
const names = chosen.length ? chosen : all;
const unknown = names.filter((n) => !(n in benches));
if (unknown.length) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${all.join(', ')}\n`);
  process.exit(2);
}

async function runOne(name: string): Promise<string> {
  const b = benches[name];
  if (!b) return `## ${name}\n\nUnknown benchmark; known: ${all.join(', ')}.\n`;
  const file = path.join(here, `${b.file}.ts`);
  const started = Date.now();
  process.stderr.write(`\n=== bench ${name} ===\n`);
  // Passed options replace the benchmark's own of the same name.
  const own = [...b.args];
  for (let i = 0; i < passed.length; i++) {
    if (!passed[i]!.startsWith('--')) continue;
    const at = own.indexOf(passed[i]!);
    const value = passed[i + 1] && !passed[i + 1]!.startsWith('--') ? passed[i + 1]! : null;
    if (at >= 0) own.splice(at, value !== null && own[at + 1] && !own[at + 1]!.startsWith('--') ? 2 : 1);
    own.push(passed[i]!, ...(value !== null ? [value] : []));
  }
  const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', file, ...own], {
    cwd: path.join(here, '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, XIANG_BENCH: '1' },
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    process.stdout.write(b);
  });
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  const m = /<!-- BENCH-RESULT -->([\s\S]*?)<!-- \/BENCH-RESULT -->/.exec(out);
  const secs = ((Date.now() - started) / 1000).toFixed(0);
  if (code !== 0 || !m)
    return `## ${name}\n\nFAILED (exit ${code}, ${secs} s) — run \`npm run bench -- ${name}\` to see why.\n`;
  return `${m[1]!.trim()}\n\n_Wall time of this benchmark: ${secs} s._\n`;
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const machine = `${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}`;
const target = path.join(here, '..', 'BENCHMARKS.md');
const header = [
  '# Benchmarks',
  '',
  'Written by `npm run bench` (all) or `npm run bench -- <name>…` (replaces only those sections).',
  'Speed targets live here, never in timed tests.',
  '',
].join('\n');
/**
 * BENCHMARKS.md as it is; each run replaces only its own `<!-- bench:NAME -->` section in place (a new one is
 * appended), so hand-written sections between them (e.g. mutation testing) are kept.
 */
let doc = existsSync(target) ? readFileSync(target, 'utf8') : `${header}\n`;
for (const n of names) {
  const body = await runOne(n);
  const stamp = `_Run: \`npm run bench -- ${n}\` on ${new Date().toISOString().slice(0, 16)}Z, ${machine}._`;
  const section = `<!-- bench:${n} -->\n${body}\n${stamp}\n<!-- /bench:${n} -->`;
  const existing = new RegExp(`<!-- bench:${n} -->\\n[\\s\\S]*?<!-- /bench:${n} -->`);
  doc = existing.test(doc) ? doc.replace(existing, () => section) : `${doc.trimEnd()}\n\n${section}\n`;
  // Rewritten after every benchmark, so an interrupted run keeps what finished.
  writeFileSync(target, doc);
  // Formatted as `npm run lint` wants it (Biome aligns the markdown tables).
  spawnSync(path.join(here, '..', 'node_modules', '.bin', 'biome'), ['format', '--write', target], {
    stdio: 'ignore',
  });
  doc = readFileSync(target, 'utf8');
}
process.stderr.write(`\nwrote ${path.relative(process.cwd(), target)}\n`);
