import { describe, expect, it } from 'vitest';
import { type Assessment, answerItem, applySuggestions, assessmentSchema } from '../../assessment.js';
import type { Indicator } from '../../indicators/types.js';
import type { MaturityFramework } from '../types.js';
import { cmmm2020 } from './index.js';
import rulesData from './rules.json' with { type: 'json' };
import { loadCmmm } from './schema.js';
import { effectiveWeights } from './scoring.js';

/**
 * Hand-computed worked examples on a two-sub-domain model (A in the production domain, B elsewhere; two
 * requirements per level), so every X_n is easy to check by hand; then the shipped data.
 */
const src = { source: 'test', confidence: '❓' as const };
const name = (s: string) => ({ zh: s, en: s });
const testModel = {
  id: 'cmmm-2020',
  version: 'test-1',
  standard: 'test',
  levels: [1, 2, 3, 4, 5].map((level) => ({ level, name: name(`L${level}`), meaning: name('m'), ...src })),
  factors: [{ id: 'f', name: name('f'), ...src }],
  domains: [
    { id: 'production', factor: 'f', name: name('生产'), ...src },
    { id: 'other', factor: 'f', name: name('其他'), ...src },
  ],
  subdomains: [
    { id: 'A', domain: 'production', name: name('A'), ...src },
    { id: 'B', domain: 'other', name: name('B'), ...src },
  ],
  requirements: ['A', 'B'].flatMap((sd) =>
    [1, 2, 3, 4, 5].flatMap((level) =>
      [1, 2].map((k) => ({
        id: `${sd}.L${level}.${k}`,
        subdomain: sd,
        level,
        text: name(`${sd}${level}${k}`),
        proveBy: name('p'),
        ...src,
      })),
    ),
  ),
};
const set = (id: string, a: [number, number], b: [number, number]) => ({
  id,
  name: name(id),
  unverified: true,
  ...src,
  groups: [
    { id: 'gA', name: name('gA'), weight: { discrete: a[0], process: a[1] }, members: { A: 1 } },
    { id: 'gB', name: name('gB'), weight: { discrete: b[0], process: b[1] }, members: { B: 1 } },
  ],
});
const testWeights = {
  version: 't',
  default: 'w90',
  sets: [
    set('w90', [90, 10], [10, 90]),
    set('w79', [79, 79], [21, 21]),
    set('w80', [80, 80], [20, 20]),
    set('eq', [1, 1], [1, 1]),
  ],
};
const fw = (rules: unknown = rulesData) =>
  cmmm2020.create({ model: testModel, weights: testWeights, rules }) as MaturityFramework;

type Grid = Record<'A' | 'B', [number, number][]>;
function assessment(grid: Partial<Grid>, extra: Partial<Assessment> = {}): Assessment {
  const answers = (Object.entries(grid) as ['A' | 'B', [number, number][]][]).flatMap(([sd, levels]) =>
    levels.flatMap((pair, i) =>
      pair.map((score, k) => ({
        itemId: `${sd}.L${i + 1}.${k + 1}`,
        value: { score },
        source: 'assessor' as const,
      })),
    ),
  );
  return assessmentSchema.parse({
    id: 'a1',
    factoryId: 'F1',
    frameworkId: 'cmmm-2020',
    frameworkVersion: 'test-1',
    industry: 'discrete',
    answers,
    createdAtMs: 0,
    updatedAtMs: 0,
    ...extra,
  });
}
const ones: [number, number] = [1, 1];
const zeros: [number, number] = [0, 0];

