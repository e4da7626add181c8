/**
 * The default scenario through the real path, then `xiang diagnose` (issue #4 "done when"): N simulated days
 * of hunan-machining (or `--scenario clean`) go as xiang/v1 historical batches over Mosquitto (else the
 * embedded broker) into a platform on the embedded store (or InfluxDB with --influx), the registry gets what
 * a person enters (scripts/start.ts does the same), and the CLI writes the zh-CN report and the JSON result.
 * Prints the findings next to the simulator's injected ground truth, with timings. Slow (a month is ≈ 8 M
 * points): a calibration run, not part of `npm run bench` or of the tests.
 *
 *   npx tsx bench/diagnose-default-scenario.ts [--scenario hunan-machining] [--days 30] [--metrics energy|all]
 *                                             [--influx] [--out report.html]
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadScenario, type MetricPreset, runBackfill, scenarioRegistrySettings } from '@xiang/simulators';
import { startEmbeddedBroker } from '../platform/src/broker/embedded.js';
import { main as xiang } from '../platform/src/cli.js';
import type { DiagnosisResult } from '../platform/src/energy/result.js';
import { applyRegistrySettings, checksFor, checksTable, NOT_ENERGY } from '../tests/e2e/diagnose-plant.js';
import { waitFor } from '../tests/harness/ports.js';
import { type Service, startInflux, startMosquitto } from '../tests/harness/services.js';
import { PlatformHarness } from '../tests/platform/platform-harness.js';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'hunan-machining' },
    days: { type: 'string', default: '30' },
    metrics: { type: 'string', default: 'energy' },
    influx: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const days = Number(values.days);
if (!(days >= 1 && days <= 120)) throw new Error('--days must be within [1, 120]');
const DAY_MS = 86_400_000;
const harness = new PlatformHarness();
const mosquitto: Service | null = await startMosquitto();
let influx: Service | null = null;
const embedded = mosquitto ? null : await startEmbeddedBroker();
const brokerUrl = mosquitto?.url ?? embedded!.url;
const protocolVersion = mosquitto ? 5 : 4;
const dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-diagnose-default-'));
try {
  if (values.influx) influx = await startInflux();
  const dataDir = await harness.tempDir('xiang-diagnose-default-platform-');
  const store = influx
    ? { influxUrl: influx.url, database: 'diagnose_default', influx: { retention: { raw: 'INF' } } }
    : undefined;
  const p = await harness.start(brokerUrl, dataDir, {
    mqtt: { url: brokerUrl, protocolVersion },
    ...(store ? { store } : {}),
  });
  await waitFor(() => p.ingest.ready(), 'platform subscribed', 15_000);
  const scenario = await loadScenario(values.scenario!);
  const settings = scenarioRegistrySettings(scenario);
  const f = scenario.factory.id;
  applyRegistrySettings(p, settings, f, 'profile');
  const t0 = Date.now();
  let lastDay = -1;
  const b = await runBackfill({
    scenario,
    brokerUrl,
    protocolVersion,
    days,
    agentId: 'history',
    metrics: values.metrics as MetricPreset,
    onProgress: (x) => {
      if (x.day !== lastDay && x.day % 5 === 0)
        console.error(`backfill day ${x.day}/${days}, ${x.points.toLocaleString('en')} points`);
      lastDay = x.day;
    },
  });
  const published = Date.now();
  await waitFor(
    () => p.ingest.counters.totals().pointsStored >= b.points,
    `${b.points} points stored`,
    3_600_000,
    500,
  );
  await p.store.flush();
  const stored = Date.now();
  applyRegistrySettings(p, settings, f, 'devices');
  const config = path.join(dir, 'platform.yaml');
  await writeFile(
    config,
    `dataDir: ${dataDir}\n${store ? `store:\n  influxUrl: ${store.influxUrl}\n  database: ${store.database}\n  influx:\n    retention:\n      raw: INF\n` : ''}`,
  );
  const out = values.out ?? path.join(dir, 'report.html');
  const json = path.join(dir, 'result.json');
  const day = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
  const toMs = b.fromMs + days * DAY_MS;
  const code = await xiang(
    [
      'diagnose',
      '--factory',
      f,
      '--from',
      day(b.fromMs),
      '--to',
      day(toMs - DAY_MS),
      '--config',
      config,
      '--out',
      out,
      '--json',
      json,
    ],
    { out: (l) => console.error(l), err: (l) => console.error(l) },
  );
  if (code !== 0) throw new Error(`xiang diagnose exited ${code}`);
  const diagnosed = Date.now();
  const r = JSON.parse(await readFile(json, 'utf8')) as DiagnosisResult;
  const sentKeys = new Set(p.registry.metrics(f).map((m) => `${m.deviceId}/${m.key}`));
  const truths = b.truth.faults(b.fromMs, toMs);
  const checks = checksFor(r, truths, scenario, (d, m) => sentKeys.has(`${d}/${m}`));
  const notEnergy = truths.filter((t) => NOT_ENERGY.has(t.type)).map((t) => t.id);
  const unseen = truths
    .filter((t) => t.type === 'badQuality' && !checks.some((c) => c.fault === t.id))
    .map((t) => t.id);
  console.log(
    [
      `## ${values.scenario}, ${days} days, ${influx ? 'InfluxDB' : 'embedded'} store, metrics ${values.metrics}`,
      '',
      `${b.points.toLocaleString('en')} points; backfill published in ${((published - t0) / 1000).toFixed(0)} s, stored after ${((stored - t0) / 1000).toFixed(0)} s; \`xiang diagnose\` ${((diagnosed - stored) / 1000).toFixed(0)} s.`,
      '',
      checks.length ? checksTable('Injected faults', checks) : 'No injected faults.',
      notEnergy.length ? `\nNot energy faults (OEE): ${notEnergy.join(', ')}.` : '',
      unseen.length
        ? `Bad-quality faults on metrics the '${values.metrics}' preset does not send: ${unseen.join(', ')}.`
        : '',
      '',
      '| severity | finding | title |',
      '|---|---|---|',
      ...r.findings.map((x) => `| ${x.severity} | ${x.id} | ${x.title.zh} |`),
    ].join('\n'),
  );
} finally {
  await harness.dispose();
  await influx?.dispose();
  await mosquitto?.dispose();
  await embedded?.close();
  await rm(dir, { recursive: true, force: true });
}
