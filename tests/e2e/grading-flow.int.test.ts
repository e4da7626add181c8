import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadScenario, type Scenario } from '@xiang/simulators';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../platform/src/broker/embedded.js';
import type { Assessment } from '../../platform/src/grading/assessment.js';
import type { GradingReport } from '../../platform/src/grading/report/schema.js';
import { openPlatformDb } from '../../platform/src/registry/db.js';
import { GradingRepository } from '../../platform/src/services/grading/repository.js';
import { resolveChromium } from '../harness/services.js';
import { PlatformHarness } from '../platform/platform-harness.js';
import { type BackfilledPlant, backfilledPlant, call, get } from './oee-plant.js';
import { relErr, sumFigures, TruthTimeline } from './oee-truth.js';

/**
 * Grading end to end on the default scenario (hunan-machining): three simulated days through the embedded broker
 * (MQTT 3.1.1 — the broker is not the point here) into the platform, then the assessor's path through the HTTP
 * API — create → auto-fill from telemetry → override one suggestion (refused without a reason, kept with one) →
 * answer the questionnaire from the example answers → compute → JSON and HTML reports (zh-CN, English) — then the
 * console (Chromium: the grading list and its HTML report, the line-status page), then `xiang grade` as a
 * separate process on the platform's data directory, writing a zh-CN report file.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const XIANG = path.join(ROOT, 'platform/bin/xiang.js');
const EXAMPLE = path.join(ROOT, 'platform/src/grading/examples/answers.cmmm.yaml');
const FROM = '2025-03-03T00:00:00+08:00';
const TO = '2025-03-06T00:00:00+08:00';
const CHROMIUM = resolveChromium();

let broker: EmbeddedBroker;
const harness = new PlatformHarness();
let plant: BackfilledPlant;
let scenario: Scenario;
let f: string;
let token: string;
let assessmentId = '';
let computed: { level: number | null; totalScore: number };

beforeAll(async () => {
  broker = await startEmbeddedBroker();
  scenario = await loadScenario('hunan-machining');
  plant = await backfilledPlant({ harness, brokerUrl: broker.url, protocolVersion: 4, scenario, days: 3 });
  f = scenario.factory.id;
  token = harness.adminToken;
});

const figures: Record<string, unknown> = {};
afterAll(async () => {
  console.info(`[grading-flow] ${JSON.stringify(figures)}`);
  await harness.dispose();
  await broker?.close();
});

type Problem = { status: number; detail: string; errors?: { field: string; message: string }[] };
const api = (method: string, p: string, body?: unknown, headers?: Record<string, string>) =>
  call(plant.platform, token, method, `/api/v1/factories/${f}${p}`, body, headers);

/** The example answers (written for factory F1, March 2024) pointed at this factory and period. */
async function exampleAnswers(): Promise<Record<string, unknown>> {
  const doc = parseYaml(await readFile(EXAMPLE, 'utf8')) as Record<string, unknown>;
  return { ...doc, factory: f, period: { from: '2025-03-03', to: '2025-03-05' } };
}

