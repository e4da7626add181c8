import type { Finding } from '../finding.js';
import type { DiagnosisResult } from '../result.js';
import { rules } from '../rules/index.js';
import type { Lang } from '../types.js';
import { categories, L, localTime, num, numUnit, pick, severityName } from './i18n.js';
import { table } from './sections-flow.js';
import { esc } from './svg.js';
import { zhOnly } from './zh.js';

const sep = (lang: Lang) => (lang === 'en' ? '; ' : '；');
const ruleTitles = new Map(rules.map((r) => [r.id, r.title]));
/** A rule's display name: its title in the report language (the key only in English, as a reference). */
export const ruleName = (lang: Lang, id: string): string => {
  const t = ruleTitles.get(id);
  return t ? pick(lang, t) : id;
};
const money = (lang: Lang, v: number | null) => (v === null ? '—' : numUnit(lang, v, 'CNY', 0));
/** Name, device id and asset path once each (a meter named after its id printed "M-MAIN · M-MAIN"). */
export function whereText(w: { name?: string; deviceId?: string; assetPath?: string }): string {
  const parts: string[] = [];
  for (const p of [w.name, w.deviceId, w.assetPath]) if (p && !parts.includes(p)) parts.push(p);
  return parts.join(' · ');
}

/** Report sections 4–5 and the appendices: findings by category, ranked measures, data quality, coefficients. */
function findingBlock(f: Finding, lang: Lang, off: number): string {
  const figures = f.evidence.figures
    .filter((x) => x.value !== null)
    .map(
      (x) =>
        `<tr><th>${esc(pick(lang, x.label))}</th><td>${esc(numUnit(lang, x.value, x.unit, 3))}</td></tr>`,
    )
    .join('');
  const evTable = f.evidence.table
    ? table(
        f.evidence.table.columns.map((c) => pick(lang, c)),
        f.evidence.table.rows.map((row) =>
          row.map((c) => (typeof c === 'number' ? num(lang, c, 3) : esc(c ?? '—'))),
        ),
        'small',
      )
    : '';
  const s = f.saving;
  const saving = s
    ? `<p><b>${esc(L(lang, 'saving'))}:</b> ${num(lang, s.energyKwh, 0)} kWh · ${num(lang, s.tce, 2)} tce · ${num(lang, s.tco2, 2)} tCO₂ · ${money(lang, s.costCny)}${s.investmentCny !== null ? ` · ${esc(L(lang, 'investment'))} ${num(lang, s.investmentCny, 0)} · ${esc(L(lang, 'payback'))} ${num(lang, s.paybackYears, 1)}` : ''}</p><p class="assume"><b>${esc(L(lang, 'assumptions'))}:</b> ${s.assumptions.map((a) => esc(pick(lang, a))).join(sep(lang))}</p>`
    : '';
  const where = whereText(f.where);
  const when = `${localTime(f.when.fromMs, off)} — ${localTime(f.when.toMs, off)}`;
  return `<article class="finding sev-${f.severity}" id="${esc(f.id)}">
<h4><span class="badge">${esc(severityName(lang, f.severity))}</span> ${esc(pick(lang, f.title))}</h4>
<p>${esc(zhOnly(lang, pick(lang, f.what)))}</p>
<p class="meta"><b>${esc(L(lang, 'where'))}:</b> ${esc(where || '—')} · <b>${esc(L(lang, 'when'))}:</b> ${esc(when)}</p>
<details open><summary>${esc(L(lang, 'evidence'))}</summary><table class="kv small"><tbody>${figures}</tbody></table>${evTable}
<p class="meta"><b>${esc(L(lang, 'series'))}:</b> ${f.evidence.series.map((x) => `<code class="key">${esc(`${x.deviceId}/${x.metric}`)}</code>`).join(' ') || '—'}</p></details>
${saving}<p><b>${esc(L(lang, 'recommendation'))}:</b> ${esc(pick(lang, f.recommendation))}</p>
<p class="meta"><b>${esc(L(lang, 'standard'))}:</b> ${f.basis.map((b) => esc(zhOnly(lang, b))).join(sep(lang))}</p></article>`;
}

/**
 * Info-level findings of one rule on more than CONDENSE_INFO_ABOVE places (a note per meter that its first
 * hours have no data, …) are one table row each here, their full evidence in Appendix D; every finding of
 * severity low and above keeps its full block.
 */
const CONDENSE_INFO_ABOVE = 3;

