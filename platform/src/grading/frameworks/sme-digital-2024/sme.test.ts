import { describe, expect, it } from 'vitest';
import { type Assessment, assessmentSchema } from '../../assessment.js';
import type { Indicator } from '../../indicators/types.js';
import type { MaturityFramework } from '../types.js';
import { smeDigital2024 } from './index.js';
import modelData from './model.json' with { type: 'json' };
import { bandFor, loadSme } from './schema.js';

const fw = smeDigital2024.create() as MaturityFramework;
const model = loadSme();

/** Full marks in foundation (50) and management (30); results "worse" (0) → 80 points. */
const score80: Record<string, { choice?: string; selected?: string[] }> = {
  network: { selected: ['ot', 'it', '5g', 'full'] },
  digitization: { choice: 'b4' },
  networking: { choice: 'b4' },
  dataCollection: {
    selected: model.questions.find((q) => q.id === 'dataCollection')?.options?.map((o) => o.id) ?? [],
  },
  informationSystems: { choice: 'all' },
  networkSecurity: { selected: ['policy', 'products', 'assessment', 'boundary'] },
  dataSecurity: { selected: ['policy', 'products', 'assessment', 'ledger'] },
  awareness: { choice: 'visits' },
  rules: { selected: ['process', 'systems', 'data', 'incentives'] },
  talent: { selected: ['staff', 'unit', 'training', 'pay', 'pipeline'] },
  spend: { choice: 'b4' },
  energyIntensity: { choice: 'worse' },
  passRate: { choice: 'worse' },
  revenuePerHead: { choice: 'worse' },
  costRatio: { choice: 'worse' },
};
const CONSTRAINED = [
  'productDesign',
  'marketing',
  'productionControl',
  'quality',
  'safety',
  'equipment',
  'energy',
  'procurement',
  'warehousing',
  'finance',
];
const OTHER = ['processDesign', 'afterSales', 'planning', 'hr', 'collaboration', 'decision'];

function assessment(
  questions: Record<string, { choice?: string; selected?: string[] }>,
  scenarios: Record<string, number>,
): Assessment {
  return assessmentSchema.parse({
    id: 's1',
    factoryId: 'F1',
    frameworkId: 'sme-digital-2024',
    frameworkVersion: model.version,
    industry: 'discrete',
    createdAtMs: 0,
    updatedAtMs: 0,
    answers: [
      ...Object.entries(questions).map(([itemId, value]) => ({ itemId, value, source: 'assessor' })),
      ...Object.entries(scenarios).map(([id, level]) => ({
        itemId: `scenario.${id}`,
        value: { level },
        source: 'assessor',
      })),
    ],
  });
}
const levels = (ids: string[], level: number) => Object.fromEntries(ids.map((id) => [id, level]));