describe('grading through the API, the console and the CLI (hunan-machining, 3 days)', () => {
  it('create → auto-fill → override with a reason → compute → JSON and HTML report', async () => {
    const frameworks = await get<{ id: string; version: string }[]>(
      plant.platform,
      token,
      `/api/v1/factories/${f}/frameworks`,
    );
    const cmmm = frameworks.find((x) => x.id === 'cmmm-2020');
    expect(cmmm).toBeDefined();
    // Bad input gets a specific problem, not a crash.
    const unknown = await api('POST', '/assessments', { frameworkId: 'iso-9999' });
    expect(unknown.status).toBe(400);
    expect(unknown.contentType).toContain('application/problem+json');
    expect((unknown.body as Problem).detail).toMatch(/unknown framework "iso-9999"/);
    const stale = await api('POST', '/assessments', { frameworkId: 'cmmm-2020', frameworkVersion: '1999.1' });
    expect(stale.status).toBe(409);

    const created = await api('POST', '/assessments', {
      frameworkId: 'cmmm-2020',
      frameworkVersion: cmmm?.version,
      industry: 'discrete',
      period: { from: FROM, to: TO },
      tailoring: [{ subjectId: 'productService', reason: '产品为非联网机加件，无产品运维服务' }],
      assessor: '李工（内部评估师）',
    });
    expect(created.status).toBe(201);
    const a0 = created.body as Assessment;
    assessmentId = a0.id;
    expect(a0.period).toEqual({ fromMs: Date.parse(FROM), toMs: Date.parse(TO) });

    // Auto-fill: suggested scores with the measured evidence and its period.
    const filled = await api('POST', `/assessments/${assessmentId}/autofill`, {});
    expect(filled.status).toBe(200);
    const fb = filled.body as {
      assessment: Assessment;
      applied: string[];
      indicators: { id: string; value: number | null; counts: Record<string, number> }[];
      notes: string[];
    };
    expect(fb.applied.length).toBeGreaterThanOrEqual(3);
    const networking = fb.indicators.find((i) => i.id === 'equipment-networking-rate');
    // Production equipment: 55 machines (the 3 compressors and the meters are registered as not production).
    expect(networking?.counts.equipment).toBe(55);
    // Every machine was born at the start of the backfill and answered with Good values all three days: the
    // online-time definitions give 1, the online ratio (dated from the birth, not the ingest) 1.
    const value = (id: string) => fb.indicators.find((i) => i.id === id)?.value;
    for (const id of [
      'equipment-networking-rate',
      'state-fault-capture',
      'data-collection-coverage',
      'equipment-online-ratio',
    ])
      expect(value(id), id).toBe(1);
    // OEE availability against the simulator's truth (oee-truth.ts, calendar reference), to the precision achieved.
    // The backfill published the state at its last tick (TO) too: one more simulated step lets the truth know
    // it, so a stop ending exactly at TO is classified as the platform sees it.
    const sim = plant.backfill.sim;
    if (sim.timeOf(sim.tick) <= Date.parse(TO)) sim.step();
    const truth = sumFigures(
      scenario.workshops
        .flatMap((w) => w.lines.flatMap((l) => l.machines))
        .filter((m) => m.type !== 'compressor')
        .map((m) =>
          new TruthTimeline(
            plant.backfill.truth,
            scenario.calendar,
            m,
            Date.parse(FROM),
            Date.parse(TO) + 60_000,
            60_000,
          ).figures(Date.parse(FROM), Date.parse(TO)),
        ),
    );
    figures.oeeAvailability = { platform: value('oee-availability'), truth: truth.availability };
    expect(relErr(value('oee-availability') ?? null, truth.availability)).toBeLessThanOrEqual(1e-9);
    expect(fb.notes.join(' ')).toMatch(/energy diagnostics/);
    for (const id of fb.applied) {
      const ans = fb.assessment.answers.find((x) => x.itemId === id);
      expect(ans?.source).toBe('telemetry');
      const ev = ans?.evidence.find((e) => e.kind === 'telemetry');
      expect(ev).toMatchObject({ kind: 'telemetry', fromMs: Date.parse(FROM), toMs: Date.parse(TO) });
      if (ev?.kind === 'telemetry') expect(fb.indicators.map((i) => i.id)).toContain(ev.indicatorId);
    }

    // Override one suggestion: refused without a reason (naming the suggestion), recorded with one.
    const item = fb.applied[0] as string;
    const suggested = fb.assessment.answers.find((x) => x.itemId === item)?.value.score ?? 0;
    const other = suggested >= 0.8 ? 0.5 : 1;
    const refused = await api('PUT', `/assessments/${assessmentId}/answers/${item}`, { score: other });
    expect(refused.status).toBe(400);
    expect((refused.body as Problem).errors?.[0]?.field).toBe('body.overrideReason');
    expect((refused.body as Problem).detail).toContain('the telemetry suggests');
    const reason = '现场抽查：部分设备仅在调试时联网，按 0.5 计';
    const overridden = await api('PUT', `/assessments/${assessmentId}/answers/${item}`, {
      score: other,
      overrideReason: reason,
      evidence: [{ ref: 'docs/现场抽查记录-2025-03.pdf' }],
    });
    expect(overridden.status).toBe(200);
    const oa = (overridden.body as { assessment: Assessment }).assessment.answers.find(
      (x) => x.itemId === item,
    );
    expect(oa).toMatchObject({ source: 'assessor', value: { score: other }, overrideReason: reason });
    expect(oa?.suggested?.value).toEqual({ score: suggested });
    expect(oa?.evidence.map((e) => e.kind).sort()).toEqual(['document', 'telemetry']);

    // The questionnaire part, from the example answers (items telemetry did not pre-fill).
    const answers = (await exampleAnswers()).answers as Record<
      string,
      { score: number; evidence?: string[] }
    >;
    let answered = 0;
    for (const [id, v] of Object.entries(answers)) {
      if (fb.applied.includes(id)) continue;
      const r = await api('PUT', `/assessments/${assessmentId}/answers/${id}`, {
        score: v.score,
        evidence: (v.evidence ?? []).map((ref) => ({ ref })),
      });
      expect(r.status, `${id}: ${r.text}`).toBe(200);
      answered++;
    }
    expect(answered).toBeGreaterThan(20);
    const bogus = await api('PUT', `/assessments/${assessmentId}/answers/nosuch.L9.9`, { score: 1 });
    expect(bogus.status).toBe(404);

    const run = await api('POST', `/assessments/${assessmentId}/compute`);
    expect(run.status).toBe(200);
    computed = run.body as { level: number | null; totalScore: number };
    const rb = run.body as {
      level: number | null;
      totalScore: number;
      gaps: number;
      overrides: number;
      domains: unknown[];
    };
    // Pinned: the telemetry items score 1 (every indicator below is exact and at least 95 %), the example
    // answers the rest, data.L2.1 overridden to 0.5. A change here is a change of method — say which.
    expect(rb.level).toBe(2);
    expect(rb.totalScore).toBe(2.268994569);
    expect(rb.gaps).toBe(21);
    expect(rb.overrides).toBe(1);
    expect(rb.domains.length).toBeGreaterThanOrEqual(3);
    figures.api = {
      applied: fb.applied,
      overridden: { item, suggested, final: other },
      level: rb.level,
      totalScore: rb.totalScore,
      gaps: rb.gaps,
      indicators: Object.fromEntries(fb.indicators.map((i) => [i.id, i.value])),
    };

    // JSON report: the stable schema, the override with its reason, evidence per indicator, the gap list.
    const json = await get<GradingReport>(
      plant.platform,
      token,
      `/api/v1/factories/${f}/assessments/${assessmentId}/report`,
    );
    expect(json.schemaVersion).toBe('xiang.grading-report/1');
    expect(json.result.level).toBe(rb.level);
    expect(json.overrides).toEqual([expect.objectContaining({ itemId: item, reason })]);
    expect(json.indicators.find((i) => i.id === 'equipment-networking-rate')?.counts.equipment).toBe(55);
    expect(json.gaps[0]?.rank).toBe(1);
    expect(json.tiers.some((t) => t.level === 'line')).toBe(true);

    // HTML: zh-CN by default (format=html or Accept: text/html), English on request.
    const html = await api('GET', `/assessments/${assessmentId}/report?format=html`);
    expect(html.status).toBe(200);
    expect(html.contentType).toContain('text/html');
    const page = html.text;
    expect(page).toContain('<html lang="zh-CN"');
    expect(page).toContain('数字化转型分级评估报告');
    expect(page).toContain('差距清单');
    expect(page).toContain('设备联网率');
    expect(page).toContain(reason);
    const svg = /<svg[^>]*role="img">[\s\S]*?<\/svg>/.exec(page)?.[0] ?? '';
    expect((svg.match(/<text /g) ?? []).length).toBe(json.result.domains.length); // one radar label per domain
    const byAccept = await api('GET', `/assessments/${assessmentId}/report`, undefined, {
      accept: 'text/html',
    });
    expect(byAccept.contentType).toContain('text/html');
    const en = await api('GET', `/assessments/${assessmentId}/report?format=html&lang=en`);
    expect(en.text).toContain('<html lang="en"');
    expect(en.text).toContain('Gap list');

    // History: the list shows the result; every save is a revision.
    const list = await get<{ id: string; level: number | null; totalScore: number | null }[]>(
      plant.platform,
      token,
      `/api/v1/factories/${f}/assessments`,
    );
    expect(list).toEqual([
      expect.objectContaining({ id: assessmentId, level: rb.level, totalScore: rb.totalScore }),
    ]);
    const revisions = await get<unknown[]>(
      plant.platform,
      token,
      `/api/v1/factories/${f}/assessments/${assessmentId}/revisions`,
    );
    expect(revisions.length).toBe(3 + answered); // create, auto-fill, override, one per answer

    // An inspector (评估/监察, read-only) reads the report but may not change the assessment.
    const insp = await call<{ token: string }>(plant.platform, token, 'POST', '/api/v1/tokens', {
      name: '省评估机构',
      role: 'inspector',
      factories: [f],
    });
    const it = insp.body.token;
    expect(
      (await call(plant.platform, it, 'GET', `/api/v1/factories/${f}/assessments/${assessmentId}/report`))
        .status,
    ).toBe(200);
    expect(
      (await call(plant.platform, it, 'POST', `/api/v1/factories/${f}/assessments/${assessmentId}/compute`))
        .status,
    ).toBe(403);
  });

  it.skipIf(!CHROMIUM)(
    'the console lists the assessment, hands out its HTML report and shows line status',
    async () => {
      expect(assessmentId).not.toBe('');
      const browser = await chromium.launch({
        executablePath: CHROMIUM ?? undefined,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--no-first-run',
        ],
      });
      try {
        const context = await browser.newContext({ acceptDownloads: true });
        const page = await context.newPage();
        page.setDefaultTimeout(20_000);
        const problems: string[] = [];
        page.on('pageerror', (e) => problems.push(e.message));
        const ready = (name: string) => page.waitForSelector(`main[data-page="${name}"][data-ready="true"]`);
        await page.goto(`${plant.platform.url}/`);
        await ready('signin');
        await page.fill('#token', token);
        await page.click('form.signin-form button[type="submit"]');
        // Signed in, the console opens the factory's energy overview (the identity page only without a factory).
        await page.waitForSelector('main[data-page="energy"], #identity');

        await page.goto(`${plant.platform.url}/#/grading/${f}`);
        await ready('grading');
        const row = await page.textContent('#assessments-table tbody tr');
        expect(row).toContain('cmmm-2020');
        expect(row).toContain(String(computed.level));
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.click('#assessments-table a.report-html'),
        ]);
        const file = await download.path();
        const report = await readFile(file, 'utf8');
        expect(report).toContain('<html lang="zh-CN"');
        expect(report).toContain(assessmentId);

        const instant = Date.parse('2025-03-05T15:30:00+08:00');
        await page.goto(`${plant.platform.url}/#/lines/${f}?at=${instant}`);
        await ready('lines');
        const productionLines = plant.settings.lines.filter((l) => l.outputCounter).length; // not the compressor house
        expect(await page.locator('#line-status-table tbody tr').count()).toBe(productionLines);
        expect(await page.textContent('#line-status-table')).toContain('齿轮加工线');
        expect(await page.locator('#line-oee-table tbody tr').count()).toBe(productionLines);
        await page.click('button.lang-toggle');
        await page.waitForSelector('html[lang="en"] #sidenav a:has-text("Line status")');
        await ready('lines');
        expect(await page.textContent('main h1')).toBe('Line status');
        expect(problems).toEqual([]);
        await context.close();
      } finally {
        await browser.close();
      }
    },
  );

  it('xiang grade writes a zh-CN report from the platform data dir and records it in the history', async () => {
    await plant.platform.stop(); // the CLI opens the same files (it could also run beside a serving platform)
    const dir = await harness.tempDir('xiang-grade-cli-');
    const answersPath = path.join(dir, 'answers.yaml');
    await writeFile(answersPath, stringifyYaml(await exampleAnswers()));
    const out = path.join(dir, 'reports', 'report.html');
    const jsonOut = path.join(dir, 'reports', 'report.json');
    const args = [
      'grade',
      '--factory',
      f,
      '--framework',
      'cmmm-2020',
      '--answers',
      answersPath,
      '--out',
      out,
      '--json',
      jsonOut,
    ];
    const env = { ...process.env, XIANG_DATA_DIR: plant.dataDir, XIANG_CONFIG: '' };
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [XIANG, ...args], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      p.once('exit', (code) => resolve({ code, stdout, stderr }));
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(out);
    expect(r.stderr).toMatch(/\[\d+\.\d s\] OEE inputs: 55 machine\(s\)/); // progress on stderr
    expect(r.stderr).toMatch(/energy-metering coverage: from the energy diagnostics/);
    const page = await readFile(out, 'utf8');
    expect(page).toContain('<html lang="zh-CN"');
    expect(page).toContain('湖南湘江齿轮箱零部件有限公司');
    expect(page).toContain('差距清单');
    expect(page).toMatch(/<svg[^>]*role="img">/);
    const report = JSON.parse(await readFile(jsonOut, 'utf8')) as GradingReport;
    expect(report.lang).toBe('zh');
    expect(report.result.level).toBe(2);
    expect(report.result.totalScore).toBe(2.284047698); // the example answers, no override
    expect(report.assessment.period).toEqual({ fromMs: Date.parse(FROM), toMs: Date.parse(TO) });
    expect(report.items.filter((i) => i.source === 'telemetry').length).toBeGreaterThanOrEqual(3);
    expect(report.progress.map((p) => p.assessmentId)).toEqual([assessmentId]); // the API's assessment before it
    figures.cli = {
      level: report.result.level,
      totalScore: report.result.totalScore,
      fromTelemetry: report.items.filter((i) => i.source === 'telemetry').length,
      gaps: report.gaps.length,
      stderr: r.stderr.split('\n').filter((l) => l.startsWith('[')),
    };
    const db = openPlatformDb(path.join(plant.dataDir, 'platform.db'));
    try {
      const repo = new GradingRepository(db);
      expect(repo.listAssessments(f).map((a) => a.id)).toEqual([assessmentId, report.assessment.id]);
      expect(repo.latestResult(report.assessment.id)?.result.totalScore).toBe(report.result.totalScore);
    } finally {
      db.close();
    }
  });
});
