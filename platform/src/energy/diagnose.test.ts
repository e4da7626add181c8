import { describe, expect, it } from 'vitest';
import { diagnose } from './diagnose.js';
import { renderReport } from './report/html.js';
import { diagnosisResultSchema } from './result.js';
import { rules } from './rules/index.js';
import type { Rule } from './rules/rule.js';
import { device, elecMeter, input, MONDAY, PER_DAY, registry, series, states } from './test-support.js';

// A week of a small plant: incomer M0 (PF ≈ 0.86, voltages, THD) feeding a workshop feeder M1 with a 30 kW
// off-shift load, an air compressor MC leaking 4 kW outside production, and CNC1 (own meter MM under M1)
// idling through the lunch break. One line makes 100 pcs per workday.
const n = 7 * PER_DAY;
const workday = (t: { weekday: number }) => t.weekday <= 5;
const prod = (t: { hour: number; weekday: number }) =>
  workday(t) && t.hour >= 8 && t.hour < 17 && t.hour !== 12;
const brk = (t: { hour: number; weekday: number }) => workday(t) && t.hour === 12;
const cnc = (_: number, t: { hour: number; weekday: number }) => (prod(t) ? 20 : brk(t) ? 6 : 0.5);
const m1 = (i: number, t: { hour: number; weekday: number }) => cnc(i, t) + (prod(t) ? 60 : brk(t) ? 20 : 30);
const mc = (_: number, t: { hour: number; weekday: number }) => (prod(t) ? 25 : 4);
const m0 = (i: number, t: { hour: number; weekday: number }) => m1(i, t) + mc(i, t) + 3;

function plant(name = '湘江机械厂') {
  const reg = registry(
    [
      device('M0', 'meter', { meterRole: 'mainIncomer', name: '总进线' }),
      device('M1', 'meter', {
        meterRole: 'feeder',
        parentMeter: 'M0',
        name: '机加车间',
        assetPath: 'WS1',
        equipment: { standbyPowerKw: 5 },
      }),
      device('MC', 'meter', {
        meterRole: 'equipment',
        parentMeter: 'M0',
        name: '空压机电表',
        assetPath: 'WS1/AIR',
        equipment: { class: 'airCompressor', standbyPowerKw: 0 },
      }),
      device('MM', 'meter', {
        meterRole: 'equipment',
        parentMeter: 'M1',
        assetPath: 'WS1/L1/CNC1',
        measures: ['CNC1'],
      }),
      device('CNC1', 'machine', {
        assetPath: 'WS1/L1/CNC1',
        name: '数控车床1',
        ratedPowerKw: 30,
        standbyPowerKw: 0.5,
      }),
    ],
    {
      name,
      nameEn: 'Xiangjiang Machinery',
      contractDemandKw: 200,
      products: [{ id: 'SH', name: '传动轴', unit: 'pcs' }],
    },
  );
  const tan = Math.tan(Math.acos(0.86));
  const changes: [number, number][] = [];
  for (let d = 0; d < 5; d++)
    changes.push([d * 24 + 8, 3], [d * 24 + 12, 2], [d * 24 + 13, 3], [d * 24 + 17, 0]);
  return input({
    registry: reg,
    days: 7,
    meters: [
      elecMeter('M0', MONDAY, n, m0, {
        reactiveKvarh: series(MONDAY, n, (i, t) => m0(i, t) * tan * 0.25),
        voltageV: {
          L1: series(MONDAY, n, () => 231),
          L2: series(MONDAY, n, () => 229),
          L3: series(MONDAY, n, () => 230),
        },
        voltageThdPct: series(MONDAY, n, () => 2.1),
      }),
      elecMeter('M1', MONDAY, n, m1),
      elecMeter('MC', MONDAY, n, mc),
      elecMeter('MM', MONDAY, n, cnc),
    ],
    machines: [{ deviceId: 'CNC1', states: states(MONDAY, [[0, 0], ...changes]) }],
    lines: [
      {
        assetPath: 'WS1/L1',
        productId: 'SH',
        output: series(MONDAY, n, (_, t) => (prod(t) ? 100 / 32 : 0)),
        source: { deviceId: 'CNC1', metric: 'goodCount' },
      },
    ],
    options: {
      flatPriceCnyPerKwh: 0.6,
      demandPriceCnyPerKwMonth: 30,
      investments: [{ rule: 'compressedAirLeak', investmentCny: 2000 }],
    },
  });
}

