import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type ReportAdmin, reportAdminSchema } from '../energy/report/admin.js';
import { htmlToPdf } from '../report-pdf/index.js';

/**
 * What `xiang diagnose` needs around the report itself: the administrative fields from --report-info FILE
 * (YAML/JSON, schema reportAdminSchema) plus --org and --team on the command line, and PDF output chosen by
 * the --out extension (the HTML is written to a temporary file first, then printed by headless Chromium).
 */
export function reportAdminFrom(opts: { file?: string; org?: string; team?: string }): ReportAdmin {
  let doc: unknown = {};
  if (opts.file) {
    const text = readFileSync(opts.file, 'utf8');
    doc = (opts.file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) ?? {};
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new Error(`${opts.file}: expected a mapping of report fields (organisation, team, onSite, …)`);
  const merged: Record<string, unknown> = { ...(doc as Record<string, unknown>) };
  if (opts.org) merged.organisation = { ...(merged.organisation as object | undefined), name: opts.org };
  if (opts.team)
    merged.team = opts.team
      .split(/[,，]/)
      .map((s) => s.trim())
      .filter(Boolean)
      .map((entry) => {
        const [name, role] = entry.split(/[:：]/).map((s) => s.trim());
        return role ? { name, role } : { name };
      });
  const parsed = reportAdminSchema.safeParse(merged);
  if (!parsed.success) {
    const where = opts.file ? `${opts.file}: ` : '';
    const issue = parsed.error.issues[0];
    throw new Error(`${where}${issue?.path.join('.') || 'report fields'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export const wantsPdf = (out: string): boolean => out.toLowerCase().endsWith('.pdf');

/** A private temporary path for the HTML a PDF is printed from. */
export const tempHtmlPath = (): string => path.join(os.tmpdir(), `xiang-report-${randomUUID()}.html`);

/** Prints the HTML at `htmlPath` to `pdfPath` and removes the HTML. */
export async function printPdf(
  htmlPath: string,
  pdfPath: string,
  opts: { lang: 'zh-CN' | 'en'; footerText?: string },
): Promise<void> {
  try {
    const pdf = await htmlToPdf(readFileSync(htmlPath, 'utf8'), opts);
    writeFileSync(pdfPath, pdf);
  } finally {
    rmSync(htmlPath, { force: true });
  }
}