describe('CMMM roll-up: worked examples', () => {
  it('a report scoring 3.55 → level 3 (X1..X3 = 1, X4 = 0.9·0.5 + 0.1·1 = 0.55)', () => {
    const r = fw().evaluate(
      assessment({ A: [ones, ones, ones, [0.5, 0.5], zeros], B: [ones, ones, ones, ones, zeros] }),
    );
    expect(r.levelScores?.map((l) => l.score)).toEqual([1, 1, 1, 0.55, 0]);
    expect(r.totalScore).toBe(3.55);
    expect(r.level).toBe(3);
    expect(r.band).toMatchObject({ level: 3, conflictsWithLevel: false });
    expect(r.levelScores?.map((l) => l.counted)).toEqual([true, true, true, true, false]);
  });

  it('a report scoring 2.15 → level 2 (X1 0.9, X2 0.85, X3 0.4)', () => {
    const a = assessment({ A: [ones, [1, 0.8], [0.8, 0]], B: [zeros, [0.8, 0], [0.8, 0]] });
    const r = fw().evaluate(a);
    expect(r.levelScores?.slice(0, 3).map((l) => l.score)).toEqual([0.9, 0.85, 0.4]);
    expect(r.totalScore).toBe(2.15);
    expect(r.level).toBe(2);
    expect(r.band?.level).toBe(2);
  });

  it('band edge: X2 = 0.79 misses level 2 (S 1.79 → band 1); X2 = 0.80 reaches it (S 1.80 → band 2)', () => {
    const grid: Partial<Grid> = { A: [ones, ones, zeros], B: [ones, zeros, zeros] };
    const r79 = fw().evaluate(assessment(grid, { weightSet: 'w79' }));
    expect(r79.levelScores?.[1]?.score).toBe(0.79);
    expect(r79).toMatchObject({ level: 1, totalScore: 1.79, band: { level: 1, conflictsWithLevel: false } });
    const r80 = fw().evaluate(assessment(grid, { weightSet: 'w80' }));
    expect(r80.levelScores?.[1]?.score).toBe(0.8);
    expect(r80).toMatchObject({ level: 2, totalScore: 1.8, band: { level: 2, conflictsWithLevel: false } });
  });

  it('a higher level scored but a lower level missed: the higher level does not count', () => {
    const r = fw().evaluate(
      assessment({ A: [ones, [0.5, 0.5], ones, ones, zeros], B: [ones, [0.5, 0.5], ones, ones, zeros] }),
    );
    expect(r.levelScores?.map((l) => [l.score, l.reached, l.counted])).toEqual([
      [1, true, true],
      [0.5, false, true],
      [1, false, false],
      [1, false, false],
      [0, false, false],
    ]);
    expect(r.level).toBe(1);
    expect(r.totalScore).toBe(1.5);
  });

  it('a tailored-out sub-domain drops out and the weights re-normalise', () => {
    const grid: Partial<Grid> = { A: [ones, ones, zeros], B: [ones, zeros, zeros] };
    const tailored = fw().evaluate(
      assessment(grid, { weightSet: 'w79', tailoring: [{ subjectId: 'B', reason: '不涉及' }] }),
    );
    expect(tailored.levelScores?.map((l) => l.score)).toEqual([1, 1, 0, 0, 0]);
    expect(tailored).toMatchObject({ level: 2, totalScore: 2 });
    expect(tailored.items.filter((i) => i.status === 'tailored')).toHaveLength(10);
    expect(tailored.domains.map((d) => d.id)).toEqual(['production']);
    const noProduction = assessment(grid, { tailoring: [{ subjectId: 'A', reason: 'x' }] });
    expect(fw().check(noProduction)).toContain(
      'tailoring: domain production must keep at least one sub-domain',
    );
  });

  it('discrete and process weights differ: the same answers give 3.55 (L3) and 3.95 (L4)', () => {
    const grid: Partial<Grid> = {
      A: [ones, ones, ones, [0.5, 0.5], zeros],
      B: [ones, ones, ones, ones, zeros],
    };
    expect(fw().evaluate(assessment(grid))).toMatchObject({ level: 3, totalScore: 3.55 });
    const proc = fw().evaluate(assessment(grid, { industry: 'process' }));
    expect(proc.levelScores?.[3]?.score).toBe(0.95);
    expect(proc).toMatchObject({ level: 4, totalScore: 3.95, band: { level: 4 } });
  });

  it('band and level rule can disagree: flagged, and the rule in rules.json decides', () => {
    // Equal weights: X1 = 0.8, X2 = 0.8, X3 = (0.25 + 0)/2 = 0.125 → S = 1.725: band 1, reached 2.
    const a = assessment(
      {
        A: [
          [0.8, 0.8],
          [0.8, 0.8],
          [0.5, 0],
        ],
        B: [[0.8, 0.8], [0.8, 0.8], zeros],
      },
      { weightSet: 'eq' },
    );
    const byRule = fw().evaluate(a);
    expect(byRule).toMatchObject({
      level: 2,
      totalScore: 1.725,
      band: { level: 1, conflictsWithLevel: true },
    });
    expect(byRule.warnings.some((w) => w.startsWith('bandConflict'))).toBe(true);
    const byBand = fw({
      ...rulesData,
      levelDetermination: { ...rulesData.levelDetermination, rule: 'band' },
    }).evaluate(a);
    expect(byBand.level).toBe(1);
  });

  it('unanswered requirements score 0; values off the scale are reported and count as 0', () => {
    const a = assessment({ A: [[1, 0.7]], B: [ones] });
    expect(fw().check(a)).toEqual(['answers.1.value: A.L1.2 takes a score in 1/0.8/0.5/0']);
    const r = fw().evaluate(a);
    expect(r.levelScores?.[0]?.score).toBe(0.55); // A = (1 + 0)/2 → 0.9 × 0.5 + 0.1 × 1
    expect(r.items.find((i) => i.itemId === 'A.L1.2')?.status).toBe('invalid');
    expect(r.items.find((i) => i.itemId === 'A.L2.1')?.status).toBe('missing');
  });

  it('gap list: blocking requirements of the next level first, each ranked by how much S moves', () => {
    const r = fw().evaluate(assessment({ A: [ones, [1, 0.8], [0.8, 0]], B: [zeros, [0.8, 0], [0.8, 0]] }));
    expect(r.gaps.map((g) => [g.itemId, g.deltaScore, g.blocking])).toEqual([
      ['A.L3.2', 0.45, true],
      ['A.L3.1', 0.09, true],
      ['B.L3.2', 0.05, true],
      ['B.L3.1', 0.01, true],
      ['A.L2.2', 0.09, false],
      ['B.L1.1', 0.05, false],
      ['B.L1.2', 0.05, false],
      ['B.L2.2', 0.05, false],
      ['B.L2.1', 0.01, false],
    ]);
  });

  it('rejects data whose ids do not resolve', () => {
    const bad = {
      ...testModel,
      requirements: [...testModel.requirements, { ...testModel.requirements[0], id: 'X', subdomain: 'Z' }],
    };
    expect(() => cmmm2020.create({ model: bad, weights: testWeights })).toThrow(
      /requirement X: unknown sub-domain Z/,
    );
    expect(() => cmmm2020.create({ model: { ...testModel, levels: [] } })).toThrow(
      /cmmm-2020 model at levels/,
    );
  });
});