export function condensedInfo(r: DiagnosisResult): Set<string> {
  const byRule = new Map<string, number>();
  for (const f of r.findings) if (f.severity === 'info') byRule.set(f.rule, (byRule.get(f.rule) ?? 0) + 1);
  return new Set(
    r.findings
      .filter((f) => f.severity === 'info' && (byRule.get(f.rule) ?? 0) > CONDENSE_INFO_ABOVE)
      .map((f) => f.id),
  );
}

export function findingsSection(r: DiagnosisResult, lang: Lang): string {
  const off = r.period.utcOffsetMinutes;
  const condensed = condensedInfo(r);
  const groups = categories
    .map((c) => {
      const fs = r.findings.filter((f) => f.category === c.key);
      const full = fs.filter((f) => !condensed.has(f.id));
      const brief = fs.filter((f) => condensed.has(f.id));
      const briefTable = brief.length
        ? `<p class="meta">${esc(L(lang, 'infoCondensed'))}</p>${table(
            [L(lang, 'infoItem'), L(lang, 'where'), L(lang, 'notes')],
            brief.map((f) => [
              `<a href="#${esc(f.id)}">${esc(pick(lang, f.title))}</a>`,
              esc(whereText(f.where)),
              esc(zhOnly(lang, pick(lang, f.what))),
            ]),
            'small',
          )}`
        : '';
      const body = fs.length
        ? `${full.map((f) => findingBlock(f, lang, off)).join('')}${briefTable}`
        : `<p class="none">${esc(L(lang, 'noFindings'))}</p>`;
      return `<h3>${esc(pick(lang, c.text))}</h3>${body}`;
    })
    .join('');
  return `<section><h2>${esc(L(lang, 's4'))}</h2>${groups}</section>`;
}

/** Appendix D: the full blocks of the condensed info-level findings; empty when none were condensed. */
export function infoAppendix(r: DiagnosisResult, lang: Lang): string {
  const condensed = condensedInfo(r);
  if (!condensed.size) return '';
  const blocks = r.findings
    .filter((f) => condensed.has(f.id))
    .map((f) => findingBlock(f, lang, r.period.utcOffsetMinutes))
    .join('');
  return `<section class="appendix" id="appendix-info"><h2>${esc(L(lang, 'appD'))}</h2>${blocks}</section>`;
}

export function measuresSection(r: DiagnosisResult, lang: Lang): string {
  const rows = r.measures.map((m) => [
    String(m.rank),
    `<a href="#${esc(m.findingId)}">${esc(pick(lang, m.title))}</a>`,
    num(lang, m.saving.energyKwh, 0),
    num(lang, m.saving.tce, 2),
    num(lang, m.saving.tco2, 2),
    num(lang, m.saving.costCny, 0),
    num(lang, m.saving.investmentCny, 0),
    num(lang, m.saving.paybackYears, 1),
  ]);
  const t = r.totals.saving;
  rows.push([
    `<b>${esc(L(lang, 'total'))}</b>`,
    '',
    num(lang, t.energyKwh, 0),
    num(lang, t.tce, 2),
    num(lang, t.tco2, 2),
    num(lang, t.costCny, 0),
    num(lang, t.investmentCny, 0),
    '',
  ]);
  const head = [
    L(lang, 'rank'),
    L(lang, 'measure'),
    L(lang, 'kwh'),
    L(lang, 'tce'),
    L(lang, 'tco2'),
    L(lang, 'cny'),
    L(lang, 'investment'),
    L(lang, 'payback'),
  ];
  const ver = r.verification.length
    ? `<h3>${esc(L(lang, 's5v'))}</h3>${table(
        [
          L(lang, 'verMeasure'),
          L(lang, 'verDate'),
          L(lang, 'verModel'),
          L(lang, 'verSaved'),
          L(lang, 'verUnc'),
        ],
        r.verification.map((v) => [
          esc(v.name),
          esc(localTime(v.dateMs, r.period.utcOffsetMinutes, false)),
          esc(
            `E = ${v.model.coefficients.map((c, i) => `${c.toFixed(3)}${i ? `·${v.model.terms[i]}` : ''}`).join(' + ')}; n=${v.model.n}, CV(RMSE)=${num(lang, v.model.cvRmsePct, 2)}%, NMBE=${num(lang, v.model.nmbePct, 2)}% ${v.model.passes ? '✓' : '✗'} G14`,
          ),
          `${num(lang, v.savedKwh, 0)} (${num(lang, (v.savedFraction ?? Number.NaN) * 100, 1)}%)`,
          `± ${num(lang, v.uncertaintyKwh, 0)} @ ${num(lang, v.confidence * 100, 0)}%`,
        ]),
      )}`
    : '';
  return `<section><h2>${esc(L(lang, 's5'))}</h2>${r.measures.length ? table(head, rows) : `<p>${esc(L(lang, 'noMeasures'))}</p>`}${ver}</section>`;
}

