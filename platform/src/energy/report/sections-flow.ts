import type { DiagnosisResult } from '../result.js';
import type { Lang } from '../types.js';
import {
  assessmentName,
  L,
  localTime,
  mediumName,
  num,
  pick,
  roleName,
  touName,
  weekdayNames,
} from './i18n.js';
import { barChart, esc, heatmapChart, lineChart, loadDurationChart } from './svg.js';

/** Report sections 1–3: enterprise profile and period, energy structure and flow, indicators. */
export const table = (head: string[], rows: string[][], cls = ''): string =>
  `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;

export function profileSection(r: DiagnosisResult, lang: Lang): string {
  const off = r.period.utcOffsetMinutes;
  const f = r.factory;
  const gf = r.basis.gridFactor;
  const rows: [string, string][] = [
    [L(lang, 'factory'), esc(lang === 'en' && f.nameEn ? f.nameEn : f.name || f.id)],
    [L(lang, 'factoryId'), esc(f.id)],
    [L(lang, 'province'), esc(f.province)],
    [L(lang, 'industry'), esc(f.industry)],
    [L(lang, 'industryCode'), esc(f.industryCode ?? '—')],
    [
      L(lang, 'products'),
      esc(f.products.map((p) => `${p.name} (${p.unit})`).join(lang === 'en' ? ', ' : '、') || '—'),
    ],
    [L(lang, 'metersMachines'), `${f.meters} / ${f.machines}`],
    [
      L(lang, 'period'),
      esc(
        `${localTime(r.period.fromMs, off)} — ${localTime(r.period.toMs, off)} (UTC${off >= 0 ? '+' : ''}${off / 60})`,
      ),
    ],
    [L(lang, 'days'), num(lang, r.period.days, 2)],
    [L(lang, 'productionHours'), `${num(lang, r.period.productionHours, 1)} h`],
    [
      L(lang, 'basis'),
      esc(`GB/T 2589-2020, ${L(lang, r.basis.electricity)} (${num(lang, r.basis.kgcePerKwh, 5)} kgce/kWh)`),
    ],
    [L(lang, 'gridFactor'), gf ? esc(`${gf.value} kgCO₂/kWh — ${gf.area} ${gf.dataYear} (${gf.id})`) : '—'],
    [
      L(lang, 'tariff'),
      esc(
        `${r.basis.tariff.name}; ${r.basis.tariff.source} [${r.basis.tariff.confidence}]${r.basis.tariff.priced ? `; ${r.basis.tariff.flatPriceCnyPerKwh ?? ''} ¥/kWh` : `; ${L(lang, 'notPriced')}`}`,
      ),
    ],
    [L(lang, 'generated'), esc(localTime(r.generatedAtMs, off))],
  ];
  return `<section><h2>${esc(L(lang, 's1'))}</h2><table class="kv"><tbody>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join('')}</tbody></table></section>`;
}

export function flowSection(r: DiagnosisResult, lang: Lang): string {
  const a = r.accounting;
  const totalKgce = a.comprehensive.kgce;
  const media = table(
    [
      L(lang, 'medium'),
      L(lang, 'quantity'),
      L(lang, 'unit'),
      L(lang, 'kgce'),
      L(lang, 'share'),
      L(lang, 'co2'),
      L(lang, 'cost'),
      L(lang, 'counted'),
    ],
    [
      ...a.media.map((m) => [
        esc(mediumName(lang, m.medium)),
        num(lang, m.quantity, 1),
        esc(m.unit),
        num(lang, m.kgce, 1),
        m.countedInComprehensive && m.kgce !== null && totalKgce > 0
          ? `${num(lang, (m.kgce / totalKgce) * 100, 1)}%`
          : '—',
        num(lang, m.co2Kg, 0),
        num(lang, m.costCny, 0),
        m.countedInComprehensive ? '✓' : `✗${m.note ? ` <small>${esc(m.note)}</small>` : ''}`,
      ]),
      [
        `<b>${esc(L(lang, 'total'))}</b>`,
        '',
        '',
        `<b>${num(lang, totalKgce, 1)}</b>`,
        '100%',
        `<b>${num(lang, a.comprehensive.co2T * 1000, 0)}</b>`,
        `<b>${num(lang, a.comprehensive.costCny, 0)}</b>`,
        '',
      ],
    ],
  );
  const comprehensive = `<p class="big">${esc(L(lang, 'comprehensive'))}: <b>${num(lang, a.comprehensive.tce, 3)} tce</b> · CO₂ <b>${num(lang, a.comprehensive.co2T, 3)} t</b></p>`;
  const bars = barChart(
    L(lang, 'byMedium'),
    r.charts.byMedium.map((m) => ({ label: mediumName(lang, m.medium), value: m.kgce })),
    'kgce',
  );
  const tree = table(
    [L(lang, 'meter'), L(lang, 'role'), L(lang, 'quantity'), L(lang, 'unit'), L(lang, 'gaps')],
    a.nodes.map((n) => [
      `<span style="padding-left:${n.depth * 1.2}em">${n.depth ? '└ ' : ''}${esc(n.name)} <small>${esc(n.meterId)}</small></span>`,
      esc(`${mediumName(lang, n.medium)} · ${roleName(lang, n.role)}`),
      n.hasData ? num(lang, n.total, 1) : '—',
      esc(n.unit),
      num(lang, n.gapSlots / 4, 2),
    ]),
  );
  const balance = a.balance.length
    ? `<h3>${esc(L(lang, 'balance'))}</h3>${table(
        [
          L(lang, 'parent'),
          L(lang, 'month'),
          L(lang, 'parent'),
          L(lang, 'children'),
          L(lang, 'loss'),
          L(lang, 'share'),
        ],
        a.balance.map((b) => [
          esc(b.parentId),
          esc(b.month),
          num(lang, b.parentQuantity, 1),
          num(lang, b.childrenQuantity, 1),
          num(lang, b.lossQuantity, 1),
          b.lossShare === null ? '—' : `${num(lang, b.lossShare * 100, 1)}%`,
        ]),
      )}`
    : '';
  const tou = table(
    [L(lang, 'tariff'), 'kWh', L(lang, 'share'), L(lang, 'cost')],
    a.tou.map((x) => [
      esc(touName(lang, x.type)),
      num(lang, x.energyKwh, 0),
      `${num(lang, x.share * 100, 1)}%`,
      num(lang, x.costCny, 0),
    ]),
  );
  const monthly = table(
    [L(lang, 'month'), 'kWh', 'kgce', L(lang, 'co2'), L(lang, 'cost'), L(lang, 'gaps')],
    a.monthly.map((m) => [
      esc(m.month),
      num(lang, m.electricityKwh, 0),
      num(lang, m.kgce, 0),
      num(lang, m.co2Kg, 0),
      num(lang, m.costCny, 0),
      num(lang, m.gapSlots / 4, 2),
    ]),
  );
  const c = r.charts;
  const charts = [
    lineChart({
      title: L(lang, 'loadCurve'),
      parts: [
        { name: L(lang, 'meanKw'), values: c.loadCurve.meanKw, cls: 's1' },
        { name: L(lang, 'maxKw'), values: c.loadCurve.maxKw, cls: 's2' },
      ],
      startMs: c.loadCurve.startMs,
      intervalMs: c.loadCurve.intervalMs,
      utcOffsetMinutes: r.period.utcOffsetMinutes,
      unit: 'kW',
    }),
    heatmapChart(L(lang, 'heatmap'), c.heatmapKw, weekdayNames(lang), 'kW'),
    loadDurationChart(L(lang, 'duration'), c.loadDurationKw, 'kW', L(lang, 'timeShare')),
  ];
  const fig = (title: string, svg: string) => `<figure><figcaption>${esc(title)}</figcaption>${svg}</figure>`;
  return `<section><h2>${esc(L(lang, 's2'))}</h2>${comprehensive}${media}${fig(L(lang, 'byMedium'), bars)}
