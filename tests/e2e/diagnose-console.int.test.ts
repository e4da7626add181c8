import { loadScenario, runBackfill } from '@xiang/simulators';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../platform/src/broker/embedded.js';
import type { DiagnosisResult } from '../../platform/src/energy/result.js';
import type { RunningPlatform } from '../../platform/src/main.js';
import { waitFor } from '../harness/ports.js';
import { resolveChromium } from '../harness/services.js';
import { PlatformHarness } from '../platform/platform-harness.js';
import { applyRegistrySettings, scenarioRegistrySettings } from './diagnose-plant.js';

/**
 * The console's 节能诊断 page in Debian's Chromium (playwright-core): an inspector signs in, picks a period,
 * starts a diagnosis, sees the run go to "done" in the list, and opens the printable report in a new tab —
 * through a report link, so the report keeps its own inline styling. Three days of the tiny scenario (with
 * its compressed-air leak) come through the real path: backfill → embedded broker → platform → store.
 */
const CHROMIUM = resolveChromium();
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--no-first-run',
];
const WAIT_MS = 60_000;

const harness = new PlatformHarness();
let broker: EmbeddedBroker;
let platform: RunningPlatform;
let browser: Browser;
let inspector: string;

beforeAll(async () => {
  if (!CHROMIUM) return;
  broker = await startEmbeddedBroker();
  const dir = await harness.tempDir('xiang-e2e-diagnose-console-');
  platform = await harness.start(broker.url, dir, { mqtt: { url: broker.url, protocolVersion: 4 } });
  await waitFor(() => platform.ingest.ready(), 'platform subscribed to the broker', 15_000);
  const scenario = await loadScenario('tiny');
  const settings = scenarioRegistrySettings(scenario);
  applyRegistrySettings(platform, settings, 'tiny', 'profile');
  const b = await runBackfill({
    scenario,
    brokerUrl: broker.url,
    protocolVersion: 4,
    days: 3,
    metrics: 'energy',
  });
  await waitFor(
    () => platform.ingest.counters.totals().pointsStored >= b.points,
    `the platform to store ${b.points} points`,
    120_000,
    100,
  );
  await platform.store.flush();
  applyRegistrySettings(platform, settings, 'tiny', 'devices');
  const res = await fetch(`${platform.url}/api/v1/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${harness.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: '节能监察员', role: 'inspector', factories: ['tiny'] }),
  });
  inspector = ((await res.json()) as { token: string }).token;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await harness.dispose();
  await broker?.close();
});

const ready = (page: Page, name: string) =>
  page.waitForSelector(`main[data-page="${name}"][data-ready="true"]`);

describe.skipIf(!CHROMIUM)('节能诊断 page in Chromium', () => {
  it('an inspector starts a run for a period, sees it finish and opens the styled report', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    context.on('page', (p) => {
      p.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      p.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
    });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    await page.goto(`${platform.url}/`);
    await ready(page, 'signin');
    await page.fill('#token', inspector);
    await page.click('form.signin-form button[type="submit"]');
    // Signed in, the console opens the factory's energy overview (the identity page only without a factory).
    await page.waitForSelector('main[data-page="energy"], #identity');

    await page.goto(`${platform.url}/#/diagnoses/tiny`);
    await ready(page, 'diagnoses');
    expect(await page.locator('main .empty').count()).toBe(1); // no run yet
    await page.fill('#diagnose-from', '2025-03-03');
    await page.fill('#diagnose-to', '2025-03-05');
    await page.click('#diagnose-start');
    // The list refreshes itself until the run is done.
    await page.waitForSelector('#diagnoses-table [data-status="done"]');
    const row = page.locator('#diagnoses-table tbody tr').first();
    expect(await row.textContent()).toContain('2025-03-03 – 2025-03-05');
    expect(await row.textContent()).toContain('节能监察员');

    const [report] = await Promise.all([context.waitForEvent('page'), row.locator('a.report-html').click()]);
    await report.waitForLoadState('load');
    expect(report.url()).toMatch(/\/api\/v1\/diagnosis-reports\/[A-Za-z0-9_-]{32}$/);
    expect(await report.textContent('body')).toContain('节能诊断');
    expect(await report.textContent('body')).toContain('空压机'); // the leak on the compressor meter
    // The report's inline stylesheet applied (a blob opened from the console would have lost it to the CSP).
    const styled = await report.evaluate<boolean>(
      "[...document.querySelectorAll('style')].length > 0 && [...document.querySelectorAll('style')].every((s) => s.sheet && s.sheet.cssRules.length > 0)",
    );
    expect(styled).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it('the default period (form left as prefilled): the leak is found, no finding above info comes from missing data, coverage is stated (issue 9)', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    await page.goto(`${platform.url}/`);
    await ready(page, 'signin');
    await page.fill('#token', inspector);
    await page.click('form.signin-form button[type="submit"]');
    // Signed in, the console opens the factory's energy overview (the identity page only without a factory).
    await page.waitForSelector('main[data-page="energy"], #identity');
    await page.goto(`${platform.url}/#/diagnoses/tiny`);
    await ready(page, 'diagnoses');
    const before = await runs();
    await page.click('#diagnose-start'); // the console's default period, as an inspector gets it
    await waitFor(async () => (await runs()).length > before.length, 'the default-period run', WAIT_MS);
    const after = await runs();
    const id = after.find((r) => !before.some((b) => b.id === r.id))?.id as string;
    await context.close();
    assertHonest(await result(id));

    // Asked for ten days from the data's start — longer than the data, as after the platform stopped: only the
    // data is judged (the 400-day cap keeps "up to today" out of reach of a 2025 scenario).
    const res = await call('POST', '/factories/tiny/diagnoses', {
      from: DATA_FROM_MS,
      to: DATA_FROM_MS + 10 * DAY_MS,
    });
    const longer = await result(((await res.json()) as { id: string }).id);
    assertHonest(longer);
    expect(longer.period.coverage).toMatchObject({ clipped: true, requested: { fromMs: DATA_FROM_MS } });
    expect(longer.period.toMs).toBeLessThanOrEqual(DATA_FROM_MS + 3 * DAY_MS);
    expect(longer.period.coverage?.evaluatedShare).toBeLessThanOrEqual(0.3);
  }, 180_000);
});

