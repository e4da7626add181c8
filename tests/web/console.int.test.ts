import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Birth, type DataBatch, topicFor } from '@xiang/protocol';
import mqtt from 'mqtt';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../platform/src/broker/embedded.js';
import { type RunningPlatform, startPlatform } from '../../platform/src/main.js';
import { waitFor } from '../harness/ports.js';
import { resolveChromium } from '../harness/services.js';
import { birthF1, birthF2, dataF1, dataF2, EXPECTED, SCREENSHOT } from './fixtures.js';

/**
 * The web console end to end: the real platform (embedded store, SQLite registry, MQTT ingest from the
 * embedded aedes broker) fed a xiang/v1 birth + data batch by an independent mqtt.js client, and the console
 * driven in Debian's Chromium through playwright-core. Every wait is on a page or API condition.
 */

const CHROMIUM = resolveChromium();
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];
const WAIT_MS = 20_000;

let broker: EmbeddedBroker;
let platform: RunningPlatform;
let dataDir: string;
let browser: Browser;
let factoryF2Token: string;
const adminToken = `console-admin-${randomBytes(16).toString('hex')}`;

async function api<T>(token: string, urlPath: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${platform.url}${urlPath}`, {
    ...init,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(init.headers ?? {}),
    },
  });
  if (!res.ok) throw new Error(`${urlPath}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function publishAgent(factoryId: string, agentId: string, birth: Birth, batch: DataBatch) {
  const client = await mqtt.connectAsync(broker.url, {
    protocolVersion: 4, // aedes speaks MQTT 3.1.1
    clientId: `test-agent-${factoryId}-${agentId}`,
    clean: true,
    reconnectPeriod: 0,
  });
  try {
    await client.publishAsync(topicFor('birth', factoryId, agentId), JSON.stringify(birth), { qos: 1 });
    await client.publishAsync(topicFor('data', factoryId, agentId), JSON.stringify(batch), { qos: 1 });
  } finally {
    // Not a death: the agent's devices stay online, as after a network blip of the test client.
    await client.endAsync();
  }
}

/** A page that records script errors and CSP violations (failed API calls are expected: 403/404). */
async function newPage(context: BrowserContext, problems: string[]): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
  });
  return page;
}

async function ready(page: Page, name: string) {
  await page.waitForSelector(`main[data-page="${name}"][data-ready="true"]`);
}

async function signIn(page: Page, token: string) {
  await page.goto(`${platform.url}/`);
  await ready(page, 'signin');
  await page.fill('#token', token);
  await page.click('form.signin-form button[type="submit"]');
  // Signed in, the console goes straight to the factory's energy overview (no identity page in between).
  await page.waitForSelector('main[data-page="energy"]');
}

