import { z } from 'zod';
import { assetLevelOf, inScope, pathChain } from '../../../oee/assets.js';
import { confidenceSchema, i18nSchema, parseOrThrow } from '../../common.js';
import { buildContext } from '../../indicators/context.js';
import { definitionOf, indicatorModules } from '../../indicators/index.js';
import type { IndicatorScope } from '../../indicators/types.js';
import type { AssetTier, FrameworkPlugin, TierCondition, TierFramework, TierInputs } from '../types.js';
import rulesData from './rules.json' with { type: 'json' };

/**
 * Article 13 tiers (智能工位 / 智能产线 / 智能车间 / 智能工厂) per asset, from measurable indicators. No
 * provincial numeric criteria are published: rules.json is a documented, versioned DEFAULT that a province
 * replaces by configuration (pass its own data to create()). Assets are classified bottom-up so a line can ask
 * for a share of smart workstations, a workshop for a share of smart lines, the factory for smart workshops.
 */
const whenMissing = z.enum(['fail', 'skip']).default('fail');
const conditionSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('indicator'),
    indicator: z.string().min(1),
    min: z.number().min(0).max(1),
    label: i18nSchema,
    whenMissing,
  }),
  z.object({
    kind: z.literal('childShare'),
    childTier: z.string().min(1),
    min: z.number().min(0).max(1),
    label: i18nSchema,
    whenMissing,
  }),
  z.object({
    kind: z.literal('frameworkLevel'),
    framework: z.string().min(1),
    min: z.number().int().min(0),
    label: i18nSchema,
    whenMissing,
  }),
]);
export const tierRulesSchema = z.object({
  id: z.string().min(1),
  version: z.string().min(1),
  title: i18nSchema,
  status: z.string(),
  source: z.string().min(1),
  confidence: confidenceSchema,
  /** Lines without station assets: each production machine on the line is taken as a workstation. */
  stationFallback: z.enum(['devicesAsStations', 'none']).default('devicesAsStations'),
  /**
   * Which definition the indicators use where there are several (indicator id → definition id, e.g.
   * "equipment-networking-rate": "delivered-data"); unlisted ones use their default. A province's choice.
   */
  indicatorDefinitions: z.record(z.string(), z.string()).default({}),
  tiers: z
    .array(
      z.object({
        id: z.string().min(1),
        appliesTo: z.enum(['station', 'line', 'workshop', 'factory']),
        name: i18nSchema,
        conditions: z.array(conditionSchema).min(1),
      }),
    )
    .min(1),
});
export type TierRules = z.infer<typeof tierRulesSchema>;

export function loadTierRules(data?: unknown): TierRules {
  const r = parseOrThrow(tierRulesSchema, data ?? rulesData, 'tier rules');
  for (const [indicator, definition] of Object.entries(r.indicatorDefinitions)) {
    const m = indicatorModules.find((x) => x.id === indicator);
    if (!m) throw new Error(`invalid tier rules: indicatorDefinitions names unknown indicator ${indicator}`);
    try {
      definitionOf(m, definition);
    } catch (e) {
      throw new Error(`invalid tier rules: ${(e as Error).message}`);
    }
  }
  const ids = new Set(r.tiers.map((t) => t.id));
  for (const t of r.tiers)
    for (const c of t.conditions)
      if (c.kind === 'childShare' && !ids.has(c.childTier))
        throw new Error(`invalid tier rules: ${t.id} refers to unknown tier ${c.childTier}`);
  return r;
}

export const hunanArt13Tiers: FrameworkPlugin = {
  id: 'hunan-art13-tiers',
  title: {
    zh: '第十三条分级（智能工位/产线/车间/工厂）',
    en: 'Article 13 tiers (workstation / line / workshop / factory)',
  },
  kind: 'tiers',
  create: (data?: unknown) => createTiers(loadTierRules(data)),
};

const ORDER = ['station', 'line', 'workshop', 'factory'] as const;
type Level = (typeof ORDER)[number];
type Unit = { assetPath: string; level: Level; name: string; scope: IndicatorScope; deviceId?: string };

