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
import { birthF1, dataF1 } from './fixtures.js';

/**
 * The assessment workflow in Debian's Chromium against the real platform (embedded broker, SQLite registry, F1's
 * three hours of data published by an independent MQTT client): an assessor (factory token) creates a CMMM
 * assessment in the console, answers every item with an evidence document and note, overrides one telemetry
 * suggestion with a reason (refused without one), computes and submits; a reviewer (inspector token) locks it;
 * the HTML report opened from the console carries the answers, documents and the override; the API refuses
 * every edit of the locked assessment with problem type assessment-locked; progress against the previous
 * assessment per dimension; English labels. Every wait is on a page or API condition.
 */

const CHROMIUM = resolveChromium();
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--no-first-run',
];
const SHOTS = process.env.XIANG_SCREENSHOTS ?? os.tmpdir();
const WAIT_MS = 30_000;
const F = 'F1';

let broker: EmbeddedBroker;
let platform: RunningPlatform;
let dataDir: string;
let browser: Browser;
const adminToken = `assess-admin-${randomBytes(16).toString('hex')}`;
let assessorToken = '';
let reviewerToken = '';
const ASSESSOR = '评估员 张工';
const REVIEWER = '审核员 李工';

type Item = { id: string; kind: string; scale?: number[]; telemetry: string[] };