describe('SME 2024 evaluation: level rules at their edges', () => {
  it('the data adds up: 15 questions, 100 points, 16 scenarios of which 10 constrained', () => {
    expect(model.questions).toHaveLength(15);
    expect(model.questions.reduce((a, q) => a + q.points, 0)).toBe(100);
    expect(model.scenarios).toHaveLength(16);
    expect(
      model.scenarios
        .filter((s) => s.constrained)
        .map((s) => s.id)
        .sort(),
    ).toEqual([...CONSTRAINED].sort());
  });

  it('L4 needs score ≥ 80 and ≥ 10 scenarios at L4, ≥ 6 of them constrained', () => {
    const six = {
      ...levels(CONSTRAINED.slice(0, 6), 4),
      ...levels(CONSTRAINED.slice(6), 3),
      ...levels(OTHER.slice(0, 4), 4),
    };
    const r = fw.evaluate(assessment(score80, six));
    expect(fw.check(assessment(score80, six))).toEqual([]);
    expect(r.totalScore).toBe(80);
    expect(r.level).toBe(4);
    // only 5 constrained at L4 (10 in all) → L3
    const five = {
      ...levels(CONSTRAINED.slice(0, 5), 4),
      ...levels(CONSTRAINED.slice(5), 3),
      ...levels(OTHER.slice(0, 5), 4),
    };
    expect(fw.evaluate(assessment(score80, five)).level).toBe(3);
    // 9 at L4 → L3
    const nine = { ...six, [OTHER[3] as string]: 3 };
    expect(fw.evaluate(assessment(score80, nine)).level).toBe(3);
    // score 78 (three network options) with the L4 scenario set → L3
    const r78 = fw.evaluate(assessment({ ...score80, network: { selected: ['ot', 'it', '5g'] } }, six));
    expect(r78.totalScore).toBe(78);
    expect(r78.level).toBe(3);
  });

  it('L1 needs score ≥ 20 and 6 scenarios at L1 with 3 constrained; 18 points is below level 1', () => {
    const base = {
      network: { selected: ['ot', 'it', '5g', 'full'] },
      digitization: { choice: 'b4' },
      networking: { choice: 'b4' },
    };
    const sc = { ...levels(CONSTRAINED.slice(0, 3), 1), ...levels(OTHER.slice(0, 3), 1) };
    const r = fw.evaluate(assessment(base, sc));
    expect(r).toMatchObject({ totalScore: 20, level: 1, levelName: { zh: '一级' } });
    expect(fw.evaluate(assessment({ ...base, network: { selected: ['ot', 'it', '5g'] } }, sc)).level).toBe(0);
    const twoConstrained = { ...levels(CONSTRAINED.slice(0, 2), 1), ...levels(OTHER.slice(0, 4), 1) };
    expect(fw.evaluate(assessment(base, twoConstrained)).level).toBe(0);
  });

  it('gaps to the next level: the missing constrained scenario blocks; point gaps rank by Δ', () => {
    const sc = {
      ...levels(CONSTRAINED.slice(0, 5), 4),
      ...levels(CONSTRAINED.slice(5), 3),
      ...levels(OTHER.slice(0, 5), 4),
      decision: 2,
    };
    const r = fw.evaluate(assessment(score80, sc));
    expect(r.level).toBe(3);
    const blocking = r.gaps.filter((g) => g.blocking);
    expect(blocking.map((g) => g.itemId)).toEqual(['scenario.energy']);
    expect(blocking[0]).toMatchObject({ current: 'L3', target: 'L4' });
    expect(
      r.gaps.filter((g) => !g.blocking && g.deltaScore > 0).map((g) => [g.itemId, g.deltaScore]),
    ).toEqual([
      ['energyIntensity', 7],
      ['passRate', 7],
      ['costRatio', 3],
      ['revenuePerHead', 3],
    ]);
  });

  it('answers that do not fit a question are reported and score 0; multi-select adds option points', () => {
    const a = assessment({ network: { choice: 'ot' }, spend: { choice: 'b9' } }, { equipment: 5 });
    expect(fw.check(a)).toEqual([
      'answers.0.value: network takes selected option ids',
      'answers.1.value: spend takes one option id (choice)',
      'answers.2.value: scenario.equipment takes a level 0–4',
    ]);
    const r = fw.evaluate(a);
    expect(r.items.find((i) => i.itemId === 'network')).toMatchObject({ status: 'invalid', score: 0 });
    expect(() => assessment({}, { equipment: 7 })).toThrow(); // level > 5 rejected by the assessment schema
    const links = fw.evaluate(
      assessment({ dataCollection: { selected: ['equipment', 'energy', 'hr'] } }, {}),
    );
    expect(links.totalScore).toBeCloseTo(0.7 + 0.7 + 0.9, 9);
  });

  it('rate bands: [0,10%] then (lo, hi] — exactly 60 % is in (40 %, 60 %]', () => {
    const q = model.questions.find((x) => x.id === 'digitization');
    if (!q) throw new Error('missing question');
    expect(bandFor(q, 0)?.id).toBe('b0');
    expect(bandFor(q, 0.1)?.id).toBe('b0');
    expect(bandFor(q, 0.1000001)?.id).toBe('b1');
    expect(bandFor(q, 0.6)?.id).toBe('b3');
    expect(bandFor(q, 0.61)?.id).toBe('b4');
    expect(bandFor(q, 1)?.id).toBe('b4');
  });

  it('telemetry suggests rate bands, proven data-collection links and scenario levels', () => {
    const ind = (id: string, value: number, breakdown?: Indicator['breakdown']): Indicator => ({
      id,
      name: { zh: id, en: id },
      value,
      fromMs: 0,
      toMs: 1,
      scope: { assetPath: '' },
      formula: { zh: 'f', en: 'f' },
      formulaVersion: '1',
      counts: {},
      pullingDown: [],
      notes: [],
      coverage: 1,
      lowCoverage: false,
      ...(breakdown ? { breakdown } : {}),
    });
    const link = (key: string, value: number) => ({ key, label: { zh: key, en: key }, value, counts: {} });
    const sug = fw.suggest([
      ind('equipment-digitization-rate', 0.6),
      ind('equipment-networking-rate', 0.85),
      ind('data-collection-coverage', 0.7, [
        link('link:equipment', 0.9),
        link('link:energy', 0.95),
        link('link:quality', 0.5),
      ]),
      ind('state-fault-capture', 0.9),
      ind('oee-tracking', 0.85),
      ind('energy-metering-coverage', 0.6),
      ind('data-freshness', 0.99),
    ]);
    const v = (id: string) => sug.find((s) => s.itemId === id)?.value;
    expect(v('digitization')).toEqual({ choice: 'b3' });
    expect(v('networking')).toEqual({ choice: 'b4' });
    expect(v('dataCollection')).toEqual({ selected: ['equipment', 'energy'] });
    expect(v('scenario.equipment')).toEqual({ level: 3 });
    expect(v('scenario.energy')).toEqual({ level: 2 });
  });

  it('rejects model data whose points do not add up', () => {
    const bad = structuredClone(modelData) as { questions: { id: string; points: number }[] };
    (bad.questions[0] as { points: number }).points = 9;
    expect(() => smeDigital2024.create(bad)).toThrow(/question network: options reach 8, not 9 points/);
  });
});
