import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type BackfillResult, loadScenario, runBackfill, type Scenario } from '@xiang/simulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as xiang } from '../../platform/src/cli.js';
import type { DiagnosisResult } from '../../platform/src/energy/result.js';
import type { RunningPlatform } from '../../platform/src/main.js';
import type { DiagnosisRun } from '../../platform/src/services/diagnoses/run.js';
import { waitFor } from '../harness/ports.js';
import { type Service, startInflux, startMosquitto } from '../harness/services.js';
import { PlatformHarness } from '../platform/platform-harness.js';
import {
  applyRegistrySettings,
  type Check,
  CONSEQUENCES,
  checksFor,
  checksTable,
  cleanTwin,
  diagnosisPlant,
  NOT_ENERGY,
  PLANT_DAYS,
  scenarioRegistrySettings,
} from './diagnose-plant.js';

/**
 * Issue 4 §4: energy diagnosis against the simulator's injected ground truth, through the real path. Two weeks
 * of the diagnosis plant (diagnose-plant.ts: one injected fault of every energy type) and of its clean twin
 * travel as xiang/v1 historical batches (`runBackfill`, 'energy' metrics) over a real Mosquitto into two
 * platforms at once — one on the embedded store, one on a real InfluxDB — so one backfill serves both stores.
 * Then, per store, an inspector token starts the runs through the HTTP API, polls them to "done" and reads
 * the JSON and HTML reports; `xiang diagnose` on the same data directory must say the same.
 * Every injected energy fault must be found with its magnitude within ±10 % of the ground truth; every
 * finding above "info" must be explained by an injected fault; the clean twin must give nothing above "info".
 */
const DAY_MS = 86_400_000;
const FAULTY = 'tiny';
const CLEAN = 'tiny-clean';
const STORES = ['embedded', 'influx'] as const;
type StoreKind = (typeof STORES)[number];

const harness = new PlatformHarness();
let broker: Service | null = null;
let influx: Service | null = null;
const platforms: Partial<Record<StoreKind, RunningPlatform>> = {};
let plant: Scenario;
let backfill: BackfillResult;
let fromMs = 0;
let toMs = 0;
const timings: Record<string, number> = {};

beforeAll(async () => {
  broker = await startMosquitto();
  if (!broker) return;
  influx = await startInflux();
  plant = diagnosisPlant(await loadScenario('tiny'));
  const clean = cleanTwin(plant, CLEAN);
  for (const kind of STORES) {
    if (kind === 'influx' && !influx) continue;
    const dir = await harness.tempDir(`xiang-e2e-diagnose-${kind}-`);
    const p = await harness.start(broker.url, dir, {
      mqtt: { url: broker.url, protocolVersion: 5 },
      ...(kind === 'influx'
        ? {
            store: {
              influxUrl: influx!.url,
              database: 'e2e_diagnose',
              influx: { retention: { raw: 'INF' } }, // the scenario's March 2025 lies beyond a finite raw retention
            },
          }
        : {}),
    });
    await waitFor(() => p.ingest.ready(), `the ${kind} platform subscribed to the broker`, 15_000);
    for (const [s, f] of [
      [plant, FAULTY],
      [clean, CLEAN],
    ] as const)
      applyRegistrySettings(p, scenarioRegistrySettings(s), f, 'profile');
    platforms[kind] = p;
  }
  const t0 = Date.now();
  // One backfill per plant, both at once; every platform subscribes to all of it.
  const [faulty, twin] = await Promise.all(
    [
      [plant, FAULTY],
      [clean, CLEAN],
    ].map(([s, f]) =>
      runBackfill({
        scenario: s as Scenario,
        brokerUrl: broker!.url,
        days: PLANT_DAYS,
        factoryId: f as string,
        agentId: `history-${f}`,
        metrics: 'energy',
      }),
    ),
  );
  backfill = faulty!;
  timings.backfillPublishS = (Date.now() - t0) / 1000;
  const points = faulty!.points + twin!.points;
  timings.points = points;
  for (const [kind, p] of Object.entries(platforms)) {
    await waitFor(
      () => p.ingest.counters.totals().pointsStored >= points,
      `the ${kind} platform to store all ${points} backfilled points`,
      600_000,
      200,
    );
    await p.store.flush();
    timings[`${kind}StoredS`] = (Date.now() - t0) / 1000;
    // Machines' idle/standby power and production flags, as a person enters them once the devices exist.
    for (const [s, f] of [
      [plant, FAULTY],
      [clean, CLEAN],
    ] as const)
      applyRegistrySettings(p, scenarioRegistrySettings(s), f, 'devices');
  }
  fromMs = faulty!.fromMs;
  toMs = fromMs + PLANT_DAYS * DAY_MS;
}, 900_000);

