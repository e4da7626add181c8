import { describe, expect, it } from 'vitest';
import { acceptSuggestion, assessmentSchema } from './assessment.js';
import { loadTierRules } from './frameworks/hunan-art13-tiers/index.js';
import rulesData from './frameworks/hunan-art13-tiers/rules.json' with { type: 'json' };
import { gradeFactory } from './grade.js';
import { demoFactory } from './test-fixture.js';

/**
 * Assessment hygiene (issue 10 §6): an indicator whose coverage is below its minimum cannot raise an item's
 * score without an assessor's confirmation; the covered period and each indicator's coverage are reported; a
 * province chooses indicator definitions in its rule file.
 */
const inputs = demoFactory();
const DAY = 86_400_000;
const assessment = assessmentSchema.parse({
  id: 'A1',
  factoryId: 'F1',
  frameworkId: 'cmmm-2020',
  frameworkVersion: '2020',
  industry: 'discrete',
  answers: [],
  createdAtMs: inputs.nowMs,
  updatedAtMs: inputs.nowMs,
});

describe('low-coverage telemetry waits for the assessor', () => {
  // The fixture's data covers one shift; the assessor asked for ten days around it.
  const thin = {
    ...inputs,
    requestedPeriod: { fromMs: inputs.fromMs - 5 * DAY, toMs: inputs.toMs + 5 * DAY },
  };
  const period = thin.requestedPeriod;

  it('a full-coverage run scores telemetry items; a low-coverage one leaves them pending and unscored', () => {
    const a = {
      ...assessment,
      period,
      frameworkVersion: gradeFactory({ indicatorInputs: inputs, assessment, nowMs: inputs.nowMs }).framework
        .version,
    };
    const full = gradeFactory({ indicatorInputs: inputs, assessment: a, nowMs: inputs.nowMs });
    const fromTelemetry = full.assessment.answers.filter((x) => x.source === 'telemetry');
    expect(fromTelemetry.length).toBeGreaterThan(0);
    expect(fromTelemetry.every((x) => !x.pendingConfirmation)).toBe(true);
    const scored = (run: typeof full) =>
      run.result.items
        .filter((i) => fromTelemetry.some((t) => t.itemId === i.itemId))
        .map((i) => [i.itemId, i.status, i.score]);
    expect(scored(full).every(([, status]) => status === 'telemetry')).toBe(true);

    const low = gradeFactory({ indicatorInputs: thin, assessment: a, nowMs: inputs.nowMs });
    const net = low.indicators.find((i) => i.id === 'equipment-networking-rate');
    // Up to now (the end of the fixture's shift): the days after it have not happened yet.
    expect(net?.coverage).toBeCloseTo((inputs.toMs - inputs.fromMs) / (inputs.nowMs - period.fromMs), 12);
    expect(net?.lowCoverage).toBe(true);
    const pending = low.assessment.answers.filter((x) => x.pendingConfirmation);
    // Exactly the suggestions resting on a time-based indicator with low coverage wait; registry facts
    // (digitisation: coverage null) do not.
    const lowIds = new Set(low.indicators.filter((i) => i.lowCoverage).map((i) => i.id));
    const restsOnLow = (x: (typeof pending)[number]) =>
      x.evidence.some((e) => e.kind === 'telemetry' && lowIds.has(e.indicatorId));
    expect(pending.length).toBeGreaterThan(0);
    expect(low.assessment.answers.filter((x) => x.source === 'telemetry' && restsOnLow(x))).toEqual(pending);
    // The pending suggestions raise nothing: those items are unanswered.
    const pendingItems = scored(low).filter(([id]) => pending.some((p) => p.itemId === id));
    expect(pendingItems.every(([, status, score]) => status === 'missing' && !score)).toBe(true);
    expect(low.result.totalScore).toBeLessThanOrEqual(full.result.totalScore);
    expect(low.report.pendingConfirmation.map((p) => p.itemId).sort()).toEqual(
      pending.map((x) => x.itemId).sort(),
    );
    expect(low.report.assessment.coveredPeriod).toEqual({ fromMs: inputs.fromMs, toMs: inputs.toMs });
    expect(low.report.indicators.find((i) => i.id === 'equipment-networking-rate')?.lowCoverage).toBe(true);
    expect(low.html).toContain('待评估人确认的遥测建议');

    // The assessor confirms each: now they count, as in the full-coverage run.
    const confirmed = pending.reduce(
      (x, p) => acceptSuggestion(x, p.itemId, '李工', inputs.nowMs),
      low.assessment,
    );
    expect(confirmed.answers.some((x) => x.pendingConfirmation)).toBe(false);
    const after = gradeFactory({
      indicatorInputs: thin,
      assessment: confirmed,
      autofill: false,
      nowMs: inputs.nowMs,
    });
    expect(scored(after)).toEqual(scored(full));
    expect(after.result.totalScore).toBe(full.result.totalScore);
  });
});

describe('a province chooses indicator definitions in its rule file', () => {
  it('delivered-data instead of the default online-time, named and versioned in the result', () => {
    const province = {
      ...rulesData,
      indicatorDefinitions: { 'equipment-networking-rate': 'delivered-data' },
    };
    const run = gradeFactory({
      indicatorInputs: inputs,
      assessment,
      tierRules: province,
      nowMs: inputs.nowMs,
    });
    const net = run.indicators.find((i) => i.id === 'equipment-networking-rate');
    expect(net?.definition).toEqual({ id: 'delivered-data', version: '2', default: false });
    expect(net?.formulaVersion).toBe('delivered-data/2');
    const byDefault = gradeFactory({ indicatorInputs: inputs, assessment, nowMs: inputs.nowMs });
    expect(byDefault.indicators.find((i) => i.id === 'equipment-networking-rate')?.definition).toEqual({
      id: 'online-time',
      version: '1',
      default: true,
    });
  });

  it('a rule file naming an unknown indicator or definition is refused', () => {
    expect(() =>
      loadTierRules({ ...rulesData, indicatorDefinitions: { 'equipment-networking-rate': 'ping' } }),
    ).toThrow(/invalid tier rules: indicator equipment-networking-rate has no definition "ping"/);
    expect(() => loadTierRules({ ...rulesData, indicatorDefinitions: { nosuch: 'online-time' } })).toThrow(
      /unknown indicator nosuch/,
    );
  });
});
