import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';

/**
 * HTML report → PDF through Debian's headless Chromium (never a downloaded browser). A4, page numbers in the
 * footer, table headers repeated by the report's print CSS. Before printing, Chromium is asked which fonts it
 * actually used for the report's headings (CDP CSS.getPlatformFontsForNode): a server without a CJK font would
 * otherwise print every Chinese character as a box (.notdef) while the PDF's text layer still looks right.
 */
export type PdfErrorCode = 'noBrowser' | 'noCjkFont' | 'failed';

export class PdfError extends Error {
  constructor(
    readonly code: PdfErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PdfError';
  }
}

export type PdfOptions = {
  /** zh-CN (default) requires a CJK font for the headings. */
  lang?: 'zh-CN' | 'en';
  /** Left footer text on every page (e.g. report title); escaped here. */
  footerText?: string;
  /** Chromium binary; default XIANG_CHROMIUM, else chromium / chromium-browser on PATH. */
  chromiumPath?: string;
  /** Whole render, launch to bytes. */
  timeoutMs?: number;
};

const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
/** Headings and table headers are enough to see the font fallback; bounded so a huge report stays quick. */
const FONT_PROBE_SELECTOR = 'h1, h2, h3, thead th';
const MAX_FONT_PROBES = 60;
const HAN = /\p{Script=Han}/u;
/** Family names of common CJK fonts, used when fontconfig's fc-list is not there to ask. */
const CJK_FAMILY =
  /CJK|Han Sans|Han Serif|WenQuanYi|Droid Sans Fallback|PingFang|YaHei|SimSun|SimHei|Hei|Song|Kai|Ming/i;

export function resolveChromium(explicit?: string): string {
  const candidates = [explicit, process.env.XIANG_CHROMIUM].filter((x): x is string => !!x);
  for (const c of candidates) {
    if (existsSync(c)) return c;
    throw new PdfError('noBrowser', `Chromium not found at ${c} (XIANG_CHROMIUM or chromiumPath)`);
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean))
    for (const name of ['chromium', 'chromium-browser']) {
      const p = path.join(dir, name);
      if (existsSync(p)) return p;
    }
  throw new PdfError(
    'noBrowser',
    "PDF export needs Debian's Chromium: apt-get install chromium (or set XIANG_CHROMIUM to its path)",
  );
}

/** Families fontconfig says can render Chinese; null when fc-list is unavailable. */
function cjkFamiliesFromFontconfig(): Set<string> | null {
  try {
    const out = execFileSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8', timeout: 10_000 });
    return new Set(
      out
        .split('\n')
        .flatMap((l) => l.split(','))
        .map((f) => f.trim())
        .filter(Boolean),
    );
  } catch {
    return null;
  }
}

type PlatformFont = { familyName: string; glyphCount: number };

/** Families Chromium used for each Chinese heading; throws noCjkFont when one was drawn without a CJK font. */
async function assertCjkGlyphs(page: Page): Promise<void> {
  const known = cjkFamiliesFromFontconfig();
  const isCjk = (family: string) => (known ? known.has(family) : CJK_FAMILY.test(family));
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument', { depth: 0 });
    const { nodeIds } = await cdp.send('DOM.querySelectorAll', {
      nodeId: root.nodeId,
      selector: FONT_PROBE_SELECTOR,
    });
    let probed = 0;
    for (const nodeId of nodeIds) {
      if (probed >= MAX_FONT_PROBES) break;
      const { outerHTML } = await cdp.send('DOM.getOuterHTML', { nodeId });
      if (!HAN.test(outerHTML)) continue;
      probed++;
      const { fonts } = (await cdp.send('CSS.getPlatformFontsForNode', { nodeId })) as {
        fonts: PlatformFont[];
      };
      if (fonts.length > 0 && !fonts.some((f) => f.glyphCount > 0 && isCjk(f.familyName)))
        throw new PdfError(
          'noCjkFont',
          `no CJK font on this server: Chinese text would print as boxes (Chromium drew it with ${fonts
            .map((f) => f.familyName)
            .join(', ')}). Install one: apt-get install fonts-noto-cjk`,
        );
    }
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

const escHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function footerTemplate(lang: 'zh-CN' | 'en', text: string): string {
  // Chromium fills .pageNumber/.totalPages; the template has its own tiny document (no page CSS applies).
  const pages =
    lang === 'en'
      ? 'Page <span class="pageNumber"></span> of <span class="totalPages"></span>'
      : '第 <span class="pageNumber"></span> 页 / 共 <span class="totalPages"></span> 页';
  return `<div style="font-family:'Noto Sans CJK SC','Noto Sans',sans-serif;font-size:8px;color:#5b6776;width:100%;padding:0 14mm;display:flex;justify-content:space-between"><span>${escHtml(text)}</span><span>${pages}</span></div>`;
}

/** One PDF at a time per process: each render starts a browser (≈100–300 MB), and the machine is shared. */
let queue: Promise<unknown> = Promise.resolve();

export function htmlToPdf(html: string, opts: PdfOptions = {}): Promise<Buffer> {
  const run = queue.then(() => render(html, opts));
  queue = run.catch(() => undefined);
  return run;
}

async function render(html: string, opts: PdfOptions): Promise<Buffer> {
  const lang = opts.lang ?? 'zh-CN';
  const timeout = opts.timeoutMs ?? 120_000;
  const executablePath = resolveChromium(opts.chromiumPath);
  const { chromium } = await import('playwright-core');
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({ executablePath, args: CHROMIUM_FLAGS, timeout });
    const page = await browser.newPage();
    page.setDefaultTimeout(timeout);
    // The report loads nothing from anywhere; block any request so a stray URL cannot reach the network.
    await page.route('**/*', (route) => route.abort());
    await page.setContent(html, { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });
    if (lang !== 'en') await assertCjkGlyphs(page);
    return await page.pdf({
      format: 'A4',
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: '<span></span>',
      footerTemplate: footerTemplate(lang, opts.footerText ?? ''),
      margin: { top: '16mm', bottom: '18mm', left: '14mm', right: '14mm' },
    });
  } catch (e) {
    if (e instanceof PdfError) throw e;
    throw new PdfError('failed', `PDF rendering failed: ${(e as Error).message.split('\n')[0]}`);
  } finally {
    await browser?.close().catch(() => undefined);
  }
}
