import type { DiagnosisResult } from '../result.js';
import type { Lang } from '../types.js';
import { confirmationSection, type ReportAdmin, rectificationSection, workSection } from './admin.js';
import { L } from './i18n.js';
import { indicatorAppendix, indicatorSection } from './indicators.js';
import { periodText } from './period.js';
import {
  coefficientsSection,
  dataQualitySection,
  findingsSection,
  infoAppendix,
  measuresSection,
} from './sections-findings.js';
import { flowSection, profileSection } from './sections-flow.js';
import { esc } from './svg.js';

/**
 * The printable energy-saving diagnosis report (节能诊断报告) from a DiagnosisResult: one self-contained
 * HTML document (inline CSS with print rules, inline SVG charts, no scripts, every text escaped),
 * zh-CN by default and Chinese throughout, English on request. `admin` carries the administrative fields
 * (organisation, team, dates, confirmation, rectification plan, follow-up); missing ones print as blank lines.
 */
export type ReportOptions = { lang?: Lang; admin?: ReportAdmin };

export function renderReport(result: DiagnosisResult, opts: ReportOptions = {}): string {
  const lang: Lang = opts.lang ?? 'zh-CN';
  const admin = opts.admin ?? {};
  const f = result.factory;
  const name = lang === 'en' && f.nameEn ? f.nameEn : f.name || f.id;
  const title = `${name} ${L(lang, 'reportTitle')}`;
  return `<!DOCTYPE html>
<html lang="${lang === 'en' ? 'en' : 'zh-CN'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="xiang-iiot ${esc(result.schemaVersion)}">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header class="cover">
<h1>${esc(title)}</h1>
<p class="sub">${esc(L(lang, 'subtitle'))}</p>
<p class="sub">${esc(L(lang, 'period'))}${lang === 'en' ? ': ' : '：'}${periodText(result, lang)}</p>${admin.organisation ? `<p class="sub">${esc(L(lang, 'diagnosedBy'))}${lang === 'en' ? ': ' : '：'}${esc(admin.organisation.name)}</p>` : ''}
<p class="summary">${summaryLine(result, lang)}</p>
</header>
<main>
${profileSection(result, lang)}
${workSection(admin, lang)}
${flowSection(result, lang)}
${indicatorSection(result, lang)}
${findingsSection(result, lang)}
${measuresSection(result, lang)}
${rectificationSection(result, admin, lang)}
${confirmationSection(admin, lang)}
${dataQualitySection(result, lang)}
${coefficientsSection(result, lang)}
${indicatorAppendix(result, lang)}
${infoAppendix(result, lang)}
</main>
</body>
</html>
`;
}

function summaryLine(r: DiagnosisResult, lang: Lang): string {
  const s = r.totals.findingsBySeverity;
  const t = r.totals.saving;
  const fmt = (v: number, d = 1) =>
    new Intl.NumberFormat(lang === 'en' ? 'en-US' : 'zh-CN', { maximumFractionDigits: d }).format(v);
  return lang === 'en'
    ? esc(
        `${r.findings.length} findings (high ${s.high}, medium ${s.medium}, low ${s.low}, info ${s.info}); ${r.measures.length} measures saving ${fmt(t.energyKwh, 0)} kWh, ${fmt(t.tce, 2)} tce, ${fmt(t.tco2, 2)} tCO₂${t.costCny !== null ? `, ${fmt(t.costCny, 0)} ¥` : ''} a year.`,
      )
    : esc(
        `共 ${r.findings.length} 项发现（高 ${s.high}、中 ${s.medium}、低 ${s.low}、提示 ${s.info}）；${r.measures.length} 项措施年节电 ${fmt(t.energyKwh, 0)} kWh、节能 ${fmt(t.tce, 2)} tce、减排 ${fmt(t.tco2, 2)} tCO₂${t.costCny !== null ? `、效益 ${fmt(t.costCny, 0)} 元` : ''}。`,
      );
}