export function createTiers(rules: TierRules): TierFramework {
  const classify = (input: TierInputs): AssetTier[] => {
    const units = assetUnits(input, rules.stationFallback);
    const results: AssetTier[] = [];
    for (const level of ORDER) {
      const tier = rules.tiers.find((t) => t.appliesTo === level);
      for (const u of units.filter((x) => x.level === level)) {
        if (!tier) continue;
        const indicators = input.indicatorsFor(u.scope);
        const conditions: TierCondition[] = tier.conditions.map((c) => {
          let value: number | null = null;
          if (c.kind === 'indicator') value = indicators.find((i) => i.id === c.indicator)?.value ?? null;
          else if (c.kind === 'frameworkLevel') value = input.frameworkLevels?.[c.framework] ?? null;
          else {
            const children = results.filter(
              (r) => r.level === ORDER[ORDER.indexOf(level) - 1] && isChild(u, r),
            );
            value =
              children.length > 0
                ? children.filter((r) => r.tier === c.childTier).length / children.length
                : null;
          }
          const passed = value === null ? (c.whenMissing === 'skip' ? null : false) : value >= c.min - 1e-9;
          return {
            label: c.label,
            ...(c.kind === 'indicator' ? { indicatorId: c.indicator } : {}),
            value,
            min: c.min,
            passed,
          };
        });
        const ok = conditions.every((c) => c.passed !== false);
        results.push({
          assetPath: u.assetPath,
          ...(u.deviceId ? { deviceId: u.deviceId } : {}),
          level,
          name: u.name,
          tier: ok ? tier.id : null,
          tierName: ok ? tier.name : null,
          candidateTier: tier.id,
          conditions,
        });
      }
    }
    return results;
  };
  return {
    kind: 'tiers',
    id: rules.id,
    version: rules.version,
    title: rules.title,
    indicatorDefinitions: rules.indicatorDefinitions,
    classify,
    unverifiedRules: [
      {
        zh: `第十三条分级采用本平台默认规则 ${rules.version}（${rules.confidence}）：湖南省未公布智能工位/产线/车间的量化标准，阈值可由省级配置替换。`,
        en: `Article 13 tiers use the default rule set ${rules.version} (${rules.confidence}): Hunan has published no numeric criteria for smart workstations/lines/workshops; a province can replace the thresholds by configuration.`,
      },
    ],
  };
}

/** A child is one level down and lies under the parent (a device-as-station lies at its line's path). */
function isChild(parent: Unit, child: AssetTier): boolean {
  return parent.level === 'factory' || inScope(child.assetPath, parent.assetPath);
}

function assetUnits(input: TierInputs, fallback: TierRules['stationFallback']): Unit[] {
  const { snapshot } = input;
  const paths = new Set<string>(['']);
  for (const a of snapshot.assets) for (const p of pathChain(a.path)) paths.add(p);
  for (const d of snapshot.devices) for (const p of pathChain(d.assetPath)) paths.add(p);
  const named = new Map(snapshot.assets.map((a) => [a.path, a.name]));
  const units: Unit[] = [...paths].sort().map((p) => ({
    assetPath: p,
    level: assetLevelOf(snapshot, p),
    name:
      named.get(p) ??
      (p === '' ? snapshot.factory.name || snapshot.factory.id : (p.split('/').pop() as string)),
    scope: { assetPath: p },
  }));
  if (fallback === 'devicesAsStations') {
    const equipment = buildContext({ snapshot, fromMs: 0, toMs: 1, nowMs: 1, series: [] }).equipment;
    for (const line of units.filter((u) => u.level === 'line')) {
      if (units.some((u) => u.level === 'station' && inScope(u.assetPath, line.assetPath))) continue;
      for (const d of equipment.filter((e) => e.kind === 'machine' && e.assetPath === line.assetPath))
        units.push({
          assetPath: line.assetPath,
          level: 'station',
          name: d.name ?? d.id,
          deviceId: d.id,
          scope: { assetPath: line.assetPath, deviceIds: [d.id] },
        });
    }
  }
  return units;
}
