import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../harness/ports.js';
import {
  ALARM_BASE_KW,
  ALARM_FACTORY,
  ARTIFACTS,
  AT,
  alarmBirth,
  alarmHistory,
  api,
  CHROMIUM,
  DAY_START,
  FACTORY,
  open,
  type Plant,
  publish,
  signedInPage,
  startPlant,
  stopPlant,
  truth,
} from './energy-plant.js';

/**
 * The energy console in Debian's Chromium against three days of the default scenario that came through the real
 * path, with the simulator's truth HTTP server as the reference: the overview's figures equal the API's and the
 * ground truth for the day (consumption per medium, peak 15-min demand), the main incomer's load curve drawn from
 * its on-change power gauge is continuous and its time-weighted mean equals the true mean power, every page renders
 * without a script error or CSP violation at 1366×768 and 390 px (screenshots saved), and an off-shift load
 * injected by an independent MQTT client raises the alarm within one evaluation interval.
 */
let plant: Plant;

beforeAll(async () => {
  if (!CHROMIUM) return;
  plant = await startPlant();
}, 420_000);
afterAll(async () => stopPlant(plant));

type Overview = {
  periods: { key: string; media: { medium: string; quantity: number | null; coverage: number }[] }[];
  load: { meterId: string; peakToday: { kw: number; startMs: number } | null };
};

/** Root meters per medium, from the scenario itself (meters without a parent). */
function roots(p: Plant): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of p.scenario.meters) if (!m.parent) out.set(m.medium, [...(out.get(m.medium) ?? []), m.id]);
  return out;
}

