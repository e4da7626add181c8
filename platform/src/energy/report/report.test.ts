import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../diagnose.js';
import type { DiagnosisResult } from '../result.js';
import { device, elecMeter, input, MONDAY, PER_DAY, registry, series } from '../test-support.js';
import { reportAdminSchema } from './admin.js';
import { renderReport } from './html.js';
import { whereText } from './sections-findings.js';
import { unitText } from './zh.js';

/**
 * The report an inspector hands over: Chinese only in zh-CN, units as printed, a location said once,
 * passing per-meter rows condensed (detail in an appendix), the period as the console states it with partial
 * days flagged, and the administrative fields of a 节能诊断报告 with blank lines where nothing was given.
 *
 * The plant: an unnamed incomer M0 (its name is its id) with PF ≈ 0.86 and voltages, feeding eight named
 * feeders whose power factor and voltages are fine — 9 meters × 4 power-quality indicators, 32 of them passing.
 */
const DAYS = 7;
const n = DAYS * PER_DAY;
const work = (t: { hour: number; weekday: number }) => t.weekday <= 5 && t.hour >= 8 && t.hour < 17;
const feederKw = (k: number) => (_: number, t: { hour: number; weekday: number }) => (work(t) ? 20 + k : 8);
const FEEDERS = 8;

function pqExtra(pf: number, kw: (i: number, t: { hour: number; weekday: number }) => number) {
  const tan = Math.tan(Math.acos(pf));
  return {
    reactiveKvarh: series(MONDAY, n, (i, t) => kw(i, t) * tan * 0.25),
    voltageV: {
      L1: series(MONDAY, n, () => 231),
      L2: series(MONDAY, n, () => 229),
      L3: series(MONDAY, n, () => 230),
    },
    voltageThdPct: series(MONDAY, n, () => 2.1),
  };
}

function plant(): DiagnosisResult {
  const feeders = Array.from({ length: FEEDERS }, (_, k) => `F${k + 1}`);
  const total = (i: number, t: { hour: number; weekday: number }) =>
    feeders.reduce((s, _, k) => s + feederKw(k)(i, t), 0) + 5;
  const reg = registry(
    [
      device('M0', 'meter', { meterRole: 'mainIncomer' }),
      ...feeders.map((id, k) =>
        device(id, 'meter', {
          meterRole: 'feeder',
          parentMeter: 'M0',
          name: `${k + 1}号车间`,
          assetPath: `WS${k}`,
        }),
      ),
    ],
    {
      name: '湘江机械厂',
      nameEn: 'Xiangjiang Machinery',
      products: [{ id: 'SH', name: '传动轴', unit: 'pcs' }],
    },
  );
  return diagnose(
    input({
      registry: reg,
      days: DAYS,
      meters: [
        elecMeter('M0', MONDAY, n, total, pqExtra(0.86, total)),
        ...feeders.map((id, k) => elecMeter(id, MONDAY, n, feederKw(k), pqExtra(0.97, feederKw(k)))),
      ],
      options: { flatPriceCnyPerKwh: 0.6 },
    }),
  );
}

const result = plant();
const zh = renderReport(result);

