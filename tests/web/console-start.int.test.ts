import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadScenario } from '@xiang/simulators';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { descendants, kill, type Launched, launch, waitForOutput } from '../e2e/processes.js';
import { freePort } from '../harness/ports.js';
import { resolveChromium } from '../harness/services.js';
import { ARTIFACTS } from './energy-plant.js';

/**
 * Issue 12, "done when": after `npm start` the printed URL opens on the energy overview with today's figures,
 * in zh-CN, with the English switch — on the user's own path: the real `npm start` (default scenario, one day of
 * history, its embedded broker and store, a private port and data directory), its output read as a person reads
 * it, the Console URL opened in Debian's Chromium with nothing in storage. Before, that URL opened the sign-in
 * page and, once a token was pasted, an identity page one click short of the overview.
 */
const CHROMIUM = resolveChromium();
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
let dir = '';
let started: Launched | null = null;
let browser: Browser | null = null;
afterAll(async () => {
  await browser?.close();
  // Only when the test stopped early: the processes this test started, by pid.
  if (started) for (const pid of [...descendants(started.pid), started.pid]) kill(pid);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!CHROMIUM)('npm start → the printed console URL', () => {
  it('opens on the energy overview with today’s figures, zh-CN first, English on the switch', {
    timeout: 900_000,
  }, async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-console-start-'));
    const port = await freePort();
    started = launch('npm', [
      'start',
      '--',
      '--history-days',
      '1',
      '--http-port',
      String(port),
      '--data-dir',
      dir,
    ]);
    await waitForOutput(started, /press Ctrl-C to stop/, 'npm start ready', 840_000);
    const out = started.output();
    const link = (/控制台 Console\s+(\S+)/.exec(out) as RegExpExecArray)[1]!;
    expect(link).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/#once=[\\w-]{32}$`));
    // The link carries a one-time code, not the admin token.
    const token = /Admin token\s+(xg_\S+)/.exec(out)?.[1];
    expect(token).toBeDefined();
    expect(link).not.toContain(token!);

    browser = await chromium.launch({ executablePath: CHROMIUM ?? undefined, args: ARGS });
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
    const page = await context.newPage();
    page.setDefaultTimeout(120_000);
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
    });
    await page.goto(link);
    await page.waitForSelector('main[data-page="energy"][data-ready="true"]');
    expect(page.url()).toBe(`http://127.0.0.1:${port}/#/energy/hn-gearbox`);
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await page.textContent('main h1')).toContain('能源总览');
    // Today's figures: electricity in kWh and the day's tce, from stored history and live data.
    const cell = '#energy-media [data-period="today"][data-medium="electricity"]';
    const kwh = Number(await page.getAttribute(cell, 'data-value'));
    expect(kwh).toBeGreaterThan(0);
    const todayCard = '#energy-periods [data-period="today"]';
    const tce = await page.getAttribute(todayCard, 'data-tce');
    const { factory } = await loadScenario('hunan-machining');
    const localMinute = ((Date.now() + factory.utcOffsetMinutes * 60_000) % 86_400_000) / 60_000;
    if (tce === '' && localMinute < 60) {
      // The first hour of the plant's day (this test failed at 00:08 Beijing time with the tce empty): while a
      // counted medium has no reading of today yet the period's coverage is 0 and today's comprehensive energy
      // is unknown — the card must say "—", never 0 — though the electricity row already has its kWh.
      expect(await page.textContent(`${todayCard} .stat-value`)).toContain('—');
    } else expect(Number(tce), `today's tce at local minute ${localMinute.toFixed(0)}`).toBeGreaterThan(0);
    expect(await page.textContent('#energy-periods')).toContain('今日');
    await page.waitForSelector('#load-chart[data-chart-ready="true"]');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'npm-start-link-overview-1366.png'), fullPage: true });

    await page.click('button.lang-toggle');
    await page.waitForSelector('html[lang="en"] main[data-page="energy"][data-ready="true"]');
    expect(await page.textContent('main h1')).toContain('Energy overview');
    expect(await page.textContent('#energy-periods')).toContain('Today');
    expect(Number(await page.getAttribute(cell, 'data-value'))).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    await context.close();

    const { left } = await started.signal('SIGTERM');
    started = null;
    expect(left).toEqual([]);
  });
});