describe.skipIf(!CHROMIUM)('energy console in Chromium (default scenario, 3 days)', () => {
  it("overview: today's consumption per medium and the peak 15-min demand equal the ground truth", async () => {
    const ov = await api<Overview>(plant, `/api/v1/factories/${FACTORY}/energy/overview?at=${AT}`);
    const today = ov.periods.find((x) => x.key === 'today')!;
    const rows: string[] = [];
    for (const [medium, ids] of roots(plant)) {
      let want = 0;
      for (const id of ids)
        want += (
          await truth<{ value: number }>(plant, `/truth/meters/${id}/increase?from=${DAY_START}&to=${AT}`)
        ).value;
      const got = today.media.find((m) => m.medium === medium);
      rows.push(`${medium}: overview ${got?.quantity} truth ${want}`);
      expect(got?.coverage, medium).toBe(1);
      // Counters are read from the store exactly at tick boundaries: agreement to float rounding.
      expect(Math.abs((got?.quantity ?? Number.NaN) - want), medium).toBeLessThanOrEqual(
        1e-6 * Math.max(1, want),
      );
    }
    const main = plant.scenario.meters.find((m) => m.role === 'mainIncomer')!.id;
    const peak = await truth<{ kw: number; blockStartMs: number }>(
      plant,
      `/truth/meters/${main}/max-demand?from=${DAY_START}&to=${AT}`,
    );
    expect(ov.load.meterId).toBe(main);
    expect(ov.load.peakToday?.startMs).toBe(peak.blockStartMs);
    expect(Math.abs(ov.load.peakToday!.kw - peak.kw)).toBeLessThanOrEqual(1e-6 * peak.kw);
    console.info(`[energy] ${rows.join('; ')}; peak ${ov.load.peakToday?.kw} kW vs truth ${peak.kw} kW`);

    // The page shows the API's figures; the load curve of the on-change power gauge is continuous and its
    // time-weighted mean is the true mean power (counter increase ÷ time).
    const problems: string[] = [];
    const { context, page } = await signedInPage(plant, { width: 1366, height: 768 }, problems);
    await open(page, plant, `energy/${FACTORY}?at=${AT}`, 'energy');
    for (const m of today.media) {
      const shown = await page.getAttribute(
        `#energy-media [data-period="today"][data-medium="${m.medium}"]`,
        'data-value',
      );
      expect(Number(shown), m.medium).toBe(m.quantity);
    }
    await page.waitForSelector('#load-chart[data-chart-ready="true"]');
    const curve = page.locator('#load-curve');
    expect(Number(await curve.getAttribute('data-peak-kw'))).toBe(ov.load.peakToday!.kw);
    expect(await curve.getAttribute('data-gaps')).toBe('0');
    expect(Number(await curve.getAttribute('data-known-share'))).toBe(1);
    const kwh = (
      await truth<{ value: number }>(plant, `/truth/meters/${main}/increase?from=${DAY_START}&to=${AT}`)
    ).value;
    const meanKw = (kwh * 3_600_000) / (AT - DAY_START);
    const twa = Number(await curve.getAttribute('data-twa-kw'));
    console.info(`[energy] load curve time-weighted mean ${twa} kW, truth ${meanKw} kW`);
    // The simulator's counter is the integral of its published power, so the step series integrates exactly.
    expect(Math.abs(twa - meanKw) / meanKw).toBeLessThan(1e-9);
    await page.screenshot({ path: path.join(ARTIFACTS, 'energy-overview-1366.png'), fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);

  it('every page renders without script errors or CSP violations at 1366×768 and 390 px (screenshots saved)', async () => {
    const from = '2025-03-03';
    const to = '2025-03-05';
    const pages: [string, string, string][] = [
      ['energy', `energy/${FACTORY}?at=${AT}`, '#load-chart'],
      ['flow', `flow/${FACTORY}?from=${from}&to=${to}&medium=electricity&node=M-WS1`, '#node-heatmap'],
      ['alarms', `alarms/${FACTORY}`, ''],
      ['lines', `lines/${FACTORY}?at=${AT}&line=WS1/GL`, '#gantt-chart'],
      ['chart', `chart/${FACTORY}?device=M-MAIN&metric=activePower&range=24h`, '#chart-canvas'],
      ['diagnoses', `diagnoses/${FACTORY}`, ''],
      ['grading', `grading/${FACTORY}`, ''],
      ['overview', `overview/${FACTORY}`, ''],
      ['assets', `assets/${FACTORY}`, ''],
      ['devices', `devices/${FACTORY}`, ''],
      ['latest', `latest/${FACTORY}`, ''],
      ['settings', `settings/${FACTORY}`, ''],
      ['ingest', 'ingest', ''],
    ];
    for (const [viewport, theme] of [
      [{ width: 1366, height: 768 }, 'light'],
      [{ width: 390, height: 844 }, 'dark'],
    ] as const) {
      const problems: string[] = [];
      const { context, page } = await signedInPage(plant, viewport, problems, { theme });
      for (const [name, hash, chart] of pages) {
        await open(page, plant, hash, name);
        expect(await page.locator('main [role="alert"]').count(), `${name}: error box`).toBe(0);
        if (chart) await page.waitForSelector(`${chart}[data-chart-ready="true"]`);
        const overflow = await page.evaluate<number>(
          'document.documentElement.scrollWidth - window.innerWidth',
        );
        expect(overflow, `${name} at ${viewport.width} px is wider than the screen`).toBeLessThanOrEqual(0);
        await page.screenshot({
          path: path.join(ARTIFACTS, `${name}-${viewport.width}.png`),
          fullPage: true,
        });
      }
      // The energy flow is on the landing page too.
      await open(page, plant, `energy/${FACTORY}?at=${AT}`, 'energy');
      await page.waitForSelector('#flow-chart[data-chart-ready="true"]');
      await page.waitForSelector('#losses-chart[data-chart-ready="true"]');
      const status = await api<{ lines: unknown[] }>(
        plant,
        `/api/v1/factories/${FACTORY}/lines/status?at=${AT}`,
      );
      expect(status.lines.length).toBeGreaterThan(0);
      expect(await page.locator('#overview-line-table tbody tr').count()).toBe(status.lines.length);
      expect(problems, `${viewport.width} px`).toEqual([]);
      await context.close();
    }
  }, 420_000);

  it('charts export PNG and CSV (the trend of the incomer: step line, time-weighted means per interval)', async () => {
    const problems: string[] = [];
    const { context, page } = await signedInPage(plant, { width: 1366, height: 768 }, problems);
    await open(
      page,
      plant,
      `chart/${FACTORY}?device=M-MAIN&metric=activePower&range=24h&interval=1h`,
      'chart',
    );
    await page.waitForSelector('#chart-canvas[data-chart-ready="true"]');
    const [png] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#chart [data-export="png"]'),
    ]);
    expect(png.suggestedFilename()).toBe(`${FACTORY}-M-MAIN-activePower.png`);
    const pngBytes = await readFile((await png.path())!);
    expect(pngBytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a'); // PNG signature
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#chart [data-export="csv"]'),
    ]);
    const text = (await readFile((await csv.path())!)).toString('utf8');
    const lines = text.trim().split('\r\n');
    expect(lines[0]).toContain('start,end');
    // One row per hour of the 24-hour range, as in the page's table of time-weighted means.
    const cells = await page.locator('#chart details.chart-table td.num').allTextContents();
    expect(cells.length).toBeGreaterThanOrEqual(24);
    expect(lines.length - 1).toBe(cells.length);
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it('English switch and the control-room theme keep the figures', async () => {
    const problems: string[] = [];
    const { context, page } = await signedInPage(plant, { width: 1366, height: 768 }, problems);
    await open(page, plant, `energy/${FACTORY}?at=${AT}`, 'energy');
    const zh = await page.getAttribute(
      '#energy-media [data-period="today"][data-medium="electricity"]',
      'data-value',
    );
    expect(await page.textContent('main h1')).toContain('能源总览');
    await page.click('button.lang-toggle');
    await page.waitForSelector('html[lang="en"] main[data-page="energy"][data-ready="true"]');
    expect(await page.textContent('main h1')).toContain('Energy overview');
    expect(await page.textContent('#energy-periods')).toContain('Today');
    expect(
      await page.getAttribute('#energy-media [data-period="today"][data-medium="electricity"]', 'data-value'),
    ).toBe(zh);
    await page.click('#theme-toggle');
    await page.waitForSelector('html[data-theme="dark"] main[data-page="energy"][data-ready="true"]');
    await page.waitForSelector('#load-chart[data-chart-ready="true"]');
    await page.screenshot({ path: path.join(ARTIFACTS, 'energy-overview-en-dark-1366.png'), fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);

  it("a tariff entered in the console prices the overview (checked against the truth's hourly kWh) and the next diagnosis report", async () => {
    const problems: string[] = [];
    const { context, page } = await signedInPage(plant, { width: 1366, height: 768 }, problems);
    await open(page, plant, `settings/${FACTORY}`, 'settings');
    await page.fill('#set-flat', '0.65');
    await page.fill('#set-flat-source', '合同约定');
    await page.click('#add-month');
    const row = page.locator('.month-row').last();
    await row.locator('.m-month').fill('2025-03');
    await row.locator('.m-price').fill('0.7');
    await row.locator('.m-source').fill('国网湖南 2025年3月代理购电价格公告');
    await page.click('#settings-save');
    await page.waitForSelector('#settings-status[data-saved="true"]');
    expect(await page.textContent('#tariff-resolved')).toContain('2025-03 0.7');

    // Independent price: Hunan 385 schedule for March (valley ×0.4 00–06 and 12–14, flat ×1 06–12 and 14–16,
    // peak ×1.6 16–24) at the month's 0.70 ¥/kWh, on the truth's hourly consumption of the incomer.
    const main = plant.scenario.meters.find((m) => m.role === 'mainIncomer')!.id;
    const hours = await truth<{ hourStartMs: number; consumption: number }[]>(
      plant,
      `/truth/hourly?from=${DAY_START}&to=${AT}&meters=${main}`,
    );
    const mult = (h: number) => (h < 6 || (h >= 12 && h < 14) ? 0.4 : h >= 16 ? 1.6 : 1);
    const want = hours.reduce(
      (s, r) => s + r.consumption * 0.7 * mult((r.hourStartMs - DAY_START) / 3_600_000),
      0,
    );
    const ov = await api<{ periods: { key: string; media: { medium: string; costCny: number | null }[] }[] }>(
      plant,
      `/api/v1/factories/${FACTORY}/energy/overview?at=${AT}`,
    );
    const cost = ov.periods
      .find((x) => x.key === 'today')!
      .media.find((m) => m.medium === 'electricity')!.costCny;
    console.info(`[energy] today's electricity cost ¥${cost} vs ¥${want} from the truth's hourly kWh`);
    expect(Math.abs((cost ?? 0) - want) / want).toBeLessThan(1e-9);

    // The next diagnosis run prices with the factory's tariff and says where it came from.
    const run = await api<{ id: string }>(plant, `/api/v1/factories/${FACTORY}/diagnoses`, {
      method: 'POST',
      body: JSON.stringify({ from: '2025-03-03T00:00:00+08:00', to: '2025-03-06T00:00:00+08:00' }),
    });
    await waitFor(
      async () =>
        (await api<{ status: string }>(plant, `/api/v1/factories/${FACTORY}/diagnoses/${run.id}`)).status ===
        'done',
      'the diagnosis run to finish',
      170_000,
      500,
    );
    const link = await api<{ url: string }>(
      plant,
      `/api/v1/factories/${FACTORY}/diagnoses/${run.id}/report-links`,
      {
        method: 'POST',
        body: JSON.stringify({}),
      },
    );
    const html = await (await fetch(`${plant.platform.url}${link.url}`)).text();
    expect(html).toContain('代理购电');
    expect(html).toContain('2025-03 0.7');
    expect(html).not.toContain('未配置平段电价');
    expect(problems).toEqual([]);
    await context.close();
  }, 240_000);

  it('an off-shift load injected by an independent agent raises the alarm within one evaluation interval', async () => {
    const now = Date.now();
    const session = `alm-${now}`;
    await publish(plant, 'alm-agent', [
      { kind: 'birth', body: alarmBirth(session, now - 49 * 3_600_000) },
      { kind: 'data', body: alarmHistory(session, now - 20 * 60_000) },
    ]);
    await waitFor(
      async () =>
        (
          await fetch(`${plant.platform.url}/api/v1/factories/${ALARM_FACTORY}/latest`, {
            headers: { authorization: `Bearer ${plant.admin}` },
          })
        ).ok,
      'the alarm factory to exist',
      30_000,
    );
    // Calendar: one short shift six hours from now, so now is off shift; alarms evaluated every 5 s.
    const local = new Date(now + 8 * 3_600_000 + 6 * 3_600_000);
    const hh = String(local.getUTCHours()).padStart(2, '0');
    const hh1 = String((local.getUTCHours() + 1) % 24).padStart(2, '0');
    const intervalS = 5;
    await api(plant, `/api/v1/factories/${ALARM_FACTORY}/settings`, {
      method: 'PUT',
      body: JSON.stringify({
        calendar: {
          utcOffsetMinutes: 480,
          workdays: [1, 2, 3, 4, 5, 6, 7],
          shifts: [{ name: '测试班', start: `${hh}:00`, end: `${hh1}:00` }],
        },
        alarms: { evaluationIntervalS: intervalS },
      }),
    });
    const problems: string[] = [];
    const { context, page } = await signedInPage(plant, { width: 1366, height: 768 }, problems);
    await open(page, plant, `alarms/${ALARM_FACTORY}`, 'alarms');
    await page.waitForSelector('#alarm-badge[data-connected="true"]');
    const before = await api<{ active: unknown[] }>(plant, `/api/v1/factories/${ALARM_FACTORY}/alarms`);
    expect(
      await page.locator('#alarms-active .alarm-table tbody tr').count(),
      JSON.stringify(before.active),
    ).toBe(0);

    // The load steps from 20 kW to 90 kW: power and counter from an independent MQTT client.
    const t0 = Date.now();
    const counter0 = 1000 + 5 * 1000; // above every historical reading
    await publish(plant, 'alm-agent', [
      {
        kind: 'data',
        body: {
          sessionId: session,
          seq: 2,
          historical: false,
          points: [
            [0, t0 - 16 * 60_000, 90],
            [1, t0 - 16 * 60_000, counter0],
            [0, t0, 90],
            [1, t0, counter0 + 24],
          ],
        },
      },
    ]);
    await waitFor(
      async () => {
        const l = await api<{ metric: string; tsMs: number }[]>(
          plant,
          `/api/v1/factories/${ALARM_FACTORY}/latest`,
        );
        return l.some((x) => x.metric === 'activePower' && x.tsMs === t0);
      },
      'the injected load stored',
      15_000,
      50,
    );
    const storedSeenAt = Date.now();
    const alarm = await waitFor(
      async () =>
        (
          await api<{
            active: { kind: string; startMs: number; value: number; params: Record<string, number> }[];
          }>(plant, `/api/v1/factories/${ALARM_FACTORY}/alarms`)
        ).active.find((a) => a.kind === 'offShiftLoad'),
      'the off-shift alarm',
      (intervalS + 10) * 1000,
      100,
    );
    const status = (
      await api<{ status: { lastDurationMs: number } }>(plant, `/api/v1/factories/${ALARM_FACTORY}/alarms`)
    ).status;
    console.info(
      `[alarm] raised ${alarm.startMs - storedSeenAt} ms after the load was seen stored (interval ${intervalS} s)`,
    );
    // Evaluations start every interval (scheduler tick 1 s): the first one after the data was stored raised it.
    expect(alarm.startMs - storedSeenAt).toBeLessThanOrEqual(intervalS * 1000 + 1000 + status.lastDurationMs);
    expect(alarm.value).toBeCloseTo(90, 9);
    expect(alarm.params.baselineKw).toBeCloseTo(ALARM_BASE_KW, 9);
    // The console shows it live (Server-Sent Events): the badge and the list, without a reload.
    await page.waitForSelector('#alarm-badge[data-count="1"]');
    await page.waitForSelector('#alarms-active .alarm-table tbody tr');
    expect(await page.textContent('#alarms-active')).toContain('非生产时段负荷');
    await page.click('#alarms-active .ack-button');
    await page.waitForSelector('main[data-page="alarms"][data-ready="true"] #alarms-active');
    await waitFor(
      async () =>
        (
          await api<{ active: { ackBy: string | null }[] }>(
            plant,
            `/api/v1/factories/${ALARM_FACTORY}/alarms`,
          )
        ).active[0]?.ackBy !== null,
      'the acknowledgement stored',
      10_000,
    );
    await page.screenshot({ path: path.join(ARTIFACTS, 'alarms-raised-1366.png'), fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);
});
