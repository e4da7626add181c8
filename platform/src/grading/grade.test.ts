import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GRADE_USAGE, gradeFromLoaded, gradePeriod, parseGradeArgs } from './cli.js';
import { gradingReportSchema } from './report/schema.js';
import { demoFactory } from './test-fixture.js';

const example = (name: string) =>
  readFileSync(fileURLToPath(new URL(`./examples/${name}`, import.meta.url)), 'utf8');
const cmmmYaml = example('answers.cmmm.yaml');
const smeYaml = example('answers.sme.yaml');
const argv = [
  '--factory',
  'F1',
  '--framework',
  'cmmm-2020',
  '--answers',
  'answers.yaml',
  '--out',
  'report.html',
];

describe('xiang grade: arguments', () => {
  it('parses the documented command line', () => {
    expect(parseGradeArgs([...argv, '--lang', 'en', '--json', 'r.json'])).toEqual({
      factory: 'F1',
      framework: 'cmmm-2020',
      answersPath: 'answers.yaml',
      lang: 'en',
      outPath: 'report.html',
      jsonPath: 'r.json',
    });
    expect(parseGradeArgs(argv).lang).toBe('zh');
  });

  it('says what is wrong', () => {
    expect(() => parseGradeArgs(argv.slice(0, 6))).toThrow(`missing --out\n${GRADE_USAGE}`);
    expect(() => parseGradeArgs([...argv.slice(0, 3), 'cmm', ...argv.slice(4)])).toThrow(
      /unknown framework "cmm"/,
    );
    expect(() => parseGradeArgs([...argv, '--lang', 'fr'])).toThrow(/--lang must be zh or en/);
    expect(() => parseGradeArgs([...argv, '--from', '2024/03/01'])).toThrow(/--from expects YYYY-MM-DD/);
  });

  it('takes the period from the arguments, else the answers file (local dates, end inclusive)', () => {
    expect(gradePeriod({}, cmmmYaml, 0)).toEqual({
      fromMs: Date.parse('2024-03-01T00:00:00+08:00'),
      toMs: Date.parse('2024-04-01T00:00:00+08:00'),
    });
    expect(gradePeriod({ from: '2024-05-01', to: '2024-05-01' }, cmmmYaml, 0).toMs).toBe(
      Date.parse('2024-05-02T00:00:00+08:00'),
    );
  });
});