const CSS = `
:root{--ink:#1d2733;--muted:#5b6776;--line:#d5dbe3;--accent:#1f5fa8;--high:#b3261e;--medium:#c25e00;--low:#8a6d00;--info:#4b6b8a}
*{box-sizing:border-box}
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;color:var(--ink);margin:0 auto;max-width:960px;padding:24px;line-height:1.55;font-size:14px}
h1{font-size:26px;margin:0 0 8px}h2{font-size:20px;border-bottom:2px solid var(--accent);padding-bottom:4px;margin-top:32px}
h3{font-size:16px;margin-top:20px}h4{font-size:15px;margin:0 0 6px}
.cover{border-bottom:3px double var(--accent);padding-bottom:12px}.sub{color:var(--muted);margin:2px 0}.summary{font-weight:600;margin-top:10px}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
thead th{background:#eef3f9}table.kv th{width:28%;background:#f6f8fb;font-weight:600}table.small{font-size:12px}
td small,.meta,.assume{color:var(--muted)}.meta,.assume{font-size:12px}.big{font-size:16px}
figure{margin:12px 0;page-break-inside:avoid}figcaption{font-weight:600;margin-bottom:4px}
svg.chart{width:100%;height:auto;font-size:11px}svg .grid{stroke:#e3e8ef}svg .ytick{text-anchor:end;dominant-baseline:middle;fill:var(--muted)}
svg .xtick{text-anchor:middle;fill:var(--muted)}svg .xlabel{text-anchor:end;fill:var(--muted)}svg .ylabel{text-anchor:middle;fill:var(--muted)}
svg .s1{fill:none;stroke:var(--accent);stroke-width:1.4}svg .s2{fill:none;stroke:#d9822b;stroke-width:1}svg .area{fill:#dbe7f5}
svg .s1-text{fill:var(--accent)}svg .s2-text{fill:#d9822b}svg .bar{fill:var(--accent)}svg .value{fill:var(--ink);dominant-baseline:middle}
.finding{border:1px solid var(--line);border-left:5px solid var(--info);padding:10px 12px;margin:10px 0;page-break-inside:avoid}
.finding.sev-high{border-left-color:var(--high)}.finding.sev-medium{border-left-color:var(--medium)}.finding.sev-low{border-left-color:var(--low)}
.badge{display:inline-block;border-radius:3px;padding:0 6px;color:#fff;background:var(--info);font-size:12px}
.sev-high .badge,.badge.sev-high{background:var(--high)}.sev-medium .badge,.badge.sev-medium{background:var(--medium)}.sev-low .badge,.badge.sev-low{background:var(--low)}
.a-worse{color:var(--high);font-weight:600}.a-within,.a-better{color:#2e7d32}
.conf{font-weight:700}.conf-R{color:var(--high)}.conf-S{color:var(--medium)}.conf-C{color:#2e7d32}
.none{color:var(--muted)}code{font-size:12px}details summary{cursor:pointer;color:var(--muted)}
.blank{display:inline-block;min-width:9em;border-bottom:1px solid var(--ink);height:1.1em;vertical-align:bottom;margin:0 1.2em 0 .3em}
.sigblock{margin:18px 0 28px}.sigline{margin:18px 0}.sigline .filled{margin:0 1.2em 0 .3em}.seal{text-align:right;color:var(--muted);margin-right:4em}
table.sign td{height:2.2em}.partial{color:var(--medium);font-weight:600}small.key{color:var(--muted);font-family:monospace}
@page{size:A4;margin:16mm 14mm}
@media print{body{max-width:none;padding:0;font-size:10.5pt}h2,h3,figcaption{page-break-after:avoid;break-after:avoid}thead{display:table-header-group}tr,.sigline,.blank{page-break-inside:avoid;break-inside:avoid}section.confirm{page-break-before:always}section.appendix{page-break-before:always}details>summary{display:none}a{color:inherit;text-decoration:none}}
`;
