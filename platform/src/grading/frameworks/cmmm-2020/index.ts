import { type Assessment, answerOf } from '../../assessment.js';
import type { I18n } from '../../common.js';
import { suggestScore } from '../../evidence.js';
import type {
  AssessmentItem,
  FrameworkPlugin,
  FrameworkResult,
  ItemResult,
  MaturityFramework,
} from '../types.js';
import { cmmmGaps } from './gaps.js';
import { type CmmmDefinition, loadCmmm } from './schema.js';
import { scoreCmmm, subdomainMaturity } from './scoring.js';
import { cmmmUnverifiedRules } from './unverified.js';

const TITLE: I18n = {
  zh: '智能制造能力成熟度（GB/T 39116/39117-2020）',
  en: 'Intelligent-manufacturing capability maturity (GB/T 39116/39117-2020)',
};

export const cmmm2020: FrameworkPlugin = {
  id: 'cmmm-2020',
  title: TITLE,
  kind: 'maturity',
  create(data?: unknown) {
    return createCmmm(loadCmmm(data as Parameters<typeof loadCmmm>[0]));
  },
};

export function createCmmm(def: CmmmDefinition): MaturityFramework {
  const scale = def.rules.scale.values.map((v) => v.score);
  const sd = new Map(def.model.subdomains.map((s) => [s.id, s]));
  const opts = (a: Assessment) => ({
    industry: a.industry,
    tailored: new Set(a.tailoring.map((t) => t.subjectId)),
    ...(a.weightSet ? { weightSet: a.weightSet } : {}),
  });
  const scoreOf = (a: Assessment) => (id: string) => {
    const v = answerOf(a, id)?.value.score;
    return v !== undefined && scale.includes(v) ? v : undefined;
  };

  const items = (a?: Pick<Assessment, 'industry' | 'tailoring'>): AssessmentItem[] => {
    const tailored = new Set(a?.tailoring.map((t) => t.subjectId) ?? []);
    return def.model.requirements
      .filter(
        (r) => !tailored.has(r.subdomain) && (!a || sd.get(r.subdomain)?.industries.includes(a.industry)),
      )
      .map((r) => {
        const s = sd.get(r.subdomain);
        return {
          id: r.id,
          kind: 'score' as const,
          title: r.text,
          group: { id: r.subdomain, name: s?.name ?? { zh: r.subdomain, en: r.subdomain } },
          level: r.level,
          scale,
          source: r.source,
          confidence: r.confidence,
          proveBy: r.proveBy,
          telemetry: r.telemetry,
        };
      });
  };

  const check = (a: Assessment): string[] => {
    const problems: string[] = [];
    if (a.frameworkId !== def.model.id) problems.push(`frameworkId ${a.frameworkId} is not ${def.model.id}`);
    if (a.frameworkVersion !== def.model.version)
      problems.push(
        `frameworkVersion ${a.frameworkVersion} differs from the loaded data ${def.model.version}`,
      );
    if (a.weightSet && !def.weights.sets.some((s) => s.id === a.weightSet))
      problems.push(`weightSet: unknown ${a.weightSet}`);
    const reqIds = new Set(def.model.requirements.map((r) => r.id));
    for (const t of a.tailoring)
      if (!sd.has(t.subjectId)) problems.push(`tailoring: unknown sub-domain ${t.subjectId}`);
    const tailored = new Set(a.tailoring.map((t) => t.subjectId));
    for (const d of def.rules.tailoring.mandatoryDomains) {
      const members = def.model.subdomains.filter((s) => s.domain === d);
      if (members.length > 0 && members.every((s) => tailored.has(s.id)))
        problems.push(`tailoring: domain ${d} must keep at least one sub-domain`);
    }
    a.answers.forEach((ans, i) => {
      if (!reqIds.has(ans.itemId)) problems.push(`answers.${i}.itemId: unknown requirement ${ans.itemId}`);
      else if (ans.value.score === undefined || !scale.includes(ans.value.score))
        problems.push(`answers.${i}.value: ${ans.itemId} takes a score in ${scale.join('/')}`);
    });
    return problems;
  };

  const evaluate = (a: Assessment): FrameworkResult => {
    const o = opts(a);
    const score = scoreOf(a);
    const s = scoreCmmm(def, o, score);
    const applicable = new Set(s.applicable);
    const itemResults: ItemResult[] = def.model.requirements.map((r) => {
      const ans = answerOf(a, r.id);
      const valid = score(r.id);
      const status: ItemResult['status'] = !applicable.has(r.subdomain)
        ? 'tailored'
        : !ans
          ? 'missing'
          : valid === undefined
            ? 'invalid'
            : ans.source === 'telemetry'
              ? 'telemetry'
              : 'answered';
      return {
        itemId: r.id,
        title: r.text,
        group: sd.get(r.subdomain)?.name ?? { zh: r.subdomain, en: r.subdomain },
        level: r.level,
        value: ans?.value ?? null,
        score: status === 'tailored' ? null : (valid ?? 0),
        status,
        source: ans?.source ?? null,
        evidence: ans?.evidence ?? [],
        ...(ans?.suggested ? { suggested: ans.suggested.value } : {}),
        ...(ans?.overrideReason ? { overrideReason: ans.overrideReason } : {}),
        confidence: r.confidence,
      };
    });
    const domains = def.model.domains.flatMap((d) => {
      const members = s.applicable.filter((id) => sd.get(id)?.domain === d.id);
      if (members.length === 0) return [];
      const w = members.map((id) => s.weights.get(id) ?? 0);
      const wSum = w.reduce((x, y) => x + y, 0);
      const m = members.map((id) => subdomainMaturity(def, s.subdomainScores.get(id) ?? []));
      const score =
        wSum > 0
          ? m.reduce((acc, v, i) => acc + v * (w[i] as number), 0) / wSum
          : m.reduce((x, y) => x + y, 0) / m.length;
      return [{ id: d.id, name: d.name, score: Math.round(score * 1000) / 1000, max: 5 }];
    });
    const levelInfo = (n: number) => def.model.levels.find((l) => l.level === n)?.name ?? null;
    const warnings = check(a).filter((p) => !p.startsWith('answers.'));
    if (s.bandConflict)
      warnings.push(
        `bandConflict: total score ${s.totalScore} falls in band ${s.band ?? 'none'} while the reached level is ${s.reached}`,
      );
    return {
      frameworkId: def.model.id,
      frameworkVersion: def.model.version,
      title: TITLE,
      industry: a.industry,
      level: s.level,
      levelName: s.level > 0 ? levelInfo(s.level) : null,
      totalScore: s.totalScore,
      totalScoreMax: 5,
      totalScoreLabel: { zh: '成熟度总分 S', en: 'Maturity score S' },
      band: { level: s.band, name: s.band ? levelInfo(s.band) : null, conflictsWithLevel: s.bandConflict },
      levelScores: s.levelScores.map((x, i) => ({
        level: i + 1,
        name: levelInfo(i + 1) ?? { zh: `${i + 1}级`, en: `Level ${i + 1}` },
        score: x,
        reached: i < s.reached,
        counted: s.counted[i] ?? false,
      })),
      domains,
      items: itemResults,
      gaps: cmmmGaps(def, s, o, score),
      unverifiedRules: cmmmUnverifiedRules(def, s.weightSetId),
      warnings,
    };
  };

  const suggest = (indicators: Parameters<MaturityFramework['suggest']>[0]) =>
    def.model.requirements.flatMap((r) => {
      if (r.telemetry.length === 0) return [];
      const sug = suggestScore(r.id, r.telemetry, indicators);
      return sug ? [sug] : [];
    });

  return {
    kind: 'maturity',
    id: def.model.id,
    version: def.model.version,
    title: TITLE,
    items,
    suggest,
    check,
    evaluate,
  };
}
