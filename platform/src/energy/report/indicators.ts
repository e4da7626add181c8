import type { Indicator } from '../finding.js';
import type { DiagnosisResult } from '../result.js';
import type { Lang, Text } from '../types.js';
import { assessmentName, L, num, numUnit, pick } from './i18n.js';
import { table } from './sections-flow.js';
import { esc } from './svg.js';
import { zhOnly } from './zh.js';

/**
 * Section 3 (indicators) and its appendix. Plant-level indicators are listed in full; a per-meter indicator
 * family with more than CONDENSE_ABOVE rows (power factor, voltage deviation … of every meter and month) is
 * one summary row — how many meters, how many within, the range — plus its failing rows, and the full list
 * goes to Appendix C. A 38-meter plant otherwise printed ~100 passing rows before the first finding.
 */
const CONDENSE_ABOVE = 3;

const families: Record<string, Text> = {
  powerFactor: { zh: '功率因数', en: 'Power factor' },
  voltageDeviation: { zh: '电压偏差', en: 'Voltage deviation' },
  voltageUnbalance: { zh: '三相电压不平衡度', en: 'Voltage unbalance' },
  voltageThd: { zh: '电压总谐波畸变率', en: 'Voltage THD' },
  equipmentLoad: { zh: '设备负载率', en: 'Equipment load rate' },
  meteringCoverage: { zh: '计量器具配备率', en: 'Metering coverage' },
  sec: { zh: '单位产品能耗', en: 'Specific energy consumption' },
  maxDemand: { zh: '最大需量', en: 'Maximum demand' },
  loadFactor: { zh: '负荷率', en: 'Load factor' },
};

const familyOf = (i: Indicator) => i.key.split(':')[0] ?? i.key;
const familyName = (lang: Lang, key: string) => (families[key] ? pick(lang, families[key]) : key);
const passing = (i: Indicator) => i.assessment === 'within' || i.assessment === 'better';

function row(lang: Lang, i: Indicator): string[] {
  return [
    esc(pick(lang, i.label)),
    esc(numUnit(lang, i.value, i.unit, 3)),
    esc(
      i.reference
        .map(
          (x) =>
            `${refKind(lang, x.kind)} ${num(lang, x.value, 3)}${x.confidence ? ` [${x.confidence}]` : ''}`,
        )
        .join(lang === 'en' ? '; ' : '；') || '—',
    ),
    `<span class="a-${esc(i.assessment)}">${esc(assessmentName(lang, i.assessment))}</span>`,
    `<small>${esc(zhOnly(lang, i.basis))}</small>`,
  ];
}

const head = (lang: Lang) => [
  L(lang, 'indicator'),
  L(lang, 'value'),
  L(lang, 'reference'),
  L(lang, 'assessment'),
  L(lang, 'standard'),
];

/** Indicator families condensed in the report (key → rows), in first-appearance order. */
export function condensedFamilies(r: DiagnosisResult): Map<string, Indicator[]> {
  const byFamily = new Map<string, Indicator[]>();
  for (const i of r.indicators) {
    if (!i.where) continue;
    const k = familyOf(i);
    byFamily.set(k, [...(byFamily.get(k) ?? []), i]);
  }
  return new Map([...byFamily].filter(([, rows]) => rows.length > CONDENSE_ABOVE));
}

export function indicatorSection(r: DiagnosisResult, lang: Lang): string {
  const condensed = condensedFamilies(r);
  const isCondensed = (i: Indicator) => !!i.where && condensed.has(familyOf(i));
  const full = r.indicators.filter((i) => !isCondensed(i));
  const summary = [...condensed].map(([k, rows]) => {
    const values = rows.map((i) => i.value).filter((v): v is number => v !== null);
    const unit = rows[0]?.unit ?? '';
    const range = values.length
      ? `${numUnit(lang, Math.min(...values), unit, 3)} – ${numUnit(lang, Math.max(...values), unit, 3)}`
      : '—';
    const meters = new Set(rows.map((i) => i.where)).size;
    return [
      esc(familyName(lang, k)),
      String(meters),
      String(rows.length),
      String(rows.filter(passing).length),
      `<span class="${rows.some((i) => i.assessment === 'worse') ? 'a-worse' : ''}">${rows.filter((i) => i.assessment === 'worse').length}</span>`,
      String(rows.filter((i) => i.assessment === 'unknown').length),
      esc(range),
    ];
  });
  const failing = [...condensed.values()].flat().filter((i) => !passing(i) && i.assessment !== 'unknown');
  const condensedPart = condensed.size
    ? `<h3>${esc(L(lang, 'indSummary'))}</h3><p class="meta">${esc(L(lang, 'indSummaryNote'))}</p>${table(
        [
          L(lang, 'indicator'),
          L(lang, 'indMeters'),
          L(lang, 'indRows'),
          L(lang, 'indPass'),
          L(lang, 'indFail'),
          L(lang, 'indNoRef'),
          L(lang, 'indRange'),
        ],
        summary,
      )}${
        failing.length
          ? `<h3>${esc(L(lang, 'indFailing'))}</h3>${table(
              head(lang),
              failing.map((i) => row(lang, i)),
            )}`
          : ''
      }`
    : '';
  return `<section><h2>${esc(L(lang, 's3'))}</h2>${table(
    head(lang),
    full.map((i) => row(lang, i)),
  )}${condensedPart}</section>`;
}

/** Appendix C: every per-meter row of the condensed families; empty when nothing was condensed. */
export function indicatorAppendix(r: DiagnosisResult, lang: Lang): string {
  const condensed = condensedFamilies(r);
  if (!condensed.size) return '';
  const parts = [...condensed]
    .map(
      ([k, rows]) =>
        `<h3>${esc(familyName(lang, k))}</h3>${table(
          head(lang),
          rows.map((i) => row(lang, i)),
          'small',
        )}`,
    )
    .join('');
  return `<section class="appendix" id="appendix-indicators"><h2>${esc(L(lang, 'appC'))}</h2>${parts}</section>`;
}

function refKind(lang: Lang, k: string): string {
  const names: Record<string, [string, string]> = {
    benchmark: ['标杆', 'benchmark'],
    baseline: ['基准', 'baseline'],
    limit: ['限值', 'limit'],
    history: ['历史', 'own history'],
    target: ['目标', 'target'],
  };
  const n = names[k];
  return n ? (lang === 'en' ? n[1] : n[0]) : k;
}