beforeAll(async () => {
  if (!CHROMIUM) return;
  broker = await startEmbeddedBroker();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'xiang-console-'));
  platform = await startPlatform({
    dataDir,
    adminToken,
    logLevel: 'silent',
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { url: broker.url, protocolVersion: 4, clientId: 'platform-console-test' },
    ingest: { autoRegisterFactories: true },
  });
  await waitFor(() => platform.ingest.ready(), 'platform subscribed to the broker', 15_000);
  await publishAgent('F1', 'A1', birthF1, dataF1);
  await publishAgent('F2', 'A2', birthF2, dataF2);
  await waitFor(
    async () => (await api<unknown[]>(adminToken, '/api/v1/factories/F1/latest')).length === 5,
    'the five F1 series stored',
    15_000,
  );
  await waitFor(
    async () => (await api<unknown[]>(adminToken, '/api/v1/factories/F2/latest')).length === 1,
    'the F2 series stored',
    15_000,
  );
  const created = await api<{ token: string }>(adminToken, '/api/v1/tokens', {
    method: 'POST',
    body: JSON.stringify({ name: '望城空压站 能源主管', role: 'factory', factories: ['F2'] }),
  });
  factoryF2Token = created.token;
  browser = await chromium.launch({ executablePath: CHROMIUM ?? undefined, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
  await broker?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe.skipIf(!CHROMIUM)('web console in Chromium', () => {
  it('serves the console with its CSP from the platform itself', async () => {
    const res = await fetch(`${platform.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'self'/);
  });

  it('/docs (Swagger UI) renders under its CSP without a violation or script error', async () => {
    const problems: string[] = [];
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await newPage(context, problems);
    const res = await page.goto(`${platform.url}/docs`);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.waitForSelector('.swagger-ui .opblock');
    expect(await page.locator('.swagger-ui .opblock').count()).toBeGreaterThan(20);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('admin: sign in, asset tree, latest values with units, charts, ingest, placeholders, English', async () => {
    const problems: string[] = [];
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    const page = await newPage(context, problems);

    await signIn(page, adminToken);
    expect(page.url()).toBe(`${platform.url}/#/energy/F1`);
    // Who am I: the sign-in page, visited signed in.
    await page.goto(`${platform.url}/#/signin`);
    await ready(page, 'signin');
    expect(await page.textContent('#identity [data-role]')).toBe('管理员');
    const factoryCells = await page.locator('#factory-table tbody tr td:first-child').allTextContents();
    expect(factoryCells).toEqual(['F1', 'F2']);

    // Asset tree: factory → workshop → line → station, with the devices named in the birth.
    await page.click('#sidenav a:has-text("资产树")');
    await ready(page, 'assets');
    const tree = await page.textContent('#asset-tree');
    for (const name of [
      '机加一车间',
      '1号产线',
      '车削工位',
      '总进线电能表',
      '车间馈线表',
      '数控车床 CK6150',
    ]) {
      expect(tree).toContain(name);
    }
    expect(await page.locator('#asset-tree li[data-level="station"]').count()).toBe(1);
    expect(await page.textContent('#asset-tree li[data-path="WS1"] > details > summary')).toContain(
      '2/2 在线',
    );
    expect(tree).not.toContain('空压机'); // F2's device

    // Latest values with their units (and the OPC 40001 state name).
    await page.goto(`${platform.url}/#/latest/F1`);
    await ready(page, 'latest');
    const m0 = page.locator('table.latest[data-device-id="M0"]');
    expect(await m0.locator('tr:has(td:text-is("activePower")) .value').textContent()).toBe(
      EXPECTED.lastPowerText,
    );
    expect(await m0.locator('tr:has(td:text-is("energyImport")) .value').textContent()).toBe(
      EXPECTED.lastEnergyText,
    );
    expect(
      await page
        .locator('table.latest[data-device-id="C1"] tr:has(td:text-is("state")) .value')
        .textContent(),
    ).toBe('加工中 (3)');

    // Gauge chart: published on change, drawn as a step line (last value held) by ECharts, averaged over time.
    await page.goto(`${platform.url}/#/chart/F1?device=M0&metric=activePower&range=6h&interval=5m`);
    await ready(page, 'chart');
    await page.waitForSelector('#chart[data-kind="step"] #chart-canvas[data-chart-ready="true"]');
    expect(await page.getAttribute('#chart', 'data-gaps')).toBe('0');
    // 118.4 + (k mod 7) kW, one value a minute: the time-weighted mean lies inside the values' range.
    const twa = Number(await page.getAttribute('#chart', 'data-twa'));
    expect(twa).toBeGreaterThan(118.4);
    expect(twa).toBeLessThan(124.4);
    expect(await page.textContent('#chart-summary')).toMatch(/最小 .+ kW · 时间加权平均 .+ kW · 最大 .+ kW/);
    // Six hours asked for, three stored: the range is clipped to the data and says so.
    expect(await page.getAttribute('#chart .period-note', 'data-clipped')).toBe('true');
    await page.screenshot({ path: SCREENSHOT });

    // Counter chart, chosen with the form: consumption per interval as bars; 2 kWh per minute → 30 kWh per
    // full 15-min interval.
    await page.selectOption('#chart-metric', 'energyImport');
    await page.selectOption('#chart-interval', '15m');
    await page.click('#chart-form button[type="submit"]');
    await page.waitForSelector(
      'main[data-ready="true"] #chart[data-kind="bars"] #chart-canvas[data-chart-ready="true"]',
    );
    expect(page.url()).toContain('metric=energyImport');
    const cells = await page.locator('#chart details.chart-table td.num').allTextContents();
    expect(cells.filter((c) => c === '30 kWh').length).toBeGreaterThanOrEqual(10);
    expect(cells).not.toContain('0 kWh'); // no interval is read as zero

    // Admin ingest statistics.
    await page.goto(`${platform.url}/#/ingest`);
    await ready(page, 'ingest');
    const stored = await page.textContent('#stat-points-stored .stat-value');
    expect(Number(stored?.replace(/,/g, ''))).toBeGreaterThanOrEqual(EXPECTED.pointsStored);

    // Diagnostics / grading: a clear notice while the API lacks them, a list once it has them; never a crash.
    for (const [name, tableId] of [
      ['diagnoses', '#diagnoses-table'],
      ['grading', '#assessments-table'],
    ] as const) {
      await page.goto(`${platform.url}/#/${name}/F1`);
      await ready(page, name);
      const shown = await page.locator(`#not-available, ${tableId}, main .empty`).count();
      expect(shown, name).toBeGreaterThan(0);
      expect(await page.locator('main [role="alert"]').count(), name).toBe(0);
    }

    // Switch to English: labels change, the choice survives a reload.
    await page.goto(`${platform.url}/#/assets/F1`);
    await ready(page, 'assets');
    await page.click('button.lang-toggle');
    await page.waitForSelector('html[lang="en"] #sidenav a:has-text("Asset tree")');
    await ready(page, 'assets');
    expect(await page.textContent('main h1')).toBe('Asset tree');
    expect(await page.textContent('#asset-tree li[data-path="WS1"] > details > summary')).toContain(
      '2/2 online',
    );
    await page.reload();
    await ready(page, 'assets');
    expect(await page.textContent('#sidenav')).toContain('Latest values');

    // Tablet: nothing wider than the screen.
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.goto(`${platform.url}/#/devices/F1`);
    await ready(page, 'devices');
    // A string expression: this file is type-checked without the DOM library.
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);

    expect(problems).toEqual([]);
    await context.close();
  });

  it("a factory token sees its own factory and is refused another factory's data", async () => {
    const problems: string[] = [];
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await newPage(context, problems);
    await signIn(page, factoryF2Token);
    expect(page.url()).toBe(`${platform.url}/#/energy/F2`);
    await page.goto(`${platform.url}/#/signin`);
    await ready(page, 'signin');
    expect(await page.textContent('#identity [data-role]')).toBe('工厂用户');
    expect(await page.locator('#factory-table tbody tr td:first-child').allTextContents()).toEqual(['F2']);
    expect(await page.locator('#factory-select option').allTextContents()).toEqual(['F2']);
    expect(await page.locator('#sidenav a:has-text("接入统计")').count()).toBe(0);

    await page.goto(`${platform.url}/#/assets/F2`);
    await ready(page, 'assets');
    expect(await page.textContent('#asset-tree')).toContain('空压机 2号');

    await page.goto(`${platform.url}/#/assets/F1`);
    await ready(page, 'assets');
    const alert = await page.textContent('main [role="alert"]');
    expect(alert).toContain('HTTP 403');
    expect(alert).toContain('is not allowed to access factory "F1"'); // the API's problem detail
    expect(await page.locator('#asset-tree').count()).toBe(0);
    expect(await page.textContent('main')).not.toContain('总进线电能表');

    await page.goto(`${platform.url}/#/ingest`);
    await ready(page, 'ingest');
    expect(await page.textContent('main [role="alert"]')).toContain('需要管理员令牌');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('the one-time link npm start prints signs in once and opens on the energy overview', async () => {
    const problems: string[] = [];
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    const page = await newPage(context, problems);
    const link = platform.consoleSignInUrl();
    expect(link).toMatch(/\/#once=[\w-]{32}$/);
    await page.goto(link);
    await ready(page, 'energy');
    // The code left the address bar (and the history entry) before anything else; the token is kept.
    expect(page.url()).toBe(`${platform.url}/#/energy/F1`);
    expect(await page.evaluate<string | null>("localStorage.getItem('xiang.token')")).toBe(adminToken);
    expect(await page.evaluate<string>('JSON.stringify(history.state) + location.href')).not.toContain(
      'once',
    );
    // The same link again in this browser: spent, but the session stays — still the overview.
    await page.goto(link);
    await ready(page, 'energy');
    // In another browser the spent link says so on the sign-in page, and a deep link survives the sign-in.
    const other = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    const page2 = await newPage(other, problems);
    await page2.goto(link);
    await ready(page2, 'signin');
    expect(await page2.textContent('#signin-link-spent')).toContain('已经用过');
    await page2.goto(`${platform.url}/#/assets/F1`);
    await ready(page2, 'signin');
    await page2.fill('#token', adminToken);
    await page2.click('form.signin-form button[type="submit"]');
    await ready(page2, 'assets');
    expect(page2.url()).toBe(`${platform.url}/#/assets/F1`);
    expect(problems).toEqual([]);
    await other.close();
    await context.close();
  });
});
