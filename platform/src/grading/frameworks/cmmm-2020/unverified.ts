import type { I18n } from '../../common.js';
import { defaultRateMapping } from '../../evidence.js';
import type { CmmmDefinition } from './schema.js';

/** The CMMM rules in force that rest on an unverified reading, in words, for every report. */
export function cmmmUnverifiedRules(def: CmmmDefinition, weightSetId: string): I18n[] {
  const r = def.rules;
  const out: I18n[] = [];
  const tag = (c: string) => c !== '✅';
  const set = def.weights.sets.find((s) => s.id === weightSetId);
  if (set && (set.unverified || tag(set.confidence)))
    out.push({
      zh: `权重采用“${set.name.zh}”（${set.confidence}）：GB/T 39117-2020 附录权重未获取，离散型与流程型权重取自 2024 修订征求意见稿的映射或等权。`,
      en: `Weights: "${set.name.en}" (${set.confidence}) — the GB/T 39117-2020 annex weights were not available; discrete and process weights are mapped from the 2024 revision draft, or equal.`,
    });
  if (tag(r.scale.confidence))
    out.push({
      zh: `要求满足程度分值 ${r.scale.values.map((v) => v.score).join('/')}（${r.scale.confidence}）：来自第三方工具与资料，未对照 GB/T 39117 原文。`,
      en: `Requirement scores ${r.scale.values.map((v) => v.score).join('/')} (${r.scale.confidence}): from third-party tools, not checked against the GB/T 39117 text.`,
    });
  if (tag(r.subdomainScore.confidence))
    out.push({
      zh: '能力子域在某级的得分 = 该级各要求得分的算术平均（❓）。',
      en: 'Sub-domain score at a level = mean of its requirement scores (❓).',
    });
  if (tag(r.levelReached.confidence))
    out.push({
      zh: `达到某级：该级得分 ≥ ${r.levelReached.threshold} 且所有更低级别均已达到（${r.levelReached.confidence}）。`,
      en: `A level is reached when its score ≥ ${r.levelReached.threshold} and every lower level is reached (${r.levelReached.confidence}).`,
    });
  if (tag(r.totalScore.confidence))
    out.push({
      zh: '总分 S = X1 + X2 + … 累加至第一个低于阈值的级别（含该级）（❓）。',
      en: 'Total score S = X1 + X2 + … up to and including the first level below the threshold (❓).',
    });
  if (tag(r.bands.confidence))
    out.push({
      zh: '分数段 0.8≤S<1.8 → 一级 … 4.8≤S≤5 → 五级 取自 2024 修订征求意见稿（◐）；与“达到某级”规则不一致时报告中予以标注。',
      en: 'Bands 0.8≤S<1.8 → L1 … 4.8≤S≤5 → L5 come from the 2024 revision draft (◐); a disagreement with the level rule is flagged.',
    });
  out.push(
    r.levelDetermination.rule === 'band'
      ? { zh: '等级按总分所在分数段确定（平台配置）。', en: 'The level is the band of S (platform setting).' }
      : {
          zh: '等级按“达到某级”规则确定，分数段仅作对照（平台选择）。',
          en: 'The level follows the level-reached rule; the band is shown for comparison (platform choice).',
        },
  );
  if (tag(r.tailoring.confidence))
    out.push({
      zh: '裁剪的能力子域不参与计算，其余子域权重按比例归一（❓）；生产能力域至少保留一个子域（◐）。',
      en: 'Tailored sub-domains drop out and the remaining weights are re-normalised (❓); the production domain keeps at least one sub-domain (◐).',
    });
  out.push({
    zh: '能力子域名称（生产域以外）与各级要求条文为本平台依据等级含义自行撰写，非标准原文（❓）；评估人可在 model.json 中修订。',
    en: 'Sub-domain names outside production and all requirement texts are our own wording from the level meanings, not the standard (❓); assessors can correct model.json.',
  });
  out.push({ zh: defaultRateMapping.label.zh, en: defaultRateMapping.label.en });
  return out;
}