afterAll(async () => {
  console.info(`[diagnose-truth] ${JSON.stringify(timings)}`);
  await harness.dispose();
  await influx?.dispose();
  await broker?.dispose();
});

async function http<T>(p: RunningPlatform, token: string, method: string, url: string, body?: unknown) {
  const res = await fetch(`${p.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    text,
    json: () => JSON.parse(text) as T,
  };
}

describe.each(STORES)('energy diagnosis vs injected ground truth, %s store', (kind) => {
  let p: RunningPlatform | undefined;
  let inspector = '';
  const result: Record<string, DiagnosisResult> = {};
  const runs: Record<string, DiagnosisRun> = {};
  let checks: Check[] = [];

  beforeAll(async () => {
    p = platforms[kind];
    if (!p) return;
    const created = await http<{ token: string }>(p, harness.adminToken, 'POST', '/api/v1/tokens', {
      name: `inspector-${kind}`,
      role: 'inspector',
      factories: [FAULTY, CLEAN],
    });
    expect(created.status, created.text).toBe(201);
    inspector = created.json().token;
    const t0 = Date.now();
    for (const f of [FAULTY, CLEAN]) {
      const res = await http<DiagnosisRun>(p, inspector, 'POST', `/api/v1/factories/${f}/diagnoses`, {
        from: new Date(fromMs).toISOString(),
        to: toMs,
      });
      expect(res.status, res.text).toBe(202);
      const id = res.json().id;
      runs[f] = await waitFor(
        async () => {
          const r = (
            await http<DiagnosisRun>(p!, inspector, 'GET', `/api/v1/factories/${f}/diagnoses/${id}`)
          ).json();
          return r.status === 'done' || r.status === 'failed' ? r : null;
        },
        `the ${f} diagnosis on the ${kind} store`,
        300_000,
        200,
      );
      expect(runs[f]!.status, runs[f]!.error ?? '').toBe('done');
      const report = await http<DiagnosisResult>(
        p,
        inspector,
        'GET',
        `/api/v1/factories/${f}/diagnoses/${id}/report`,
      );
      expect(report.status).toBe(200);
      result[f] = report.json();
    }
    timings[`${kind}DiagnoseS`] = (Date.now() - t0) / 1000;
    checks = checksFor(result[FAULTY]!, backfill.truth.faults(fromMs, toMs), plant);
    console.info(checksTable(`[diagnose-truth] ${kind} store, ${PLANT_DAYS} days`, checks));
  }, 600_000);

  it('finds every injected energy fault, each magnitude within ±10 % of the ground truth', (ctx) => {
    if (!p) return ctx.skip();
    const energyFaults = plant.faults.filter((f) => !NOT_ENERGY.has(f.type)).map((f) => f.id);
    expect(new Set(checks.map((c) => c.fault))).toEqual(new Set(energyFaults));
    for (const c of checks) {
      for (const id of c.findings) {
        const f = result[FAULTY]!.findings.find((x) => x.id === id);
        expect(f, `${c.fault}: finding ${id}`).toBeDefined();
        expect(f!.severity, `${c.fault}: ${id} must be above info`).not.toBe('info');
      }
      expect(c.found, `${c.fault}: ${c.what} in ${c.findings.join(', ')}`).not.toBeNull();
      expect(
        Math.abs(c.found! - c.truth) / c.truth,
        `${c.fault}: ${c.what} ${c.found} vs ${c.truth}`,
      ).toBeLessThanOrEqual(0.1);
    }
  });

  it('explains every finding above "info" by an injected fault', (ctx) => {
    if (!p) return ctx.skip();
    const explained = new Set([...checks.flatMap((c) => c.findings), ...Object.keys(CONSEQUENCES)]);
    const unexplained = result[FAULTY]!.findings.filter((f) => f.severity !== 'info' && !explained.has(f.id));
    expect(unexplained.map((f) => `${f.severity} ${f.id}: ${f.what.en}`)).toEqual([]);
  });

  it('gives nothing above "info" for the clean twin of the plant', (ctx) => {
    if (!p) return ctx.skip();
    const r = result[CLEAN]!;
    expect(r.factory.meters).toBe(result[FAULTY]!.factory.meters);
    expect(
      r.findings.filter((f) => f.severity !== 'info').map((f) => `${f.severity} ${f.id}: ${f.what.en}`),
    ).toEqual([]);
    expect(runs[CLEAN]!.summary?.worstSeverity ?? 'info').toBe('info');
  });

  it('serves the printable report in zh-CN and English with the findings in it', async (ctx) => {
    if (!p) return ctx.skip();
    const base = `/api/v1/factories/${FAULTY}/diagnoses/${runs[FAULTY]!.id}/report`;
    const zh = await http(p, inspector, 'GET', `${base}?format=html`);
    expect(zh.type).toMatch(/^text\/html/);
    expect(zh.text).toContain('节能诊断');
    const en = await http(p, inspector, 'GET', `${base}?format=html&lang=en`);
    expect(en.text).toMatch(/energy-saving diagnosis/i);
    for (const f of result[FAULTY]!.findings.filter((x) => x.severity !== 'info')) {
      expect(zh.text, f.id).toContain(escapeHtml(f.title.zh));
      expect(en.text, f.id).toContain(escapeHtml(f.title.en));
    }
  });

  it('`xiang diagnose` on the platform data directory gives the same findings and writes the reports', async (ctx) => {
    if (!p) return ctx.skip();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-e2e-diagnose-cli-'));
    try {
      const config = path.join(dir, 'platform.yaml');
      const store = p.config.store.influxUrl
        ? `store:\n  influxUrl: ${p.config.store.influxUrl}\n  database: e2e_diagnose\n  influx:\n    retention:\n      raw: INF\n`
        : '';
      await writeFile(config, `dataDir: ${p.config.dataDir}\n${store}`);
      const err: string[] = [];
      const out: string[] = [];
      const day = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
      const code = await xiang(
        [
          'diagnose',
          '--factory',
          FAULTY,
          '--from',
          day(fromMs),
          '--to',
          day(toMs - DAY_MS),
          '--config',
          config,
          '--out',
          path.join(dir, 'report.html'),
          '--json',
          path.join(dir, 'result.json'),
          '--no-save',
        ],
        { out: (l) => out.push(l), err: (l) => err.push(l) },
      );
      expect(code, err.join('\n')).toBe(0);
      expect(
        err.some((l) => /counters \d+\/\d+/.test(l)),
        'progress on stderr',
      ).toBe(true);
      const cli = JSON.parse(await readFile(path.join(dir, 'result.json'), 'utf8')) as DiagnosisResult;
      const api = result[FAULTY]!;
      expect(cli.period).toEqual(api.period);
      const view = (r: DiagnosisResult) =>
        r.findings.map((f) => [f.id, f.severity, f.evidence.figures.map((g) => g.value)]);
      expect(view(cli)).toEqual(view(api));
      expect(await readFile(path.join(dir, 'report.html'), 'utf8')).toContain('节能诊断');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

/** As the report escapes text (energy/report/svg.ts). */
function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
