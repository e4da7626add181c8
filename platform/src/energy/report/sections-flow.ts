import type { DiagnosisResult } from '../result.js';
import type { Lang } from '../types.js';
import { L, localTime, mediumName, num, roleName, touName, weekdayNames } from './i18n.js';
import { periodText } from './period.js';
import { barChart, esc, heatmapChart, lineChart, loadDurationChart } from './svg.js';
import { industryName, unitText, zhOnly } from './zh.js';

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
    [L(lang, 'industry'), esc(industryName(lang, f.industry))],
    [L(lang, 'industryCode'), esc(f.industryCode ?? '—')],
    [
      L(lang, 'products'),
      esc(
        f.products
          .map((p) => `${p.name} (${unitText(lang, p.unit) || p.unit})`)
          .join(lang === 'en' ? ', ' : '、') || '—',
      ),
    ],
    [L(lang, 'metersMachines'), `${f.meters} / ${f.machines}`],
    [L(lang, 'period'), periodText(r, lang)],
    [L(lang, 'days'), num(lang, r.period.days, 2)],
    [L(lang, 'productionHours'), `${num(lang, r.period.productionHours, 1)} h`],
    [
      L(lang, 'basis'),
      esc(
        `GB/T 2589-2020${lang === 'en' ? ', ' : '，'}${L(lang, r.basis.electricity)} (${num(lang, r.basis.kgcePerKwh, 5)} kgce/kWh)`,
      ),
    ],
    [
      L(lang, 'gridFactor'),
      gf
        ? `${esc(`${gf.value} kgCO₂/kWh — ${gf.area} ${gf.dataYear}`)} <small class="key">${esc(gf.id)}</small>`
        : '—',
    ],
    [L(lang, 'tariff'), esc(tariffText(r.basis.tariff, lang))],
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
        esc(unitText(lang, m.unit)),
        num(lang, m.kgce, 1),
        m.countedInComprehensive && m.kgce !== null && totalKgce > 0
          ? `${num(lang, (m.kgce / totalKgce) * 100, 1)}%`
          : '—',
        num(lang, m.co2Kg, 0),
        num(lang, m.costCny, 0),
        m.countedInComprehensive ? '✓' : `✗${m.note ? ` <small>${esc(zhOnly(lang, m.note))}</small>` : ''}`,
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
      esc(unitText(lang, n.unit)),
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

function tariffText(t: DiagnosisResult['basis']['tariff'], lang: Lang): string {
  const sep = lang === 'en' ? '; ' : '；';
  const price = t.priced
    ? `${L(lang, 'flatPrice')} ${t.flatPriceCnyPerKwh ?? '—'} ${lang === 'en' ? '¥/kWh' : '元/kWh'}`
    : L(lang, 'notPriced');
  return [zhOnly(lang, t.name), `${zhOnly(lang, t.source)} [${t.confidence}]`, price].join(sep);
}
