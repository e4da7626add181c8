import {
  type BackfillResult,
  runBackfill,
  type Scenario,
  type ScenarioRegistrySettings,
  scenarioRegistrySettings,
} from '@xiang/simulators';
import type { RunningPlatform } from '../../platform/src/main.js';
import { factoryProfileSchema, lineSettingsSchema } from '../../platform/src/registry/model.js';
import { waitFor } from '../harness/ports.js';
import type { PlatformHarness } from '../platform/platform-harness.js';

/**
 * A simulated plant's history in a real platform, wired like scripts/start.ts: the registry gets what a person
 * enters (profile with the shift calendar, lines with ideal cycle times and output counters), then N simulated
 * days travel as xiang/v1 historical batches through the broker into the platform's ingest and store, then the
 * per-machine settings (standby/rated power, compressors are not production equipment) are applied.
 * Finished when the platform has stored every point the backfill sent (a condition, not a sleep).
 */
export type BackfilledPlant = {
  platform: RunningPlatform;
  backfill: BackfillResult;
  settings: ScenarioRegistrySettings;
  dataDir: string;
  ingestMs: number;
};

export async function backfilledPlant(o: {
  harness: PlatformHarness;
  brokerUrl: string;
  protocolVersion: 4 | 5;
  scenario: Scenario;
  days: number;
}): Promise<BackfilledPlant> {
  const dataDir = await o.harness.tempDir('xiang-e2e-oee-');
  const platform = await o.harness.start(o.brokerUrl, dataDir, {
    mqtt: { url: o.brokerUrl, protocolVersion: o.protocolVersion },
  });
  const settings = scenarioRegistrySettings(o.scenario);
  platform.registry.putFactory(factoryProfileSchema.parse(settings.profile));
  for (const l of settings.lines) platform.registry.putLine(lineSettingsSchema.parse(l));
  const t0 = Date.now();
  const backfill = await runBackfill({
    scenario: o.scenario,
    brokerUrl: o.brokerUrl,
    protocolVersion: o.protocolVersion,
    days: o.days,
    agentId: 'history',
    metrics: 'energy', // machine states, counters and ideal cycle times are all kept; per-phase V/I are not
  });
  await waitFor(
    () => platform.ingest.counters.totals().pointsStored >= backfill.points,
    `the platform to store all ${backfill.points} backfilled points`,
    150_000,
    100,
  );
  await platform.store.flush();
  // Per-machine facts a person enters once the devices exist: standby and rated power, and that the
  // compressors are not production equipment (scripts/start.ts does the same).
  for (const d of settings.devices) {
    const patched = platform.registry.patchDevice(o.scenario.factory.id, d.id, d.patch);
    if (!patched) throw new Error(`device ${d.id} is not in the registry after the backfill`);
  }
  return { platform, backfill, settings, dataDir, ingestMs: Date.now() - t0 };
}

export type ApiReply<T> = { status: number; body: T; text: string; contentType: string };

export async function call<T = unknown>(
  p: { url: string },
  token: string,
  method: string,
  urlPath: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiReply<T>> {
  const res = await fetch(`${p.url}${urlPath}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  const parsed = contentType.includes('json') && text ? (JSON.parse(text) as T) : (text as T);
  return { status: res.status, body: parsed, text, contentType };
}

/** GET that must succeed. */
export async function get<T>(p: { url: string }, token: string, urlPath: string): Promise<T> {
  const r = await call<T>(p, token, 'GET', urlPath);
  if (r.status !== 200) throw new Error(`GET ${urlPath}: HTTP ${r.status} ${r.text.slice(0, 500)}`);
  return r.body;
}
