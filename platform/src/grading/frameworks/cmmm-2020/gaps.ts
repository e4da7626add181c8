import { clean } from '../../common.js';
import type { Gap } from '../types.js';
import type { CmmmDefinition } from './schema.js';
import { type CmmmScores, scoreCmmm } from './scoring.js';

/**
 * The path to the next level: every requirement at or below the target level (current + 1) that is not fully
 * met, with how much the total score S moves if it were fully met (re-scored, so weights, tailoring and the
 * "up to the first level below 0.8" rule all apply). Requirements in a level that is not yet reached block the
 * next level and come first; then by score movement.
 */
export function cmmmGaps(
  def: CmmmDefinition,
  scores: CmmmScores,
  opts: { industry: 'discrete' | 'process'; tailored: Set<string>; weightSet?: string },
  reqScore: (id: string) => number | undefined,
): Gap[] {
  if (scores.level >= 5) return [];
  const target = scores.level + 1;
  const threshold = def.rules.levelReached.threshold;
  const applicable = new Set(scores.applicable);
  const sdName = new Map(def.model.subdomains.map((s) => [s.id, s.name]));
  const gaps: Gap[] = [];
  for (const r of def.model.requirements) {
    if (!applicable.has(r.subdomain) || r.level > target) continue;
    const current = reqScore(r.id);
    if ((current ?? 0) >= 1) continue;
    const moved = scoreCmmm(def, opts, (id) => (id === r.id ? 1 : reqScore(id)));
    const x = scores.levelScores[r.level - 1];
    gaps.push({
      itemId: r.id,
      title: r.text,
      group: sdName.get(r.subdomain) ?? { zh: r.subdomain, en: r.subdomain },
      level: r.level,
      current: current === undefined ? '—' : String(current),
      target: '1',
      deltaScore: clean(moved.totalScore - scores.totalScore),
      blocking: x === null || x === undefined || x < threshold,
      proveBy: r.proveBy,
      telemetry: r.telemetry,
    });
  }
  return gaps.sort(
    (a, b) =>
      Number(b.blocking) - Number(a.blocking) ||
      b.deltaScore - a.deltaScore ||
      (a.level ?? 0) - (b.level ?? 0) ||
      a.itemId.localeCompare(b.itemId),
  );
}
