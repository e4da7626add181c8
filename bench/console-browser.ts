/**
 * Browser half of the console benchmark: time to first render of console pages in real Chromium (Debian's,
 * through playwright-core; never a downloaded browser). "First render" is the console's own signal: the router
 * sets `main[data-ready="true"]` once the page's render() resolved — for the overview that is after the
 * figures and the load curve are drawn (the other panels fill in later), for the flow page after the Sankey is
 * drawn. Measured from `page.goto` to that attribute, each visit in a fresh page of one signed-in context: the
 * first visit also loads the console's modules and ECharts (cold), later ones have them from the HTTP cache.
 * With the wall time, the renderer main thread's busy time up to then (the non-idle samples of a CDP CPU profile:
 * script, style, layout and paint — time spent waiting for the API is idle): the browser's own share.
 */
import { chromium } from 'playwright-core';
import { resolveChromium } from '../tests/harness/services.js';

export type BrowserVisit = { name: string; hash: string; page: string };
/** Per visit: wall time to first render, and the renderer main thread's busy time (non-idle profile samples). */
export type BrowserTimes = { name: string; ms: number[]; busyMs: number[] };
/**
 * index.html as served (with <link rel="modulepreload"> for every module), or with those hints taken out by the
 * browser's request interception — the same server and data, so the two are measured in one run.
 */
export type PreloadVariant = 'preload' | 'no preload';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--no-first-run',
];

type Profile = {
  nodes: { id: number; callFrame: { functionName: string } }[];
  samples?: number[];
  timeDeltas?: number[];
};
function nonIdleMs(p: Profile): number {
  const idle = new Set(p.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  let us = 0;
  (p.samples ?? []).forEach((id, i) => {
    if (!idle.has(id)) us += p.timeDeltas?.[i] ?? 0;
  });
  return us / 1000;
}

/** Visits each page `rounds` times (round r uses `visits(r)`), in order; null when no Chromium is installed. */
export async function browserFirstRender(o: {
  url: string;
  token: string;
  rounds: number;
  visits: (round: number) => BrowserVisit[];
  log: (s: string) => void;
  variant?: PreloadVariant;
  /** Round-trip time added to every request (CDP network emulation): a LAN or VPN instead of loopback. */
  latencyMs?: number;
}): Promise<BrowserTimes[] | null> {
  const executablePath = resolveChromium();
  if (!executablePath) return null;
  const browser = await chromium.launch({ executablePath, args: ARGS });
  try {
    // A fresh context per call: an empty HTTP cache, so the first visit loads every module.
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
    if (o.variant === 'no preload')
      await context.route(`${o.url}/`, async (route) => {
        const res = await route.fetch();
        const body = (await res.text()).replace(/\s*<link rel="modulepreload"[^>]*>/g, '');
        await route.fulfill({ response: res, body });
      });
    const prefs = { 'xiang.token': o.token, 'xiang.lang': 'zh-CN', 'xiang.theme': 'light' };
    await context.addInitScript(
      `for (const [k, v] of Object.entries(${JSON.stringify(prefs)})) localStorage.setItem(k, v);`,
    );
    const times = new Map<string, { ms: number[]; busyMs: number[] }>();
    for (let r = 0; r < o.rounds; r++) {
      for (const v of o.visits(r)) {
        const page = await context.newPage();
        const cdp = await context.newCDPSession(page);
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        page.setDefaultTimeout(300_000);
        // The renderer main thread's own work: a CPU profile's non-idle samples (waiting for the API is idle).
        if (o.latencyMs) {
          await cdp.send('Network.enable');
          await cdp.send('Network.emulateNetworkConditions', {
            offline: false,
            latency: o.latencyMs,
            downloadThroughput: -1,
            uploadThroughput: -1,
          });
        }
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
        await cdp.send('Profiler.start');
        const s = performance.now();
        await page.goto(`${o.url}/#/${v.hash}`);
        await page.waitForSelector(`main[data-page="${v.page}"][data-ready="true"]`);
        const ms = performance.now() - s;
        const busy = nonIdleMs((await cdp.send('Profiler.stop')).profile);
        const failed = await page.$('main[data-error="true"]');
        await page.close();
        if (failed || errors.length)
          throw new Error(
            `${v.name}: the page did not render cleanly (${errors.join('; ') || 'problem box'})`,
          );
        const t = times.get(v.name) ?? { ms: [], busyMs: [] };
        t.ms.push(ms);
        t.busyMs.push(busy);
        times.set(v.name, t);
        o.log(
          `browser round ${r + 1} (${o.variant ?? 'preload'}, RTT ${o.latencyMs ?? 0} ms): ${v.name} first render ${ms.toFixed(0)} ms (main thread busy ${busy.toFixed(0)})`,
        );
      }
    }
    return [...times].map(([name, t]) => ({ name, ...t }));
  } finally {
    await browser.close();
  }
}
