import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StatusCodes } from '@xiang/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../tests/harness/ports.js';
import { findBinary } from '../../../tests/harness/process.js';
import { onCI, resolveChromium } from '../../../tests/harness/services.js';
import { type ApiHarness, apiHarness, bearer } from '../../../tests/platform/api-harness.js';
import { fixtureBirth, T0 } from '../../../tests/platform/fixtures.js';
import { diagnose } from '../energy/diagnose.js';
import { renderReport } from '../energy/report/html.js';
import { device, elecMeter, input, MONDAY, PER_DAY, registry } from '../energy/test-support.js';
import type { StoredPoint } from '../store/types.js';
import { htmlToPdf, PdfError } from './index.js';

/**
 * The printed report through real Chromium and Debian's Noto CJK, read back with poppler: the text layer
 * holds the Chinese headings and the page footer, the page is A4. The text layer alone cannot tell boxes from
 * glyphs (Chromium keeps the characters even when it draws .notdef boxes, and embeds both Noto CJK and the
 * boxes as unnamed Type 3 fonts), so the renderer asks Chromium which font drew each Chinese heading before
 * printing; a server without a CJK font is simulated with a fontconfig that has only DejaVu, where the
 * renderer must refuse (noCjkFont) while an unchecked print would have produced a plausible text layer.
 */
const chromium = resolveChromium();
function poppler(): boolean {
  if (findBinary('pdftotext') && findBinary('pdfinfo')) return true;
  const msg = '[xiang-tests] poppler-utils (pdftotext, pdfinfo) missing: apt-get install poppler-utils';
  if (onCI()) throw new Error(`${msg} — REQUIRED on CI`);
  console.warn(msg);
  return false;
}
const ready = !!chromium && poppler();

