import type { Gap } from '../types.js';
import { questionMax, type SmeModel } from './schema.js';

/**
 * Level rule (S32 ◐): level L when score ≥ minScore(L) and at least minScenarios(L) scenarios are at ≥ L of
 * which at least minConstrained(L) are constrained scenarios; the highest such L (0 = below level 1).
 */
export function smeLevel(m: SmeModel, score: number, scenarioLevels: Map<string, number>): number {
  const rules = [...m.levelRules.rules].sort((a, b) => b.level - a.level);
  for (const r of rules) if (meets(m, r, score, scenarioLevels).ok) return r.level;
  return 0;
}

type Rule = SmeModel['levelRules']['rules'][number];

export function meets(m: SmeModel, r: Rule, score: number, levels: Map<string, number>) {
  const at = m.scenarios.filter((s) => (levels.get(s.id) ?? 0) >= r.scenarioLevel);
  const constrained = at.filter((s) => s.constrained).length;
  const scoreGap = Math.max(0, r.minScore - score);
  const allGap = Math.max(0, r.minScenarios - at.length);
  const constrainedGap = Math.max(0, r.minConstrained - constrained);
  return {
    ok: scoreGap <= 1e-9 && allGap === 0 && constrainedGap === 0,
    scoreGap,
    allGap,
    constrainedGap,
    at: at.length,
    constrained,
  };
}

/**
 * Gaps to the next level: questions below their maximum (Δ points; blocking while the score is short of the
 * next level's minimum) and the scenarios to raise — constrained ones first while constrained scenarios are
 * missing, then the closest ones — marked blocking as far as the rule needs them.
 */
export function smeGaps(
  m: SmeModel,
  level: number,
  score: number,
  points: Map<string, number>,
  levels: Map<string, number>,
): Gap[] {
  const rule = m.levelRules.rules.find((r) => r.level === level + 1);
  if (!rule) return [];
  const need = meets(m, rule, score, levels);
  const dim = new Map(m.dimensions.map((d) => [d.id, d.name]));
  const questionGaps: Gap[] = m.questions.flatMap((q) => {
    const have = points.get(q.id) ?? 0;
    const max = questionMax(q);
    if (have >= max - 1e-9) return [];
    return [
      {
        itemId: q.id,
        title: q.title,
        group: dim.get(q.dimension) ?? { zh: q.dimension, en: q.dimension },
        current: String(have),
        target: String(max),
        deltaScore: Math.round((max - have) * 1e9) / 1e9,
        blocking: need.scoreGap > 0,
        proveBy: q.proveBy,
        telemetry: q.telemetry ? [q.telemetry] : q.telemetryLinks ? ['data-collection-coverage'] : [],
      },
    ];
  });
  const below = m.scenarios
    .filter((s) => (levels.get(s.id) ?? 0) < rule.scenarioLevel)
    .sort(
      (a, b) =>
        Number(b.constrained) - Number(a.constrained) ||
        (levels.get(b.id) ?? 0) - (levels.get(a.id) ?? 0) ||
        a.id.localeCompare(b.id),
    );
  let needConstrained = need.constrainedGap;
  let needAll = need.allGap;
  const groups = new Map(m.scenarioGroups.map((g) => [g.id, g.name]));
  const scenarioGaps: Gap[] = below.map((s) => {
    let blocking = false;
    if (s.constrained && needConstrained > 0) {
      needConstrained--;
      needAll--;
      blocking = true;
    } else if (needAll > needConstrained) {
      needAll--;
      blocking = true;
    }
    const ladder = s.ladder[rule.scenarioLevel - 1] ?? s.ladder[3];
    return {
      itemId: `scenario.${s.id}`,
      title: s.name,
      group: groups.get(s.group) ?? { zh: s.group, en: s.group },
      level: rule.scenarioLevel,
      current: `L${levels.get(s.id) ?? 0}`,
      target: `L${rule.scenarioLevel}`,
      deltaScore: 0,
      blocking,
      proveBy: ladder ?? s.name,
      telemetry: (s.telemetry ?? []).flatMap((t) => t.all.map((c) => c.indicator)),
    };
  });
  return [...questionGaps, ...scenarioGaps].sort(
    (a, b) =>
      Number(b.blocking) - Number(a.blocking) ||
      b.deltaScore - a.deltaScore ||
      a.itemId.localeCompare(b.itemId),
  );
}