export function dataQualitySection(r: DiagnosisResult, lang: Lang): string {
  const dq = r.dataQuality;
  // Only meters with something to say; the full list stays in the JSON result.
  const troubled = dq.meters.filter(
    (m) =>
      m.gapSlots ||
      m.frozenHours ||
      m.negativeSlots ||
      m.implausibleSlots ||
      m.resets ||
      m.rollovers ||
      m.source !== 'counter',
  );
  const summary =
    lang === 'en'
      ? `${dq.meters.length - troubled.length} of ${dq.meters.length} meters complete, without gaps, freezes or implausible values.`
      : `${dq.meters.length} 块表中 ${dq.meters.length - troubled.length} 块数据完整，无缺测、冻结或不合理值。`;
  const meterTable = troubled.length
    ? table(
        [
          L(lang, 'meter'),
          L(lang, 'gaps'),
          L(lang, 'frozen'),
          L(lang, 'negative'),
          L(lang, 'implausible'),
          L(lang, 'resets'),
          L(lang, 'source'),
        ],
        troubled.map((m) => [
          esc(m.meterId),
          `${num(lang, m.gapSlots / 4, 2)} (${num(lang, (m.gapSlots / Math.max(1, m.slots)) * 100, 2)}%)`,
          num(lang, m.frozenHours, 2),
          String(m.negativeSlots),
          String(m.implausibleSlots),
          `${m.resets}/${m.rollovers}`,
          esc(zhOnly(lang, m.source)),
        ]),
        'small',
      )
    : '';
  const meters = `<p>${esc(summary)}</p>${meterTable}`;
  const notes = dq.notes.length
    ? `<h3>${esc(L(lang, 'notes'))}</h3><ul>${dq.notes.map((n) => `<li><span class="badge sev-${n.severity}">${esc(severityName(lang, n.severity))}</span> ${n.deviceId ? `<code>${esc(n.deviceId)}</code> ` : ''}${esc(zhOnly(lang, pick(lang, n.text)))}</li>`).join('')}</ul>`
    : '';
  const skipped = dq.rulesSkipped.length
    ? `<h3>${esc(L(lang, 'skipped'))}</h3><ul>${dq.rulesSkipped.map((s) => `<li><b>${esc(ruleName(lang, s.rule))}</b>：${esc(zhOnly(lang, pick(lang, s.reason)))}</li>`).join('')}</ul>`
    : '';
  return `<section class="appendix"><h2>${esc(L(lang, 'appA'))}</h2><h3>${esc(L(lang, 'dqMeters'))}</h3>${meters}${notes}${skipped}</section>`;
}

export function coefficientsSection(r: DiagnosisResult, lang: Lang): string {
  const rows = r.coefficients.map((c) => [
    coefficientName(lang, c),
    esc(numUnit(lang, c.value, c.unit, 5)),
    esc(zhOnly(lang, c.source)),
    c.year === null ? '—' : String(c.year),
    `<span class="conf conf-${esc(c.confidence)}">${esc(c.confidence)}</span>`,
    c.override
      ? esc(`${num(lang, c.override.originalValue, 5)} → ${num(lang, c.value, 5)}: ${c.override.reason}`)
      : '',
  ]);
  const settings = r.settingsApplied.length
    ? `<h3>${esc(L(lang, 'settingsApplied'))}</h3><ul>${r.settingsApplied.map((s) => `<li><code>${esc(s.path)}</code>: ${esc(JSON.stringify(s.defaultValue))} → ${esc(JSON.stringify(s.value))}</li>`).join('')}</ul>`
    : '';
  return `<section class="appendix"><h2>${esc(L(lang, 'appB'))}</h2><p class="meta">${esc(L(lang, 'confidenceLegend'))}</p>${table(
    [
      L(lang, 'coefficient'),
      L(lang, 'value'),
      L(lang, 'source'),
      L(lang, 'year'),
      L(lang, 'confidence'),
      L(lang, 'override'),
    ],
    rows,
    'small',
  )}${settings}</section>`;
}

/** The coefficient's label in the report language, its id beneath as the key to the JSON result. */
function coefficientName(lang: Lang, c: { id: string; label: string }): string {
  // Some labels are the id itself, or the id with a note ("pf.0.90.surcharge.0.70 (% per 0.01)").
  const label = zhOnly(lang, c.label.startsWith(c.id) ? c.label.slice(c.id.length).trim() : c.label);
  const shown = label ? `${esc(label)}<br>` : '';
  return `${shown}<small class="key">${esc(c.id)}</small>`;
}
