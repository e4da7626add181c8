import { accountEnergy } from './accounting/index.js';
import { chartsData } from './charts-data.js';
import { buildContext, type DiagnosisContext } from './context.js';
import {
  type Finding,
  type Indicator,
  type IndicatorInput,
  indicatorSchema,
  type Note,
  severityRank,
  t,
} from './finding.js';
import type { DiagnosisResult, Verification } from './result.js';
import { SCHEMA_VERSION } from './result.js';
import { type Rule, rules as registeredRules } from './rules/index.js';
import { checkMeters, type MeterCheck, seedMeterChecks } from './rules/meter-data-quality.js';
import { withoutDoubleCounting } from './savings-overlap.js';
import { KIND } from './slots.js';
import { accountingIndicators, contextNotes } from './summary.js';
import type { DiagnosisInput, Text } from './types.js';

/**
 * A frozen counter (no increase for hours while its gauge shows consumption) is a data gap, never zero use:
 * the meter checks run on the data as delivered, then the frozen stretches become gaps in the consumption
 * every rule and the accounting see. The checks themselves (data-quality appendix, metering finding) keep
 * describing the data as delivered.
 */
function contextWithFrozenAsGaps(input: DiagnosisInput) {
  const asDelivered = buildContext(input);
  const checks = checkMeters(asDelivered);
  const frozen = new Map<string, MeterCheck>(
    checks.filter((c) => c.frozenRuns.length > 0).map((c) => [c.meterId, c]),
  );
  if (frozen.size === 0) return asDelivered;
  const meters = input.meters.map((m) => {
    const c = frozen.get(m.deviceId);
    if (!c) return m;
    const values = Float64Array.from(m.consumption.values);
    for (const [start, len] of c.frozenRuns) values.fill(Number.NaN, start, start + len);
    return { ...m, consumption: { ...m.consumption, values } };
  });
  const ctx = buildContext({ ...input, meters });
  seedMeterChecks(ctx, checks);
  return ctx;
}

/**
 * diagnose(input) → DiagnosisResult: energy accounting, every registered rule, measures ranked by saving
 * (with investment and payback where an estimate was given), and a data-quality appendix. Pure: the same
 * input gives the same result. A rule that throws is recorded in the appendix; the others still run.
 */