describe('diagnose()', () => {
  const result = diagnose(plant());

  it('produces a result that validates against the versioned schema and survives JSON', () => {
    expect(() => diagnosisResultSchema.parse(result)).not.toThrow();
    expect(diagnosisResultSchema.parse(JSON.parse(JSON.stringify(result)))).toEqual(
      JSON.parse(JSON.stringify(result)),
    );
    expect(result.schemaVersion).toBe('xiang.energy-diagnosis/1');
  });

  it('finds the injected problems', () => {
    const ids = result.findings.map((f) => f.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'offShiftBaseLoad:M1',
        'compressedAirLeak:MC',
        'machineIdle:CNC1',
        'powerFactor:M0',
      ]),
    );
    // The compressor is left to the compressed-air rule (no double count), and so is the idle CNC's lunch break.
    expect(ids).not.toContain('offShiftBaseLoad:MC');
    const leak = result.findings.find((f) => f.id === 'compressedAirLeak:MC')!;
    expect(leak.evidence.figures.find((x) => x.key === 'leakKw')!.value).toBeCloseTo(4, 9);
    const idle = result.findings.find((f) => f.id === 'machineIdle:CNC1')!;
    expect(idle.evidence.figures.find((x) => x.key === 'idleBreakHours')!.value).toBeCloseTo(5, 9);
    expect(idle.evidence.figures.find((x) => x.key === 'excessKw')!.value).toBeCloseTo(5.5, 9);
    // No finding for what is fine: power quality within limits.
    expect(ids.some((id) => id.startsWith('voltage'))).toBe(false);
  });

  it('ranks measures by yearly ¥ and sums the totals; payback where an investment was given', () => {
    const costs = result.measures.map((m) => m.saving.costCny!);
    expect(costs).toEqual([...costs].sort((a, b) => b - a));
    expect(result.measures.map((m) => m.rank)).toEqual(costs.map((_, i) => i + 1));
    expect(result.totals.saving.costCny).toBeCloseTo(
      costs.reduce((a, b) => a + b, 0),
      6,
    );
    expect(result.totals.saving.tce).toBeCloseTo(
      result.measures.reduce((a, m) => a + m.saving.tce, 0),
      9,
    );
    const leak = result.measures.find((m) => m.rule === 'compressedAirLeak')!;
    expect(leak.saving.paybackYears).toBeCloseTo(2000 / leak.saving.costCny!, 9);
    expect(result.totals.saving.investmentCny).toBe(2000);
  });

  it('lists the coefficients it used with source and confidence', () => {
    const used = Object.fromEntries(result.coefficients.map((c) => [c.id, c]));
    expect(used['electricity.equivalent']).toMatchObject({ value: 0.1229, confidence: 'S', year: 2020 });
    expect(used['grid.province.湖南.2023']).toMatchObject({
      value: 0.4976,
      source: expect.stringContaining('公告2025年第47号'),
    });
    expect(used['pf.0.90.surcharge.0.70']).toMatchObject({ value: 0.5 });
    expect(result.basis.gridFactor).toMatchObject({ scope: 'province', area: '湖南', dataYear: 2023 });
  });

  it('is deterministic and records a failing rule without losing the others', () => {
    expect(diagnose(plant())).toEqual(result);
    const broken: Rule = {
      ...rules[0]!,
      id: 'broken',
      run: () => {
        throw new Error('boom');
      },
    };
    const r = diagnose(plant(), [broken, ...rules]);
    expect(r.dataQuality.rulesSkipped).toContainEqual({
      rule: 'broken',
      reason: { zh: '规则执行失败：boom', en: 'rule failed: boom' },
    });
    expect(r.findings).toEqual(result.findings);
  });
});

describe('renderReport()', () => {
  it('renders a self-contained zh-CN report with the five finding groups and inline charts', () => {
    const html = renderReport(diagnose(plant()));
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="zh-CN">/);
    for (const h of [
      '节能诊断报告',
      '一、企业概况与诊断期',
      '二、能源消费结构与能流',
      '三、能效指标对标',
      '（一）能源利用与能效',
      '（二）能源计量',
      '（三）能源管理',
      '（四）重点用能设备',
      '（五）工艺与系统',
      '五、节能措施与效益',
      '附录A 数据质量',
      '附录B 折算系数',
    ])
      expect(html).toContain(h);
    expect(html.match(/<svg /g)!.length).toBeGreaterThanOrEqual(4);
    expect(html).not.toMatch(/<script|<link|<img|src=|url\(/i);
    expect(html.replaceAll('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:\/\//);
    expect(html).toContain('@media print');
  });

  it('renders English on request and escapes every text', () => {
    const html = renderReport(diagnose(plant('<b>&"厂"</b>')), { lang: 'en' });
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('Energy-Saving Diagnosis Report');
    expect(html).toContain('4.2 Energy metering');
    const zh = renderReport(diagnose(plant('<b>&"厂"</b>')));
    expect(zh).toContain('&lt;b&gt;&amp;&quot;厂&quot;&lt;/b&gt;');
    expect(zh).not.toContain('<b>&"厂"</b>');
  });
});

describe('bad input', () => {
  it('names a series that is off the grid instead of computing with it', () => {
    const inp = plant();
    inp.meters[1] = {
      ...inp.meters[1]!,
      consumption: { ...inp.meters[1]!.consumption, values: new Float64Array(10) },
    };
    expect(() => diagnose(inp)).toThrow(/meter M1 consumption: 10 values, expected 672/);
    const inp2 = plant();
    inp2.period = { fromMs: inp2.period.fromMs + 60_000, toMs: inp2.period.toMs };
    expect(() => diagnose(inp2)).toThrow(/period must align to quarter-hours/);
  });
});