describe('CMMM shipped data', () => {
  const def = loadCmmm();
  const framework = cmmm2020.create() as MaturityFramework;

  it('has 5 levels, 4 factors, 12 domains, 20 sub-domains, requirements at every level, tags on every item', () => {
    expect(def.model.levels).toHaveLength(5);
    expect(def.model.factors).toHaveLength(4);
    expect(def.model.domains).toHaveLength(12);
    expect(def.model.subdomains).toHaveLength(20);
    for (const s of def.model.subdomains)
      for (let n = 1; n <= 5; n++)
        expect(def.model.requirements.some((r) => r.subdomain === s.id && r.level === n)).toBe(true);
    for (const r of def.model.requirements) expect(['✅', '◐', '❓']).toContain(r.confidence);
  });

  it('default weights sum to 100 per industry type, and discrete ≠ process', () => {
    const d = effectiveWeights(def, 'discrete');
    const p = effectiveWeights(def, 'process');
    const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    expect(sum(d)).toBeCloseTo(100, 9);
    expect(sum(p)).toBeCloseTo(100, 9);
    expect(d.get('equipment')).toBeCloseTo((15 * 35) / 88, 12);
    expect(p.get('equipment')).toBeCloseTo((24 * 35) / 88, 12);
  });

  it('uniform answers: L1–L3 fully met, L4 partly → S = 3.5, level 3, under both industry types', () => {
    const answers = def.model.requirements.map((r) => ({
      itemId: r.id,
      value: { score: r.level <= 3 ? 1 : r.level === 4 ? 0.5 : 0 },
      source: 'assessor' as const,
    }));
    for (const industry of ['discrete', 'process'] as const) {
      const a = assessmentSchema.parse({
        id: 'x',
        factoryId: 'F1',
        frameworkId: 'cmmm-2020',
        frameworkVersion: def.model.version,
        industry,
        answers,
        createdAtMs: 0,
        updatedAtMs: 0,
      });
      expect(framework.check(a)).toEqual([]);
      expect(framework.evaluate(a)).toMatchObject({ level: 3, totalScore: 3.5 });
    }
  });

  it('telemetry pre-fills suggestions by the rate mapping; an override needs and keeps a reason', () => {
    const ind = (id: string, value: number): Indicator => ({
      id,
      name: name(id),
      value,
      fromMs: 1,
      toMs: 2,
      scope: { assetPath: '' },
      formula: name('f'),
      formulaVersion: '1',
      counts: { n: 1 },
      pullingDown: [],
      notes: [],
      coverage: 1,
      lowCoverage: false,
    });
    const sug = framework.suggest([
      ind('equipment-digitization-rate', 0.97),
      ind('equipment-networking-rate', 0.85),
      ind('state-fault-capture', 0.6),
      ind('oee-tracking', 0.79),
    ]);
    const get = (id: string) => sug.find((s) => s.itemId === id);
    expect(get('equipment.L2.1')?.value).toEqual({ score: 1 });
    expect(get('equipment.L3.1')?.value).toEqual({ score: 0.5 }); // min(0.85, 0.6) = 0.6
    expect(get('maintenance.L3.1')?.value).toEqual({ score: 0.5 });
    expect(get('network.L2.1')?.value).toEqual({ score: 0.8 });
    expect(get('data.L2.1')).toBeUndefined(); // coverage not measured → no suggestion
    expect(get('equipment.L2.1')?.evidence[0]).toMatchObject({
      kind: 'telemetry',
      indicatorId: 'equipment-digitization-rate',
      value: 0.97,
      fromMs: 1,
      toMs: 2,
    });

    let a = assessmentSchema.parse({
      id: 'x',
      factoryId: 'F1',
      frameworkId: 'cmmm-2020',
      frameworkVersion: def.model.version,
      industry: 'discrete',
      createdAtMs: 0,
      updatedAtMs: 0,
    });
    a = applySuggestions(a, sug, 10).assessment;
    expect(() => answerItem(a, 'equipment.L2.1', { score: 0.5 }, { atMs: 11 })).toThrow(/needs a reason/);
    a = answerItem(
      a,
      'equipment.L2.1',
      { score: 0.5 },
      { atMs: 11, by: '张工', overrideReason: '两台老设备仅有模拟量输出' },
    );
    const again = applySuggestions(a, sug, 12);
    expect(again.conflicts).toEqual(['equipment.L2.1']);
    const item = framework.evaluate(again.assessment).items.find((i) => i.itemId === 'equipment.L2.1');
    expect(item).toMatchObject({
      score: 0.5,
      status: 'answered',
      source: 'assessor',
      suggested: { score: 1 },
      overrideReason: '两台老设备仅有模拟量输出',
    });
  });
});