<h3>${esc(L(lang, 'tree'))}</h3>${tree}${balance}<h3>${esc(L(lang, 'touTitle'))}</h3>${tou}<h3>${esc(L(lang, 'monthly'))}</h3>${monthly}
${fig(L(lang, 'loadCurve'), charts[0]!)}${fig(L(lang, 'heatmap'), charts[1]!)}${fig(L(lang, 'duration'), charts[2]!)}</section>`;
}

export function indicatorSection(r: DiagnosisResult, lang: Lang): string {
  const rows = r.indicators.map((i) => [
    esc(pick(lang, i.label)),
    `${num(lang, i.value, 3)}${i.unit === '1' ? '' : ` <small>${esc(i.unit)}</small>`}`,
    esc(
      i.reference
        .map(
          (x) =>
            `${refKind(lang, x.kind)} ${num(lang, x.value, 3)}${x.confidence ? ` [${x.confidence}]` : ''}`,
        )
        .join('; ') || '—',
    ),
    `<span class="a-${esc(i.assessment)}">${esc(assessmentName(lang, i.assessment))}</span>`,
    `<small>${esc(i.basis)}</small>`,
  ]);
  return `<section><h2>${esc(L(lang, 's3'))}</h2>${table([L(lang, 'indicator'), L(lang, 'value'), L(lang, 'reference'), L(lang, 'assessment'), L(lang, 'standard')], rows)}</section>`;
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
