import { clean } from '../../common.js';
import type { CmmmDefinition } from './schema.js';

/**
 * CMMM roll-up (rules.json; each step's confidence is documented in README.md):
 *   requirement score r ∈ scale (0/0.5/0.8/1), unanswered = 0
 *   sub-domain score at level n   s(sd, n) = mean of its level-n requirement scores
 *   level score                   X_n = Σ w_sd · s(sd, n) ÷ Σ w_sd   over applicable, non-tailored sub-domains
 *                                 with requirements at level n (weights re-normalise around tailored ones)
 *   level reached                 X_n ≥ 0.8 and every lower level reached
 *   total score                   S = X_1 + … + X_m, m = first level with X_m < 0.8 (or 5)
 *   band                          0.8 ≤ S < 1.8 → 1 … 4.8 ≤ S ≤ 5 → 5
 *   level                         the reached level (rule "reachedRule", default) or the band (rule "band")
 */
export type CmmmScores = {
  industry: 'discrete' | 'process';
  weightSetId: string;
  applicable: string[];
  weights: Map<string, number>;
  /** Sub-domain score per level (index 0 = level 1); null = no requirements at that level. */
  subdomainScores: Map<string, (number | null)[]>;
  levelScores: (number | null)[];
  reached: number;
  counted: boolean[];
  totalScore: number;
  band: number | null;
  level: number;
  bandConflict: boolean;
};

export function effectiveWeights(
  def: CmmmDefinition,
  industry: 'discrete' | 'process',
  setId?: string,
): Map<string, number> {
  const set = def.weights.sets.find((s) => s.id === (setId ?? def.weights.default));
  if (!set) throw new Error(`unknown weight set ${setId}`);
  const w = new Map<string, number>();
  for (const g of set.groups) {
    const sum = Object.values(g.members).reduce((a, b) => a + b, 0);
    for (const [sd, m] of Object.entries(g.members)) w.set(sd, (g.weight[industry] * m) / sum);
  }
  return w;
}

export function applicableSubdomains(
  def: CmmmDefinition,
  industry: 'discrete' | 'process',
  tailored: Set<string>,
): string[] {
  return def.model.subdomains
    .filter((s) => s.industries.includes(industry) && !tailored.has(s.id))
    .map((s) => s.id);
}

/** Scores from requirement scores (id → score; missing = unanswered = 0). */
export function scoreCmmm(
  def: CmmmDefinition,
  opts: { industry: 'discrete' | 'process'; tailored: Set<string>; weightSet?: string },
  reqScore: (reqId: string) => number | undefined,
): CmmmScores {
  const weights = effectiveWeights(def, opts.industry, opts.weightSet);
  const applicable = applicableSubdomains(def, opts.industry, opts.tailored);
  const threshold = def.rules.levelReached.threshold;
  const subdomainScores = new Map<string, (number | null)[]>();
  for (const sd of applicable) {
    const perLevel: (number | null)[] = [];
    for (let n = 1; n <= 5; n++) {
      const reqs = def.model.requirements.filter((r) => r.subdomain === sd && r.level === n);
      perLevel.push(
        reqs.length === 0 ? null : clean(reqs.reduce((a, r) => a + (reqScore(r.id) ?? 0), 0) / reqs.length),
      );
    }
    subdomainScores.set(sd, perLevel);
  }
  const levelScores: (number | null)[] = [];
  for (let n = 1; n <= 5; n++) {
    let num = 0;
    let den = 0;
    for (const sd of applicable) {
      const s = subdomainScores.get(sd)?.[n - 1];
      const w = weights.get(sd) ?? 0;
      if (s === null || s === undefined || w <= 0) continue;
      num += w * s;
      den += w;
    }
    levelScores.push(den > 0 ? clean(num / den) : null);
  }
  let reached = 0;
  while (reached < 5 && (levelScores[reached] ?? -1) >= threshold) reached++;
  const counted = [false, false, false, false, false];
  let total = 0;
  for (let n = 0; n < 5; n++) {
    const x = levelScores[n] ?? 0;
    counted[n] = true;
    total += x;
    if (x < threshold) break;
  }
  const totalScore = clean(total);
  const band = bandOf(def, totalScore);
  const level = def.rules.levelDetermination.rule === 'band' ? (band ?? 0) : reached;
  return {
    industry: opts.industry,
    weightSetId: opts.weightSet ?? def.weights.default,
    applicable,
    weights,
    subdomainScores,
    levelScores,
    reached,
    counted,
    totalScore,
    band,
    level,
    bandConflict: (band ?? 0) !== reached,
  };
}

export function bandOf(def: CmmmDefinition, s: number): number | null {
  for (const b of def.rules.bands.values)
    if (s >= b.min && (s < b.max || (b.maxInclusive && s <= b.max))) return b.level;
  return null;
}

/** A sub-domain's own maturity on 0..5 by the same rule as S (its level scores up to the first below 0.8). */
export function subdomainMaturity(def: CmmmDefinition, perLevel: (number | null)[]): number {
  let m = 0;
  for (const s of perLevel) {
    if (s === null) continue;
    m += s;
    if (s < def.rules.levelReached.threshold) break;
  }
  return clean(m);
}