export function diagnose(input: DiagnosisInput, rules: Rule[] = registeredRules): DiagnosisResult {
  const ctx = contextWithFrozenAsGaps(input);
  const accounting = accountEnergy(ctx);
  const findings: Finding[] = [];
  const indicators: Indicator[] = [];
  const notes: Note[] = contextNotes(ctx);
  const rulesSkipped: { rule: string; reason: Text }[] = [];
  const verification: Verification[] = [];
  for (const rule of rules) {
    try {
      const out = rule.run(ctx);
      findings.push(...out.findings);
      indicators.push(...(out.indicators ?? []).map((i: IndicatorInput) => indicatorSchema.parse(i)));
      notes.push(...(out.notes ?? []));
      verification.push(...(out.verification ?? []));
      if (out.skipped) rulesSkipped.push({ rule: rule.id, reason: out.skipped });
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      rulesSkipped.push({ rule: rule.id, reason: t(`规则执行失败：${msg}`, `rule failed: ${msg}`) });
    }
  }
  const deduped = withoutDoubleCounting(ctx, findings);
  findings.splice(0, findings.length, ...deduped);
  findings.sort((a, b) => severityRank[b.severity] - severityRank[a.severity] || a.id.localeCompare(b.id));
  indicators.unshift(...accountingIndicators(ctx, accounting));
  const measures = rankMeasures(ctx, findings);
  const count = (s: Finding['severity']) => findings.filter((f) => f.severity === s).length;
  const sum = (k: 'energyKwh' | 'tce' | 'tco2') => measures.reduce((a, m) => a + m.saving[k], 0);
  const costs = measures.map((m) => m.saving.costCny);
  const invest = measures.map((m) => m.saving.investmentCny).filter((x): x is number => x !== null);
  const factory = ctx.registry.factory;
  return {
    schemaVersion: SCHEMA_VERSION,
    generatedAtMs: input.generatedAtMs,
    factory: {
      id: factory.id,
      name: factory.name,
      ...(factory.nameEn ? { nameEn: factory.nameEn } : {}),
      province: factory.province,
      industry: factory.industry,
      ...(factory.industryCode ? { industryCode: factory.industryCode } : {}),
      products: factory.products.map((p) => ({ id: p.id, name: p.name, unit: p.unit })),
      meters: ctx.tree.nodes.size,
      machines: ctx.machines.length,
    },
    period: {
      fromMs: input.period.fromMs,
      toMs: input.period.toMs,
      days: (input.period.toMs - input.period.fromMs) / 86_400_000,
      utcOffsetMinutes: ctx.grid.utcOffsetMinutes,
      hasCalendar: ctx.grid.hasCalendar,
      productionHours: ctx.grid.kind.reduce((s, k) => s + (k === KIND.production ? 0.25 : 0), 0),
      ...(input.periodCoverage ? { coverage: input.periodCoverage } : {}),
    },
    basis: {
      electricity: ctx.basis,
      kgcePerKwh: ctx.kgcePerKwh,
      gridFactor: ctx.gridFactorUsed,
      tariff: {
        id: ctx.tariff.tariff.id,
        name: ctx.tariff.tariff.name,
        source: ctx.tariff.tariff.source,
        confidence: ctx.tariff.tariff.confidence,
        validFrom: ctx.tariff.versions.map((v) => v.version.validFrom),
        priced: ctx.priced,
        flatPriceCnyPerKwh: ctx.options.flatPriceCnyPerKwh ?? null,
      },
    },
    accounting,
    indicators,
    findings,
    measures,
    totals: {
      saving: {
        energyKwh: sum('energyKwh'),
        tce: sum('tce'),
        tco2: sum('tco2'),
        costCny: costs.some((c) => c !== null) ? costs.reduce<number>((a, c) => a + (c ?? 0), 0) : null,
        investmentCny: invest.length ? invest.reduce((a, b) => a + b, 0) : null,
      },
      findingsBySeverity: {
        info: count('info'),
        low: count('low'),
        medium: count('medium'),
        high: count('high'),
      },
    },
    verification,
    charts: chartsData(ctx, accounting),
    dataQuality: {
      meters: checkMeters(ctx).map((c) => ({
        meterId: c.meterId,
        slots: c.slots,
        gapSlots: c.gapSlots,
        longestGapH: c.longestGapSlots / 4,
        frozenHours: c.frozenSlots / 4,
        negativeSlots: c.negativeSlots,
        implausibleSlots: c.implausibleSlots + c.childOverParentSlots,
        resets: c.resets,
        rollovers: c.rollovers,
        source: c.source,
      })),
      notes,
      rulesSkipped,
    },
    settingsApplied: ctx.settingsApplied,
    coefficients: ctx.book.usedRecords(),
  };
}

/** Measures: findings with a saving, ranked by ¥ when every one is priced, else by tce, then ¥. */
function rankMeasures(ctx: DiagnosisContext, findings: Finding[]): DiagnosisResult['measures'] {
  const withSaving = findings.filter(
    (f): f is Finding & { saving: NonNullable<Finding['saving']> } =>
      !!f.saving && (f.saving.energyKwh > 0 || f.saving.tce > 0 || (f.saving.costCny ?? 0) > 0),
  );
  const allPriced = withSaving.every((f) => f.saving.costCny !== null);
  withSaving.sort((a, b) => {
    const ca = a.saving.costCny ?? 0;
    const cb = b.saving.costCny ?? 0;
    const primary = allPriced ? cb - ca : b.saving.tce - a.saving.tce || cb - ca;
    return primary || a.id.localeCompare(b.id);
  });
  return withSaving.map((f, i) => ({
    rank: i + 1,
    findingId: f.id,
    rule: f.rule,
    category: f.category,
    title: f.title,
    where: f.where.name ?? f.where.deviceId ?? f.where.assetPath ?? ctx.registry.factory.id,
    saving: f.saving,
  }));
}
