import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Birth, DataBatch, Metric } from '@xiang/protocol';
import { topicFor } from '@xiang/protocol';
import {
  createSimulation,
  groundTruth,
  loadScenario,
  runBackfill,
  type Scenario,
  scenarioRegistrySettings,
  startTruthServer,
  type TruthServer,
} from '@xiang/simulators';
import mqtt from 'mqtt';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../platform/src/broker/embedded.js';
import type { RunningPlatform } from '../../platform/src/main.js';
import { factoryProfileSchema, lineSettingsSchema } from '../../platform/src/registry/model.js';
import { waitFor } from '../harness/ports.js';
import { resolveChromium } from '../harness/services.js';
import { PlatformHarness } from '../platform/platform-harness.js';

/**
 * The plant behind the energy-console suite: three days of the default scenario (hunan-machining, 38 meters,
 * 58 machines) from Monday 2025-03-03 00:00 +08:00 through the real path (backfill → embedded broker → platform
 * → embedded store), its ground truth served by the simulator's own truth HTTP server, and a small second
 * factory ("ALM", one incomer fed by a test agent) whose load the alarm test raises at wall-clock time.
 */
export const FACTORY = 'hn-gearbox';
export const ALARM_FACTORY = 'ALM';
const H = 3_600_000;
export const HISTORY_START = Date.parse('2025-03-03T00:00:00+08:00');
export const DAYS = 3;
/** "Now" of the overview under test: Wednesday 15:00 local, a quarter-hour boundary inside the history. */
export const AT = Date.parse('2025-03-05T15:00:00+08:00');
export const DAY_START = Date.parse('2025-03-05T00:00:00+08:00');

export const CHROMIUM = resolveChromium();
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--no-first-run',
];
export const ARTIFACTS = process.env.XIANG_TEST_ARTIFACTS ?? path.resolve('.data/artifacts/console');

export type Plant = {
  harness: PlatformHarness;
  broker: EmbeddedBroker;
  platform: RunningPlatform;
  truth: TruthServer;
  scenario: Scenario;
  browser: Browser;
  admin: string;
};

export async function startPlant(): Promise<Plant> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const harness = new PlatformHarness();
  const broker = await startEmbeddedBroker();
  const dir = await harness.tempDir('xiang-energy-console-');
  const platform = await harness.start(broker.url, dir, { mqtt: { url: broker.url, protocolVersion: 4 } });
  await waitFor(() => platform.ingest.ready(), 'platform subscribed to the broker', 15_000);
  const scenario = await loadScenario('hunan-machining');
  const settings = scenarioRegistrySettings(scenario);
  platform.registry.putFactory(factoryProfileSchema.parse(settings.profile));
  for (const l of settings.lines) platform.registry.putLine(lineSettingsSchema.parse(l));
  const sim = createSimulation(scenario, { startMs: HISTORY_START, historyDays: DAYS + 1 });
  const b = await runBackfill({
    scenario,
    simulation: sim,
    brokerUrl: broker.url,
    protocolVersion: 4,
    days: DAYS,
    metrics: 'energy',
    agentId: 'history',
  });
  await waitFor(
    () => platform.ingest.counters.totals().pointsStored >= b.points,
    `the platform to store ${b.points} points`,
    240_000,
    200,
  );
  await platform.store.flush();
  for (const d of settings.devices) platform.registry.patchDevice(FACTORY, d.id, d.patch);
  const truth = await startTruthServer(groundTruth(sim));
  const browser = await chromium.launch({ executablePath: CHROMIUM ?? undefined, args: ARGS });
  return { harness, broker, platform, truth, scenario, browser, admin: harness.adminToken };
}

export async function stopPlant(p: Plant | undefined): Promise<void> {
  await p?.browser.close();
  await p?.truth.close();
  await p?.harness.dispose();
  await p?.broker.close();
}

export async function api<T>(p: Plant, urlPath: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${p.platform.url}${urlPath}`, {
    ...init,
    headers: {
      authorization: `Bearer ${p.admin}`,
      'content-type': 'application/json',
      ...(init.headers ?? {}),
    },
  });
  if (!res.ok) throw new Error(`${urlPath}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export async function truth<T>(p: Plant, urlPath: string): Promise<T> {
  const res = await fetch(`${p.truth.url}${urlPath}`);
  if (!res.ok) throw new Error(`truth ${urlPath}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A page signed in with the token, in zh-CN, recording script errors, CSP violations and console errors. */
export async function signedInPage(
  p: Plant,
  viewport: { width: number; height: number },
  problems: string[],
  o: { theme?: 'light' | 'dark'; lang?: 'zh-CN' | 'en' } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await p.browser.newContext({ viewport, locale: 'zh-CN' });
  // A string: this file is type-checked without the DOM library.
  const prefs = {
    'xiang.token': p.admin,
    'xiang.theme': o.theme ?? 'light',
    'xiang.lang': o.lang ?? 'zh-CN',
  };
  await context.addInitScript(
    `for (const [k, v] of Object.entries(${JSON.stringify(prefs)})) localStorage.setItem(k, v);`,
  );
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  return { context, page };
}

export async function open(page: Page, p: Plant, hash: string, name: string): Promise<void> {
  await page.goto(`${p.platform.url}/#/${hash}`);
  await page.waitForSelector(`main[data-page="${name}"][data-ready="true"]`);
}

// ---- the alarm factory: one incomer meter fed by an independent MQTT client --------------------------------

/** A metric of one meter as an agent's birth declares it. */
export const meterMetric = (
  deviceId: string,
  i: number,
  key: string,
  quantity: Metric['quantity'],
  kind: Metric['kind'],
  unit: string,
): Metric => ({
  i,
  deviceId,
  key,
  quantity,
  kind,
  datatype: 'double',
  unit,
  samplingIntervalMs: 0,
});

export const ALARM_BASE_KW = 20;

export function alarmBirth(sessionId: string, atMs: number): Birth {
  return {
    sessionId,
    seq: 0,
    timestamp: atMs,
    agent: { version: '0.1.0', hostname: 'test-agent' },
    assets: [],
    devices: [
      {
        id: 'ALM-MAIN',
        kind: 'meter',
        assetPath: '',
        name: '测试进线',
        medium: 'electricity',
        meterRole: 'mainIncomer',
      },
    ],
    metrics: [
      meterMetric('ALM-MAIN', 0, 'activePower', 'activePower', 'gauge', 'kW'),
      meterMetric('ALM-MAIN', 1, 'energyImport', 'activeEnergyImport', 'counter', 'kWh'),
    ],
  };
}

/** Two days of a steady 20 kW (power and counter every 15 min) ending at `endMs`. */
export function alarmHistory(sessionId: string, endMs: number): DataBatch {
  const points: DataBatch['points'] = [];
  const start = Math.floor((endMs - 48 * H) / 900_000) * 900_000;
  for (let t = start, k = 0; t < endMs; t += 900_000, k++)
    points.push([0, t, ALARM_BASE_KW], [1, t, 1000 + k * 5]);
  return { sessionId, seq: 1, historical: true, points };
}

export async function publish(
  p: Plant,
  agentId: string,
  messages: { kind: 'birth' | 'data'; body: unknown }[],
) {
  const client = await mqtt.connectAsync(p.broker.url, {
    protocolVersion: 4,
    clientId: `test-agent-${agentId}`,
    clean: true,
    reconnectPeriod: 0,
  });
  try {
    for (const m of messages)
      await client.publishAsync(topicFor(m.kind, ALARM_FACTORY, agentId), JSON.stringify(m.body), { qos: 1 });
  } finally {
    await client.endAsync();
  }
}