/** Visible text: no CSS, SVG, identifiers (<code>, class="key"), tags or entities. */
function visibleText(html: string): string {
  return html
    .replace(/<style>[\s\S]*?<\/style>/g, ' ')
    .replace(/<svg[\s\S]*?<\/svg>/g, ' ')
    .replace(/<code[^>]*>[\s\S]*?<\/code>/g, ' ')
    .replace(/<small class="key">[\s\S]*?<\/small>/g, ' ')
    .replace(/[\w-]+(?:\.[\w\p{Script=Han}-]+)+/gu, ' ') // dotted keys such as grid.province.湖南.2023
    .replace(/<[^>]+>/g, ' ')
    .replace(/&[#\w]+;/g, ' ');
}

/** English words: a lowercase run of 3+ letters that is not a unit or symbol an inspector reads in Chinese text. */
const UNIT_OR_SYMBOL =
  /^(kWh|kW|kvar|kvarh|kgce|tce|kgCO|tCO|kJ|MJ|kcal|pcs|min|kg|max|avg|tan|Ep|Eq|Qc|THD|NCV)$/;
function englishWords(html: string): string[] {
  const words = visibleText(html).match(/[A-Za-z][A-Za-z'-]*[a-z]{2,}[A-Za-z]*/g) ?? [];
  return [...new Set(words.filter((w) => !UNIT_OR_SYMBOL.test(w)))];
}

function section(html: string, heading: string): string {
  const start = html.indexOf(`<h2>${heading}`);
  expect(start, heading).toBeGreaterThan(0);
  const end = html.indexOf('<h2>', start + 4);
  return html.slice(start, end < 0 ? undefined : end);
}

describe('zh-CN report is Chinese', () => {
  it('has no English words outside identifiers (industry, tariff, basis, standard notes, rule names)', () => {
    expect(englishWords(zh)).toEqual([]);
  });

  it('shows a skipped rule by its Chinese name, and English only with lang=en', () => {
    const skipped = {
      ...result.dataQuality,
      rulesSkipped: [{ rule: 'energyBaseline', reason: { zh: '数据不足', en: 'too little data' } }],
    };
    const html = renderReport({ ...result, dataQuality: skipped });
    expect(visibleText(html)).not.toContain('energyBaseline');
    expect(englishWords(html)).toEqual([]);
    const en = renderReport(result, { lang: 'en' });
    expect(en).toContain('discrete manufacturing');
    expect(en).toContain('PF = Ep/√(Ep²+Eq²), monthly, 2 decimals');
  });
});

describe('units and locations', () => {
  it('prints no dimensionless unit "1" after a number', () => {
    // Power factors are unit "1": on main every one printed as "0.86 1" (and a count of 0 as "0 1").
    expect(result.indicators.some((i) => i.unit === '1')).toBe(true);
    const cells = [...zh.matchAll(/<td>([^<]*)<\/td>/g)].map((m) => m[1]!.trim());
    expect(cells.filter((c) => /^[\d.,]+ 1$/.test(c))).toEqual([]);
    expect(zh).not.toMatch(/>[\d.,]+ 1</);
  });

  it('prints m³ and CO₂ rather than m3 and CO2, 元 for CNY in Chinese', () => {
    fc.assert(
      fc.property(fc.constantFrom('m3', 'm3/min', 'kW/(m3/min)', 'kgCO2/kWh', 'tCO2', '1', 'CNY'), (u) => {
        const t = unitText('zh-CN', u);
        expect(t).not.toMatch(/m3|CO2|^1$/);
        if (u === 'CNY') expect(t).toBe('元');
      }),
    );
  });

  it('names a place once: an unnamed meter is not "M0 · M0"', () => {
    expect(result.findings.some((f) => f.where.deviceId === 'M0')).toBe(true);
    expect(visibleText(zh)).not.toMatch(/M0 · M0/);
    fc.assert(
      fc.property(fc.array(fc.constantFrom('M0', 'WS1', '总进线', ''), { maxLength: 3 }), (parts) => {
        const [name, deviceId, assetPath] = parts;
        const shown = whereText({ name, deviceId, assetPath }).split(' · ').filter(Boolean);
        expect(new Set(shown).size).toBe(shown.length);
        expect(new Set(shown)).toEqual(new Set(parts.filter(Boolean)));
      }),
    );
  });
});

describe('passing per-meter rows are condensed', () => {
  it('lists a summary with counts in section 3 and every per-meter row in Appendix C', () => {
    const passingPf = result.indicators.filter(
      (i) => i.key.startsWith('powerFactor:') && i.assessment === 'within',
    );
    expect(passingPf.length).toBe(FEEDERS);
    const s3 = section(zh, '三、能效指标对标');
    for (const i of passingPf) expect(s3).not.toContain(i.label.zh);
    expect(s3).toContain('分表指标汇总');
    expect(s3).toMatch(
      /<td>功率因数<\/td><td>9<\/td><td>9<\/td><td>8<\/td><td><span class="a-worse">1<\/span>/,
    );
    // The failing one (M0, PF 0.86) stays in section 3.
    const m0 = result.indicators.find((i) => i.key.startsWith('powerFactor:M0'))!;
    expect(m0.assessment).toBe('worse');
    expect(s3).toContain(m0.label.zh);
    const appC = section(zh, '附录C 分表指标明细');
    for (const i of [...passingPf, m0]) expect(appC).toContain(i.label.zh);
  });
});

describe('recurring notes are condensed', () => {
  it('lists info-level findings of one rule on many meters as table rows, their evidence in Appendix D', () => {
    const base = result.findings[0]!;
    const notes = Array.from({ length: 5 }, (_, k) => ({
      ...base,
      id: `testNote:N${k}`,
      rule: 'testNote',
      severity: 'info' as const,
      title: { zh: `N${k}号表计量数据提示`, en: `N${k} metering note` },
      where: { deviceId: `N${k}`, assetPath: '', name: `N${k}号表` },
    }));
    const html = renderReport({ ...result, findings: [...result.findings, ...notes] });
    const s4 = section(html, '四、诊断发现');
    const appD = section(html, '附录D 提示项明细');
    for (const f of notes) {
      expect(s4).not.toContain(`id="${f.id}"`);
      expect(s4).toContain(`<a href="#${f.id}">${f.title.zh}</a>`);
      expect(appD).toContain(`<article class="finding sev-info" id="${f.id}">`);
    }
    // A finding above info keeps its full block in section 4, and three notes of a rule are not condensed.
    expect(s4).toContain(`id="${base.id}"`);
    const few = renderReport({ ...result, findings: [...result.findings, ...notes.slice(0, 3)] });
    expect(section(few, '四、诊断发现')).toContain('<article class="finding sev-info" id="testNote:N0">');
  });
});

describe('period', () => {
  it('states whole local days with the last one inclusive, like the console and --to', () => {
    // 2026-03-02 00:00 … 2026-03-09 00:00 local: 7 days, the 8th of March the last.
    expect(zh).toContain('2026-03-02 至 2026-03-08（含），共 7 天，UTC+8');
    expect(zh).not.toContain('不完整日');
  });

  it('flags a partial first day and a last day the data had not reached when the report was made', () => {
    const p = result.period;
    const cut = {
      ...result,
      period: { ...p, fromMs: p.fromMs + 6 * 3_600_000 },
      generatedAtMs: p.toMs - 10 * 3_600_000,
    };
    const html = renderReport(cut);
    expect(html).toContain('2026-03-02 为不完整日（诊断期始于当日中途）');
    expect(html).toContain('2026-03-08 为不完整日：仅有截至 14:00（报告生成时）的数据');
  });
});

describe('administrative fields', () => {
  const admin = reportAdminSchema.parse({
    organisation: { name: '湖南省节能诊断服务中心', qualification: '节能诊断服务机构' },
    team: [
      { name: '张三', role: '组长', title: '高级工程师' },
      { name: '李四', role: '成员' },
    ],
    onSite: { from: '2026-03-10', to: '2026-03-12' },
    reportDate: '2026-03-20',
    enterprise: { contact: '王五', representative: '赵六' },
    rectification: [{ measure: '空压机房泄漏治理', responsible: '设备部', deadline: '2026-06-30' }],
    followUp: { date: '2026-09-30', method: '远程数据复查' },
  });

  it('renders organisation, team, dates, plan, follow-up and the confirmation with signature lines', () => {
    const html = renderReport(result, { admin });
    for (const s of [
      '诊断工作概况',
      '湖南省节能诊断服务中心',
      '张三',
      '高级工程师',
      '2026-03-10 — 2026-03-12',
      '2026-03-20',
      '六、整改计划与跟踪',
      '空压机房泄漏治理',
      '设备部',
      '2026-06-30',
      '远程数据复查',
      '七、确认',
      '企业确认意见',
      '赵六',
    ])
      expect(html).toContain(s);
    // The lead's name is printed; the signature itself stays a blank line to sign.
    expect(section(html, '七、确认')).toMatch(
      /诊断负责人：<\/span><span class="filled">张三<\/span><span>签字：<\/span><span class="blank">/,
    );
  });

  it('prints blank lines for everything not given, and the measures as the plan to assign', () => {
    const s = section(zh, '诊断工作概况');
    expect(s.match(/class="blank"/g)!.length).toBeGreaterThanOrEqual(6 + 3 * 4);
    const plan = section(zh, '六、整改计划与跟踪');
    for (const m of result.measures) expect(plan).toContain(m.title.zh);
    expect(plan).toContain('未提供整改计划');
    // Name, signature and date on each of three lines: enterprise, diagnosis lead, reviewer.
    expect(section(zh, '七、确认').match(/class="blank"/g)!.length).toBe(3 * 3);
  });

  it('rejects a malformed field with its path', () => {
    const bad = reportAdminSchema.safeParse({ onSite: { from: '2026-3-10', to: '2026-03-12' } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(['onSite', 'from']);
    expect(reportAdminSchema.safeParse({ organisation: { name: 'x' }, extra: 1 }).success).toBe(false);
    expect(reportAdminSchema.safeParse({ onSite: { from: '2026-03-12', to: '2026-03-10' } }).success).toBe(
      false,
    );
  });

  it('escapes what it is given', () => {
    const html = renderReport(result, { admin: { organisation: { name: '<b>&"机构"</b>' } } });
    expect(html).toContain('&lt;b&gt;&amp;&quot;机构&quot;&lt;/b&gt;');
    expect(html).not.toContain('<b>&"机构"</b>');
  });
});