async function call(token: string, method: string, urlPath: string, body?: unknown) {
  const res = await fetch(`${platform.url}${urlPath}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    // biome-ignore lint/suspicious/noExplicitAny: JSON answers of several shapes
    body: (text ? JSON.parse(text) : null) as any,
  };
}

async function publish(birth: Birth, batch: DataBatch) {
  const client = await mqtt.connectAsync(broker.url, {
    protocolVersion: 4,
    clientId: 'assess-test-agent',
    clean: true,
    reconnectPeriod: 0,
  });
  try {
    await client.publishAsync(topicFor('birth', F, 'A1'), JSON.stringify(birth), { qos: 1 });
    await client.publishAsync(topicFor('data', F, 'A1'), JSON.stringify(batch), { qos: 1 });
  } finally {
    await client.endAsync();
  }
}

async function newPage(context: BrowserContext, problems: string[]): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
  });
  return page;
}

const ready = (page: Page, name: string) =>
  page.waitForSelector(`main[data-page="${name}"][data-ready="true"]`);

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
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'xiang-assess-'));
  platform = await startPlatform({
    dataDir,
    adminToken,
    logLevel: 'silent',
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { url: broker.url, protocolVersion: 4, clientId: 'platform-assess-test' },
    ingest: { autoRegisterFactories: true },
  });
  await waitFor(() => platform.ingest.ready(), 'platform subscribed to the broker', 15_000);
  await publish(birthF1, dataF1);
  await waitFor(
    async () => (await call(adminToken, 'GET', `/api/v1/factories/${F}/latest`)).body?.length === 5,
    'the five F1 series stored',
    15_000,
  );
  const token = async (name: string, role: string) =>
    (await call(adminToken, 'POST', '/api/v1/tokens', { name, role, factories: [F] })).body.token as string;
  assessorToken = await token(ASSESSOR, 'factory');
  reviewerToken = await token(REVIEWER, 'inspector');
  browser = await chromium.launch({ executablePath: CHROMIUM ?? undefined, args: ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
  await broker?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe.skipIf(!CHROMIUM)('assessment workflow in the console (Chromium)', () => {
  let assessmentId = '';
  let items: Item[] = [];
  let overridden = '';

  it('an assessor answers every CMMM item in the console, overrides a suggestion with a reason, computes and submits', async () => {
    const problems: string[] = [];
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    const page = await newPage(context, problems);
    await signIn(page, assessorToken);
    await page.goto(`${platform.url}/#/grading/${F}`);
    await ready(page, 'grading');
    // The default period is clipped to the three hours of data, and says so.
    expect(await page.getAttribute('.assess-create .period-note', 'data-clipped')).toBe('true');
    const frameworks = await page
      .locator('#assess-framework option')
      .evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value));
    expect(frameworks).toEqual(['cmmm-2020', 'sme-digital-2024']);
    expect(await page.textContent('#assess-tiers-note')).toContain('第十三条');
    await page.selectOption('#assess-framework', 'cmmm-2020');
    await page.click('#assess-create');
    await page.waitForURL(/#\/assess\/F1\//);
    await ready(page, 'assess');
    assessmentId = decodeURIComponent(page.url().split('/').pop() ?? '');

    const one = await call(assessorToken, 'GET', `/api/v1/factories/${F}/assessments/${assessmentId}`);
    items = one.body.items;
    expect(one.body.assessment.assessor).toBe(ASSESSOR);
    expect(await page.locator('fieldset.assess-item').count()).toBe(items.length);
    expect(items.length).toBe(102);
    // Telemetry suggestions are shown with their evidence (indicator = value, coverage, period).
    const suggested = await page
      .locator('fieldset.assess-item:has(.suggestion)')
      .evaluateAll((fs) => fs.map((f) => (f as unknown as { dataset: { item: string } }).dataset.item));
    expect(suggested.length).toBeGreaterThan(0);
    const firstEvidence = await page.textContent(
      `fieldset[data-item="${suggested[0]}"] .suggestion-evidence`,
    );
    expect(firstEvidence).toMatch(/覆盖率/);

    // Answer every item: suggestions accepted except one overridden; the rest scored with a document and a note.
    overridden = suggested[0]!;
    for (const [k, item] of items.entries()) {
      const fs = page.locator(`fieldset[data-item="${item.id}"]`);
      if (suggested.includes(item.id) && item.id !== overridden) {
        await fs.locator('button.answer-accept').click();
        continue;
      }
      const scale = item.scale ?? [1, 0.8, 0.5, 0];
      let score = scale[k % scale.length]!;
      if (item.id === overridden) {
        const sug = JSON.parse((await fs.locator('.suggestion').getAttribute('data-suggested')) ?? '{}');
        score = scale.find((s) => s !== sug.score)!;
      }
      await fs.locator('select.answer-value').selectOption(String(score));
      await fs.locator('input.answer-ref').fill(`DOC-${item.id}.pdf`);
      await fs.locator('input.answer-ref').dispatchEvent('change');
      await fs.locator('input.answer-note').fill(`说明：${item.id}`);
      await fs.locator('input.answer-note').dispatchEvent('change');
    }
    expect(await page.textContent('#assess-unsaved')).toBe(`有 ${items.length} 项未保存`);
    // The override without a reason is refused before anything is sent.
    await page.click('#assess-save');
    await page.waitForSelector(`#assess-status:has-text("${overridden}")`);
    expect(await page.textContent('#assess-status')).toContain('请填写理由');
    await page.fill(`fieldset[data-item="${overridden}"] input.answer-reason`, '现场抽查：遥测漏采两台设备');
    await page.locator(`fieldset[data-item="${overridden}"] input.answer-reason`).dispatchEvent('change');
    await page.click('#assess-save');
    await ready(page, 'assess');
    await page.waitForSelector(`#assess-status:has-text("已保存 ${items.length} 项")`);
    expect(await page.textContent('#assess-summary')).toContain(`已答 ${items.length}/${items.length} 项`);
    expect(await page.locator('fieldset.assess-item[data-answered="false"]').count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'xiang-assess-answered.png'), fullPage: false });

    await page.click('#assess-compute');
    await page.waitForSelector('#assess-status:has-text("已计算")');
    await page.click('#assess-submit');
    await page.waitForSelector('#assess-summary[data-status="submitted"]');
    expect(await page.locator('#assess-save').count()).toBe(0);
    expect(await page.locator('fieldset.assess-item select.answer-value:not([disabled])').count()).toBe(0);
    // An assessor cannot lock what they submitted (the button is not offered; the API refuses it).
    expect(await page.locator('#assess-lock').count()).toBe(0);
    const selfLock = await call(
      assessorToken,
      'POST',
      `/api/v1/factories/${F}/assessments/${assessmentId}/lock`,
    );
    expect(selfLock.status).toBe(403);
    expect(selfLock.body.type).toBe('urn:xiang:problem:reviewer-required');
    expect(problems).toEqual([]);
    await context.close();
  }, 240_000);

  it('a reviewer locks it; the report opened from the console carries the answers, documents and the override', async () => {
    expect(assessmentId).not.toBe('');
    const problems: string[] = [];
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    const page = await newPage(context, problems);
    await signIn(page, reviewerToken);
    await page.goto(`${platform.url}/#/assess/${F}/${assessmentId}`);
    await ready(page, 'assess');
    await page.click('#assess-lock');
    await page.waitForSelector('#assess-summary[data-status="locked"]');
    expect(await page.textContent('#assess-summary')).toContain(`审核人 ${REVIEWER}`);
    expect(await page.textContent('#assess-readonly')).toBe('此评估已锁定，只读。');
    expect(await page.locator('#assess-compute, #assess-save, #assess-submit, #assess-lock').count()).toBe(0);

    // Revision history: who did what.
    const history = await page.textContent('#assess-history');
    for (const s of ['创建', '遥测预填', '作答', '提交审核', '锁定', ASSESSOR, REVIEWER])
      expect(history).toContain(s);
    expect(history).toContain(`${items.length} 项`);

    const [report] = await Promise.all([context.waitForEvent('page'), page.click('#assess-report')]);
    await report.waitForLoadState('load');
    expect(report.url()).toMatch(/\/api\/v1\/grading-reports\/[A-Za-z0-9_-]{32}$/);
    const body = (await report.textContent('body')) ?? '';
    expect(body).toContain('现场抽查：遥测漏采两台设备'); // the override reason
    const documented = items.filter((i) => !body.includes(`DOC-${i.id}.pdf`) && !i.telemetry.length);
    expect(documented.map((i) => i.id)).toEqual([]); // every scored item's document is in the report
    expect(body).toContain(`DOC-${overridden}.pdf`);
    expect(body).toContain('说明：strategy.L1.1');
    expect(body).not.toContain('未作答');
    expect(body).toContain('已审核锁定');
    expect(body).toContain(REVIEWER);
    const styled = await report.evaluate<boolean>(
      "[...document.querySelectorAll('style')].length > 0 && [...document.querySelectorAll('style')].every((s) => s.sheet && s.sheet.cssRules.length > 0)",
    );
    expect(styled).toBe(true);
    await report.screenshot({ path: path.join(SHOTS, 'xiang-assess-report.png') });
    await page.screenshot({ path: path.join(SHOTS, 'xiang-assess-locked.png'), fullPage: false });
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it('the API refuses every edit of the locked assessment with problem type assessment-locked', async () => {
    const base = `/api/v1/factories/${F}/assessments/${assessmentId}`;
    const item = items.find((i) => i.telemetry.length === 0)!;
    const before = await call(assessorToken, 'GET', base);
    const attempts = [
      await call(assessorToken, 'PUT', `${base}/answers/${item.id}`, { score: 0 }),
      await call(adminToken, 'POST', `${base}/answers`, { answers: [{ itemId: item.id, score: 0 }] }),
      await call(assessorToken, 'POST', `${base}/autofill`, {}),
      await call(assessorToken, 'POST', `${base}/submit`),
      await call(reviewerToken, 'POST', `${base}/return`, { reason: 'again' }),
      await call(assessorToken, 'POST', `${base}/compute`),
    ];
    for (const r of attempts) {
      expect(r.status).toBe(409);
      expect(r.type).toContain('application/problem+json');
      expect(r.body.type).toBe('urn:xiang:problem:assessment-locked');
      expect(r.body.detail).toContain(REVIEWER);
    }
    const after = await call(assessorToken, 'GET', base);
    expect(after.body.assessment).toEqual(before.body.assessment);
    expect(after.body.revisions).toBe(before.body.revisions);
  });

  it('progress against the previous assessment per dimension; SME 2024 controls; English labels', async () => {
    const list = `/api/v1/factories/${F}/assessments`;
    const first = (await call(assessorToken, 'GET', `${list}/${assessmentId}/report`)).body;
    // A second CMMM assessment, every item fully met, answered through the API and computed.
    const created = await call(assessorToken, 'POST', list, {
      frameworkId: 'cmmm-2020',
      period: first.assessment.period && {
        from: first.assessment.period.fromMs,
        to: first.assessment.period.toMs,
      },
    });
    expect(created.status).toBe(201);
    const second = created.body.id as string;
    const saved = await call(assessorToken, 'POST', `${list}/${second}/answers`, {
      answers: items.map((i) => ({ itemId: i.id, score: 1, evidence: [{ ref: `DOC2-${i.id}` }] })),
    });
    expect(saved.status).toBe(200);
    expect((await call(assessorToken, 'POST', `${list}/${second}/compute`)).status).toBe(200);
    const secondReport = (await call(assessorToken, 'GET', `${list}/${second}/report`)).body;
    const progress = (await call(assessorToken, 'GET', `${list}/${second}/progress`)).body;
    expect(progress.previous.assessmentId).toBe(assessmentId);
    expect(progress.previous.totalScore).toBe(first.result.totalScore);
    expect(progress.current.totalScore).toBe(secondReport.result.totalScore);
    // Per dimension, from the two reports themselves.
    for (const d of first.result.domains) {
      const row = progress.domains.find((x: { id: string }) => x.id === d.id);
      const now = secondReport.result.domains.find((x: { id: string }) => x.id === d.id);
      expect(row.previous).toBe(d.score);
      expect(row.current).toBe(now.score);
      expect(row.delta).toBeCloseTo(now.score - d.score, 12);
    }
    expect(secondReport.result.totalScore).toBeGreaterThan(first.result.totalScore);

    const problems: string[] = [];
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    const page = await newPage(context, problems);
    await signIn(page, assessorToken);
    await page.goto(`${platform.url}/#/assess/${F}/${second}`);
    await ready(page, 'assess');
    const rows = page.locator('#assess-progress tbody tr');
    expect(await rows.count()).toBe(1 + first.result.domains.length);
    expect(await rows.first().textContent()).toContain('总分 / 等级');

    // SME 2024: choice, option-set and level items get their own controls.
    await page.goto(`${platform.url}/#/grading/${F}`);
    await ready(page, 'grading');
    await page.selectOption('#assess-framework', 'sme-digital-2024');
    await page.click('#assess-create');
    await page.waitForURL((u) => !u.hash.includes(second) && u.hash.startsWith('#/assess/'));
    await ready(page, 'assess');
    expect(
      await page.locator('fieldset.assess-item[data-kind="multi"] input.answer-option').count(),
    ).toBeGreaterThan(0);
    expect(
      await page.locator('fieldset.assess-item[data-kind="level"] select.answer-value').count(),
    ).toBeGreaterThan(0);
    expect(
      await page.locator('fieldset.assess-item[data-kind="choice"] select.answer-value').count(),
    ).toBeGreaterThan(0);

    // English second.
    await page.goto(`${platform.url}/#/assess/${F}/${second}`);
    await ready(page, 'assess');
    await page.click('button.lang-toggle');
    await page.waitForSelector('html[lang="en"] #assess-progress');
    await ready(page, 'assess');
    expect(await page.textContent('main')).toContain('Progress (against the previous assessment)');
    expect(await page.textContent('#assess-summary')).toContain(
      `${items.length}/${items.length} items answered`,
    );
    await page.screenshot({ path: path.join(SHOTS, 'xiang-assess-progress-en.png'), fullPage: false });
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);
});