const DAY_MS = 86_400_000;
/** The tiny scenario's start (scenario `start`), where the three backfilled days begin. */
const DATA_FROM_MS = Date.parse('2025-03-03T00:00:00+08:00');

const call = (method: string, p: string, body?: unknown) =>
  fetch(`${platform.url}/api/v1${p}`, {
    method,
    headers: { authorization: `Bearer ${inspector}`, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
const runs = async () => (await (await call('GET', '/factories/tiny/diagnoses')).json()) as { id: string }[];
async function result(id: string): Promise<DiagnosisResult> {
  let status = '';
  await waitFor(
    async () => {
      status = ((await (await call('GET', `/factories/tiny/diagnoses/${id}`)).json()) as { status: string })
        .status;
      return status === 'done' || status === 'failed';
    },
    `diagnosis run ${id} to finish`,
    WAIT_MS,
  );
  expect(status).toBe('done');
  return (await (
    await call('GET', `/factories/tiny/diagnoses/${id}/report?format=json`)
  ).json()) as DiagnosisResult;
}

/**
 * The scenario's compressed-air leak is found on the compressor meter; every finding above info that the
 * metering-data rule makes is the injected bad THD channel (thd-sensor-bad on M-AC01), none a frozen counter
 * or missing data; the period's coverage is stated.
 */
function assertHonest(r: DiagnosisResult) {
  const seen = JSON.stringify(r.findings.map((f) => [f.id, f.severity, f.what.en]));
  const leak = r.findings.find((f) => f.rule === 'compressedAirLeak');
  expect(leak?.severity, seen).not.toBe('info');
  const fromData = r.findings.filter(
    (f) => f.severity !== 'info' && (f.rule === 'meteringData' || /frozen|missing|coverage/i.test(f.what.en)),
  );
  for (const f of fromData) {
    expect(f.id, seen).toBe('meteringData:M-AC01');
    expect(f.what.en).toMatch(/^voltageThd: 100 % without a good value/);
  }
  expect(r.period.coverage?.evaluatedShare).toBeGreaterThan(0);
  expect(r.period.coverage?.dataExtent.firstMs).toBe(DATA_FROM_MS);
}
