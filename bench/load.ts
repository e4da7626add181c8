/**
 * Load matrix benchmark (issue 14 item 9): `xiang serve` on the embedded store with `--days` of the default
 * scenario, then an idle phase, a baseline (the light clients alone) and the load phase (light + heavy clients
 * + a steady MQTT publisher) — the same matrix as tests/platform/load-matrix.int.test.ts, with its figures:
 * p50/p99 of light and heavy requests, max event-loop lag (from /metrics), ingest points/s during the load,
 * refusals per reason. Ratios are to the phases measured in the same run.
 *
 *   npx tsx bench/load.ts [--days 3] [--seconds 30] [--light 40] [--heavy 10] [--think 1000] [--ingest 1000]
 */
import { parseArgs } from 'node:util';
import { startMosquitto } from '../tests/harness/services.js';
import { type MatrixFigures, prepareFixtures, runMatrix } from '../tests/platform/load-matrix.js';
import { startLoadPlatform } from '../tests/platform/load-platform.js';

const { values } = parseArgs({
  options: {
    days: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '30' },
    light: { type: 'string', default: '40' },
    heavy: { type: 'string', default: '10' },
    think: { type: 'string', default: '1000' },
    ingest: { type: 'string', default: '1000' },
  },
});
const log = (s: string) => process.stderr.write(`${s}\n`);
const broker = await startMosquitto();
if (!broker) throw new Error('the load benchmark needs mosquitto (apt-get install mosquitto)');
const o = {
  lightClients: Number(values.light),
  heavyClients: Number(values.heavy),
  seconds: Number(values.seconds),
  thinkMs: Number(values.think),
  ingestPointsPerSecond: Number(values.ingest),
  ingestFactoryId: 'F1',
  log,
};
const p = await startLoadPlatform(broker, { days: Number(values.days), log });
let f: MatrixFigures;
try {
  const fx = await prepareFixtures(p);
  f = await runMatrix(p, broker, fx, o);
} finally {
  await p.dispose();
  await broker.dispose();
}

const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(1)}×` : '–');
const rows = [
  `| light (health, factories, latest) | ${f.baseline.light.n} | ${ms(f.baseline.light.p50)} | ${ms(f.baseline.light.p99)} | ${f.load.light.n} | ${ms(f.load.light.p50)} | ${ms(f.load.light.p99)} | ${ratio(f.load.light.p99, f.baseline.light.p99)} |`,
  ...Object.entries(f.load.heavy).map(
    ([k, h]) => `| ${k} | | | | ${h.n} (+${h.refused} refused) | ${ms(h.p50)} | ${ms(h.p99)} | |`,
  ),
];
const refusals = Object.entries(f.load.refusals)
  .map(([k, n]) => `${k}: ${n}`)
  .join(', ');
const md = [
  '## Load matrix (issue 14)',
  '',
  `\`xiang serve\` (own process, embedded store, Mosquitto) with ${values.days} days of hunan-machining (${p.backfilledPoints.toLocaleString('en')} points, ${p.seriesCount} series); ` +
    `${o.lightClients} light + ${o.heavyClients} heavy API clients (think time ${o.thinkMs} ms ×0.5–1.5) for ${o.seconds} s while an MQTT agent publishes ${o.ingestPointsPerSecond} points/s. ` +
    'Baseline = the same light clients alone, just before. Latency = client-side, send to last byte (ms).',
  '',
  '| requests | baseline n | p50 | p99 | load n | p50 | p99 | p99 load/baseline |',
  '| --- | --: | --: | --: | --: | --: | --: | --: |',
  ...rows,
  '',
  '| event-loop lag (max, /metrics) | ms | × idle |',
  '| --- | --: | --: |',
  `| idle | ${ms(f.idleMaxLagMs)} | 1.0× |`,
  `| baseline (light only) | ${ms(f.baseline.maxLagMs)} | ${ratio(f.baseline.maxLagMs, f.idleMaxLagMs)} |`,
  `| load | ${ms(f.load.maxLagMs)} | ${ratio(f.load.maxLagMs, f.idleMaxLagMs)} |`,
  '',
  `Load generator's own max event-loop lag (a stall there inflates every latency it measures): baseline ${ms(f.baseline.generatorMaxLagMs)} ms, load ${ms(f.load.generatorMaxLagMs)} ms. ` +
    `Slowest light requests under load (sent at s into the phase; heavy requests then in flight): ${f.load.slowestLight.slice(0, 3).join('; ')}.`,
  '',
  `Ingest during the load: ${f.ingest.acked.toLocaleString('en')} points acknowledged at ${f.ingest.pointsPerSecond.toFixed(0)} points/s ` +
    `(offered ${o.ingestPointsPerSecond}); stored ${f.ingest.stored.toLocaleString('en')} (counter delta ${f.storedDelta}, duplicates ${f.duplicatesDelta}). ` +
    `5xx / network errors: ${f.load.serverErrors.length + f.baseline.serverErrors.length}. Refusals: ${refusals || 'none'}. ` +
    `Auth brute force: ${f.bruteForce.statuses.filter((s) => s === 401).length} × 401 then ${f.bruteForce.statuses.filter((s) => s === 429).length} × 429 (retry-after ${f.bruteForce.retryAfter} s).`,
];
process.stdout.write(`<!-- BENCH-RESULT -->\n${md.join('\n')}\n<!-- /BENCH-RESULT -->\n`);