const dir = mkdtempSync(path.join(os.tmpdir(), 'xiang-pdf-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function readPdf(pdf: Buffer, name: string) {
  const file = path.join(dir, name);
  writeFileSync(file, pdf);
  const run = (bin: string, args: string[]) => execFileSync(bin, args, { encoding: 'utf8' });
  return {
    text: run('pdftotext', ['-layout', file, '-']),
    info: run('pdfinfo', [file]),
  };
}

function smallReport(): string {
  const n = 2 * PER_DAY;
  const reg = registry([device('M0', 'meter', { meterRole: 'mainIncomer', name: '总进线' })], {
    name: '湘江机械厂',
  });
  const result = diagnose(
    input({
      registry: reg,
      days: 2,
      meters: [elecMeter('M0', MONDAY, n, (_, t) => (t.hour >= 8 && t.hour < 17 ? 50 : 10))],
    }),
  );
  return renderReport(result, { admin: { organisation: { name: '湖南省节能诊断服务中心' } } });
}

describe.skipIf(!ready)('PDF report (Chromium + fonts-noto-cjk + poppler)', () => {
  const html = smallReport();

  it('prints A4 pages whose text layer holds the Chinese headings and page numbers (a CJK font drew the headings)', async () => {
    const pdf = await htmlToPdf(html, { chromiumPath: chromium!, footerText: '湘江机械厂 节能诊断报告' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const { text, info } = readPdf(pdf, 'zh.pdf');
    for (const h of [
      '湘江机械厂 节能诊断报告',
      '一、企业概况与诊断期',
      '诊断工作概况',
      '湖南省节能诊断服务中心',
      '三、能效指标对标',
      '六、整改计划与跟踪',
      '七、确认',
      '企业确认意见',
    ])
      expect(text).toContain(h);
    const pages = Number(/Pages:\s+(\d+)/.exec(info)![1]);
    expect(pages).toBeGreaterThan(1);
    expect(text).toMatch(new RegExp(`第\\s*1\\s*页\\s*/\\s*共\\s*${pages}\\s*页`));
    expect(info).toMatch(/Page size:\s+59[56]\.\d+ x 84[12]\.\d+ pts \(A4\)/);
  });

  it('refuses to print boxes on a server without a CJK font (fontconfig with DejaVu only)', async () => {
    const fcDir = path.join(dir, 'fc');
    mkdirSync(path.join(fcDir, 'cache'), { recursive: true });
    writeFileSync(
      path.join(fcDir, 'fonts.conf'),
      `<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>${fcDir}/cache</cachedir></fontconfig>`,
    );
    const saved = process.env.FONTCONFIG_FILE;
    process.env.FONTCONFIG_FILE = path.join(fcDir, 'fonts.conf');
    try {
      expect(execFileSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' }).trim()).toBe('');
      const err = await htmlToPdf(html, { chromiumPath: chromium! }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PdfError);
      expect(err).toMatchObject({ code: 'noCjkFont' });
      expect((err as Error).message).toContain('fonts-noto-cjk');
      // What the check prevents: printed anyway (the English path skips it), the text layer still "looks
      // right" although every Chinese character was drawn as a box — so the text layer cannot be the test.
      const { text } = readPdf(await htmlToPdf(html, { chromiumPath: chromium!, lang: 'en' }), 'boxes.pdf');
      expect(text).toContain('企业概况');
    } finally {
      if (saved === undefined) delete process.env.FONTCONFIG_FILE;
      else process.env.FONTCONFIG_FILE = saved;
    }
  });
});

describe.skipIf(!ready)('report route: format=pdf and the administrative fields', () => {
  let h: ApiHarness;
  const base = '/api/v1/factories/F1/diagnoses';
  let runUrl = '';
  beforeAll(async () => {
    process.env.XIANG_CHROMIUM = chromium!;
    h = await apiHarness();
    await h.ingest.processor.handle(
      'xiang/v1/F1/A1/birth',
      Buffer.from(JSON.stringify(fixtureBirth('sess-F1-0001'))),
    );
    const points: StoredPoint[] = [];
    for (let k = 0; k <= 96; k++)
      points.push({
        factoryId: 'F1',
        deviceId: 'M0',
        metric: 'energyImport',
        tsMs: T0 + k * 900_000,
        value: 1000 + 10 * k,
        status: StatusCodes.Good,
      });
    await h.store.write(points);
    await h.store.flush();
    const res = await h.app.inject({
      method: 'POST',
      url: base,
      headers: bearer(h.adminToken),
      payload: { from: T0, to: T0 + 86_400_000 },
    });
    runUrl = res.headers.location as string;
    await waitFor(
      async () => {
        const r = (await h.app.inject({ method: 'GET', url: runUrl, headers: bearer(h.adminToken) })).json();
        return r.status === 'done' ? r : null;
      },
      'diagnosis to finish',
      15_000,
      20,
    );
  });
  afterAll(async () => {
    delete process.env.XIANG_CHROMIUM;
    await h?.close();
  });

  it('GET …/report?format=pdf answers a PDF with the Chinese report in its text layer', async () => {
    const res = await h.app.inject({
      method: 'GET',
      url: `${runUrl}/report?format=pdf`,
      headers: bearer(h.adminToken),
    });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const { text } = readPdf(res.rawPayload, 'api.pdf');
    expect(text).toContain('一、企业概况与诊断期');
  });

  it('POST …/report renders the administrative fields from the body and names a bad field', async () => {
    const ok = await h.app.inject({
      method: 'POST',
      url: `${runUrl}/report`,
      headers: bearer(h.adminToken),
      payload: {
        format: 'html',
        report: { organisation: { name: '湘诊中心' }, team: [{ name: '张三', role: '组长' }] },
      },
    });
    expect(ok.statusCode, ok.body.slice(0, 300)).toBe(200);
    expect(ok.body).toContain('湘诊中心');
    expect(ok.body).toContain('张三');
    const bad = await h.app.inject({
      method: 'POST',
      url: `${runUrl}/report`,
      headers: bearer(h.adminToken),
      payload: { report: { onSite: { from: '3/10', to: '2026-03-12' } } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('onSite');
  });
});