describe('xiang grade on a plant: evidence from telemetry, level, radar, gap list', () => {
  const inputs = demoFactory();
  const nowMs = inputs.nowMs;

  it('CMMM: telemetry pre-fills what it can prove; the rest comes from the answers file', () => {
    const out = gradeFromLoaded(parseGradeArgs(argv), {
      answersYaml: cmmmYaml,
      indicatorInputs: inputs,
      nowMs,
      assessmentId: 'A-2024-03',
    });
    const { run } = out;
    const byId = (id: string) => run.result.items.find((i) => i.itemId === id);
    // digitisation 11/11 → 1; networking 10/11 = 90.9 % → 0.8 (our ≥80 % step); metering 92 % → 0.8
    expect(byId('equipment.L2.1')).toMatchObject({ status: 'telemetry', score: 1 });
    expect(byId('network.L2.1')).toMatchObject({ status: 'telemetry', score: 0.8 });
    expect(byId('energy.L2.1')).toMatchObject({ status: 'telemetry', score: 0.8 });
    expect(byId('network.L2.1')?.evidence[0]).toMatchObject({
      kind: 'telemetry',
      indicatorId: 'equipment-networking-rate',
      value: 10 / 11,
    });
    expect(byId('strategy.L1.1')?.evidence[0]).toMatchObject({
      kind: 'document',
      ref: 'docs/智能制造三年规划.pdf',
    });
    expect(byId('productService.L1.1')?.status).toBe('tailored');
    expect(run.result.level).toBe(2);
    expect(run.result.band).toMatchObject({ level: 2, conflictsWithLevel: false });
    expect(run.result.totalScore).toBeGreaterThanOrEqual(1.8);
    expect(run.result.totalScore).toBeLessThan(2.8);
    expect(run.result.gaps[0]?.blocking).toBe(true);
    expect(run.result.gaps[0]?.level).toBe(3);
    expect(out.messages[0]).toMatch(/^cmmm-2020 2020\.1-xiang-draft: level 2, score /);
    expect(gradingReportSchema.safeParse(JSON.parse(out.json)).success).toBe(true);
    // tiers for every station, line, workshop and the factory
    expect(run.report.tiers.filter((t) => t.level === 'station')).toHaveLength(8);
    expect(run.report.tiers.find((t) => t.level === 'factory')?.candidateTier).toBe('smartFactory');
  });

  it('the HTML is self-contained, zh-CN by default, English on request', () => {
    const zh = gradeFromLoaded(parseGradeArgs(argv), {
      answersYaml: cmmmYaml,
      indicatorInputs: inputs,
      nowMs,
    }).html;
    expect(zh).toContain('<html lang="zh-CN">');
    expect(zh).toContain('湘中精密机械有限公司 数字化转型分级评估报告');
    expect(zh).toContain('<svg');
    expect(zh).toContain('差距清单');
    expect(zh).toContain('设备联网率');
    expect(zh).toContain('依据未核实解读的规则');
    expect(zh).not.toMatch(/<script|<link|src="http/);
    const en = gradeFromLoaded(parseGradeArgs([...argv, '--lang', 'en']), {
      answersYaml: cmmmYaml,
      indicatorInputs: inputs,
      nowMs,
    }).html;
    expect(en).toContain('<html lang="en">');
    expect(en).toContain('Gap list');
    expect(en).toContain('Equipment networking rate');
  });

  it('an answer that contradicts telemetry needs a reason, which the report keeps', () => {
    const contradict = `${cmmmYaml}  equipment.L2.1: { score: 0.5 }\n`;
    expect(() =>
      gradeFromLoaded(parseGradeArgs(argv), { answersYaml: contradict, indicatorInputs: inputs, nowMs }),
    ).toThrow(
      /answers\.equipment\.L2\.1: differs from the telemetry suggestion \{"score":1\} \(equipment-digitization-rate = 1\); add overrideReason/,
    );
    const withReason = `${cmmmYaml}  equipment.L2.1: { score: 0.5, overrideReason: 两台磨床仅有模拟量接口, evidence: [docs/磨床说明书.pdf] }\n`;
    const { run } = gradeFromLoaded(parseGradeArgs(argv), {
      answersYaml: withReason,
      indicatorInputs: inputs,
      nowMs,
    });
    expect(run.report.overrides).toEqual([
      expect.objectContaining({
        itemId: 'equipment.L2.1',
        suggested: { score: 1 },
        final: { score: 0.5 },
        reason: '两台磨床仅有模拟量接口',
      }),
    ]);
    const item = run.result.items.find((i) => i.itemId === 'equipment.L2.1');
    expect(item?.evidence.map((e) => e.kind)).toEqual(['telemetry', 'document']);
  });

  it('refuses an answers file for another factory or framework, and answers off the scale', () => {
    expect(() =>
      gradeFromLoaded(parseGradeArgs(argv), {
        answersYaml: cmmmYaml.replace('factory: F1', 'factory: F2'),
        indicatorInputs: inputs,
        nowMs,
      }),
    ).toThrow(/answers file is for factory "F2"/);
    expect(() =>
      gradeFromLoaded(parseGradeArgs(argv), { answersYaml: smeYaml, indicatorInputs: inputs, nowMs }),
    ).toThrow(/framework "sme-digital-2024", not --framework cmmm-2020/);
    expect(() =>
      gradeFromLoaded(parseGradeArgs(argv), {
        answersYaml: `${cmmmYaml}  sales.L3.1: { score: 0.7 }\n`,
        indicatorInputs: inputs,
        nowMs,
      }),
    ).toThrow(/answers\.\d+\.value: sales\.L3\.1 takes a score in 1\/0\.8\/0\.5\/0/);
    expect(() =>
      gradeFromLoaded(parseGradeArgs(argv), { answersYaml: 'framework: [', indicatorInputs: inputs, nowMs }),
    ).toThrow(/not valid YAML/);
  });

  it('SME 2024: bands and links from telemetry, scenarios from the assessor', () => {
    const smeArgv = [
      '--factory',
      'F1',
      '--framework',
      'sme-digital-2024',
      '--answers',
      'a.yaml',
      '--out',
      'r.html',
    ];
    const { run } = gradeFromLoaded(parseGradeArgs(smeArgv), {
      answersYaml: smeYaml,
      indicatorInputs: inputs,
      nowMs,
    });
    const v = (id: string) => run.assessment.answers.find((a) => a.itemId === id);
    expect(v('digitization')).toMatchObject({ source: 'telemetry', value: { choice: 'b4' } });
    expect(v('networking')).toMatchObject({ source: 'telemetry', value: { choice: 'b4' } });
    expect(v('scenario.energy')?.value).toEqual({ level: 3 });
    expect(run.result.domains.map((d) => d.id)).toEqual(['basis', 'management', 'results', 'operations']);
    expect(run.result.level).toBe(2);
  });
});
