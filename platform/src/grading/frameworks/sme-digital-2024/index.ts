import { type Assessment, answerOf, type Suggestion } from '../../assessment.js';
import type { I18n } from '../../common.js';
import { telemetryEvidence } from '../../evidence.js';
import type { Indicator } from '../../indicators/types.js';
import type {
  AssessmentItem,
  FrameworkPlugin,
  FrameworkResult,
  ItemResult,
  MaturityFramework,
} from '../types.js';
import { smeGaps, smeLevel } from './levels.js';
import { bandFor, loadSme, questionMax, questionPoints, type SmeModel } from './schema.js';

const TITLE: I18n = {
  zh: '中小企业数字化水平评测（2024年版）',
  en: 'SME digitalisation level evaluation (2024 edition)',
};
const SCENARIO = 'scenario.';

export const smeDigital2024: FrameworkPlugin = {
  id: 'sme-digital-2024',
  title: TITLE,
  kind: 'maturity',
  create: (data?: unknown) => createSme(loadSme(data)),
};

export function createSme(m: SmeModel): MaturityFramework {
  const dims = new Map(m.dimensions.map((d) => [d.id, d]));
  const groups = new Map(m.scenarioGroups.map((g) => [g.id, g.name]));

  const items = (): AssessmentItem[] => [
    ...m.questions.map((q) => ({
      id: q.id,
      kind: q.type === 'multi' ? ('multi' as const) : ('choice' as const),
      title: q.title,
      group: { id: q.dimension, name: dims.get(q.dimension)?.name ?? { zh: q.dimension, en: q.dimension } },
      options: (q.type === 'band' ? (q.bands ?? []) : (q.options ?? [])).map((o) => ({
        id: o.id,
        label: o.label,
        points: o.points,
      })),
      source: q.source,
      confidence: q.confidence,
      proveBy: q.proveBy,
      telemetry: q.telemetry ? [q.telemetry] : q.telemetryLinks ? ['data-collection-coverage'] : [],
    })),
    ...m.scenarios.map((s) => ({
      id: `${SCENARIO}${s.id}`,
      kind: 'level' as const,
      title: s.name,
      group: { id: s.group, name: groups.get(s.group) ?? { zh: s.group, en: s.group } },
      maxLevel: 4,
      source: s.source,
      confidence: s.confidence,
      proveBy: s.ladder[2] ?? s.name,
      telemetry: (s.telemetry ?? []).flatMap((t) => t.all.map((c) => c.indicator)),
    })),
  ];

  const suggest = (indicators: Indicator[]): Suggestion[] => {
    const factory = (id: string) => indicators.find((i) => i.id === id && i.scope.assetPath === '');
    const out: Suggestion[] = [];
    for (const q of m.questions) {
      if (q.type === 'band' && q.telemetry) {
        const ind = factory(q.telemetry);
        const b = ind && ind.value !== null ? bandFor(q, ind.value) : null;
        if (ind && b)
          out.push({
            itemId: q.id,
            value: { choice: b.id },
            evidence: [telemetryEvidence(ind)],
            rule: {
              zh: '按评测指标的比率分档（◐）对应实测比率',
              en: 'Measured rate placed in the evaluation’s rate bands (◐)',
            },
          });
      }
      if (q.telemetryLinks) {
        const cov = factory('data-collection-coverage');
        const proven = Object.entries(q.telemetryLinks)
          .filter(([, key]) => (cov?.breakdown?.find((b) => b.key === key)?.value ?? 0) >= 0.8)
          .map(([opt]) => opt);
        if (cov && proven.length > 0)
          out.push({
            itemId: q.id,
            value: { selected: proven },
            evidence: [telemetryEvidence(cov)],
            rule: {
              zh: '遥测证实的业务环节（该环节数据采集覆盖率 ≥ 80%，本平台建议）；其余环节需提供系统证明',
              en: 'Links proven by telemetry (coverage ≥ 80 % in that link, our proposal); other links need system evidence',
            },
          });
      }
    }
    for (const s of m.scenarios) {
      const hit = [...(s.telemetry ?? [])]
        .sort((a, b) => b.level - a.level)
        .find((t) => t.all.every((c) => (factory(c.indicator)?.value ?? -1) >= c.min));
      if (!hit) continue;
      out.push({
        itemId: `${SCENARIO}${s.id}`,
        value: { level: hit.level },
        evidence: hit.all.map((c) => telemetryEvidence(factory(c.indicator) as Indicator)),
        rule: {
          zh: `遥测指标满足 ${hit.all.map((c) => `${c.indicator} ≥ ${c.min * 100}%`).join('、')} → 建议 ${hit.level} 级（本平台建议）`,
          en: `Telemetry meets ${hit.all.map((c) => `${c.indicator} ≥ ${c.min * 100} %`).join(', ')} → suggests level ${hit.level} (our proposal)`,
        },
      });
    }
    return out;
  };

  const check = (a: Assessment): string[] => {
    const problems: string[] = [];
    if (a.frameworkId !== m.id) problems.push(`frameworkId ${a.frameworkId} is not ${m.id}`);
    if (a.frameworkVersion !== m.version)
      problems.push(`frameworkVersion ${a.frameworkVersion} differs from the loaded data ${m.version}`);
    a.answers.forEach((ans, i) => {
      if (ans.itemId.startsWith(SCENARIO)) {
        const s = m.scenarios.find((x) => `${SCENARIO}${x.id}` === ans.itemId);
        if (!s) problems.push(`answers.${i}.itemId: unknown scenario ${ans.itemId}`);
        else if (ans.value.level === undefined || ans.value.level > 4)
          problems.push(`answers.${i}.value: ${ans.itemId} takes a level 0–4`);
        return;
      }
      const q = m.questions.find((x) => x.id === ans.itemId);
      if (!q) problems.push(`answers.${i}.itemId: unknown question ${ans.itemId}`);
      else if (questionPoints(q, ans.value) === null)
        problems.push(
          `answers.${i}.value: ${ans.itemId} takes ${q.type === 'multi' ? 'selected option ids' : 'one option id (choice)'}`,
        );
    });
    return problems;
  };

  const evaluate = (a: Assessment): FrameworkResult => {
    const points = new Map<string, number>();
    const itemResults: ItemResult[] = [];
    for (const q of m.questions) {
      const ans = answerOf(a, q.id);
      const p = questionPoints(q, ans?.value);
      points.set(q.id, p ?? 0);
      itemResults.push(itemResult(q.id, q.title, dims.get(q.dimension)?.name, ans, p, q.confidence));
    }
    const levels = new Map<string, number>();
    for (const s of m.scenarios) {
      const ans = answerOf(a, `${SCENARIO}${s.id}`);
      const lv = ans?.value.level;
      const valid = lv !== undefined && lv <= 4 ? lv : null;
      levels.set(s.id, valid ?? 0);
      itemResults.push(
        itemResult(`${SCENARIO}${s.id}`, s.name, groups.get(s.group), ans, ans ? valid : 0, s.confidence),
      );
    }
    const score = Math.round([...points.values()].reduce((x, y) => x + y, 0) * 1e9) / 1e9;
    const level = smeLevel(m, score, levels);
    const dimScore = (id: string) =>
      m.questions.filter((q) => q.dimension === id).reduce((x, q) => x + (points.get(q.id) ?? 0), 0);
    const domains = m.dimensions.map((d) =>
      d.points === null
        ? {
            id: d.id,
            name: d.name,
            score: [...levels.values()].reduce((x, y) => x + y, 0) / Math.max(1, levels.size),
            max: 4,
          }
        : { id: d.id, name: d.name, score: dimScore(d.id), max: d.points },
    );
    return {
      frameworkId: m.id,
      frameworkVersion: m.version,
      title: TITLE,
      industry: a.industry,
      level,
      levelName: m.levels.find((l) => l.level === level)?.name ?? null,
      totalScore: score,
      totalScoreMax: m.questions.reduce((x, q) => x + questionMax(q), 0),
      totalScoreLabel: { zh: '评测得分（基础+管理+成效）', en: 'Score (foundation + management + results)' },
      domains,
      items: itemResults,
      gaps: smeGaps(m, level, score, points, levels),
      unverifiedRules: [
        {
          zh: '题目、分值与场景分级描述据第三方题库转录整理（◐），未对照工信厅企业〔2024〕56号原文。',
          en: 'Questions, points and scenario ladders are reconstructed from third-party dumps (◐), not checked against the official 2024 text.',
        },
        {
          zh: '等级判定：得分 ≥80/60/40/20 且 ≥10/8/6/6 个场景达到相应级别（其中约束性场景 ≥6/5/3/3）取自第三方工具（◐）。',
          en: 'Level rule: score ≥ 80/60/40/20 with ≥ 10/8/6/6 scenarios at that level (≥ 6/5/3/3 constrained) comes from a third-party tool (◐).',
        },
        {
          zh: '约束性场景按平台题库标记的 10 个（另有资料称 9 个，◐）。遥测建议的场景级别阈值为本平台建议（❓）。',
          en: 'Constrained scenarios: the 10 flagged in the platform dump (another source says 9, ◐). Telemetry thresholds for scenario levels are our proposal (❓).',
        },
      ],
      warnings: check(a).filter((p) => !p.startsWith('answers.')),
    };
  };

  return { kind: 'maturity', id: m.id, version: m.version, title: TITLE, items, suggest, check, evaluate };
}

function itemResult(
  itemId: string,
  title: I18n,
  group: I18n | undefined,
  ans: ReturnType<typeof answerOf>,
  score: number | null,
  confidence: ItemResult['confidence'],
): ItemResult {
  return {
    itemId,
    title,
    group: group ?? { zh: '', en: '' },
    value: ans?.value ?? null,
    score: score ?? 0,
    status: !ans
      ? 'missing'
      : score === null
        ? 'invalid'
        : ans.source === 'telemetry'
          ? 'telemetry'
          : 'answered',
    source: ans?.source ?? null,
    evidence: ans?.evidence ?? [],
    ...(ans?.suggested ? { suggested: ans.suggested.value } : {}),
    ...(ans?.overrideReason ? { overrideReason: ans.overrideReason } : {}),
    confidence,
  };
}
