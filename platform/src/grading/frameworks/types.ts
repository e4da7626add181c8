import type { RegistrySnapshot } from '../../registry/model.js';
import type { AnswerValue, Assessment, Evidence, Suggestion } from '../assessment.js';
import type { Confidence, I18n } from '../common.js';
import type { Indicator, IndicatorScope } from '../indicators/types.js';

/**
 * The framework plugin contract. A framework is a folder with its data file(s) beside the code, registered in
 * frameworks/index.ts. Maturity frameworks (questionnaires) evaluate an assessment; the tier framework
 * classifies assets from indicators.
 */

export type AssessmentItem = {
  id: string;
  kind: 'score' | 'choice' | 'multi' | 'level';
  title: I18n;
  group: { id: string; name: I18n };
  level?: number;
  /** For score items: the allowed scores. */
  scale?: number[];
  /** For choice/multi items. */
  options?: { id: string; label: I18n; points: number }[];
  /** For level items: 0 (none) … maxLevel. */
  maxLevel?: number;
  source: string;
  confidence: Confidence;
  /** What would prove it (documents, records, telemetry). */
  proveBy: I18n;
  /** Indicators that can evidence it. */
  telemetry: string[];
};

export type ItemResult = {
  itemId: string;
  title: I18n;
  group: I18n;
  level?: number;
  value: AnswerValue | null;
  /** Contribution in the item's own terms (requirement score 0..1, points, scenario level). */
  score: number | null;
  status: 'answered' | 'telemetry' | 'missing' | 'tailored' | 'invalid';
  source: 'telemetry' | 'assessor' | null;
  evidence: Evidence[];
  suggested?: AnswerValue;
  overrideReason?: string;
  confidence: Confidence;
};

export type Gap = {
  itemId: string;
  title: I18n;
  group: I18n;
  level?: number;
  current: string;
  target: string;
  /** How much the framework's total score moves when this item is fully met. */
  deltaScore: number;
  /** Needed to reach the next level (a level gate, not only points). */
  blocking: boolean;
  proveBy: I18n;
  telemetry: string[];
};

export type FrameworkResult = {
  frameworkId: string;
  frameworkVersion: string;
  title: I18n;
  industry: 'discrete' | 'process';
  level: number | null;
  levelName: I18n | null;
  totalScore: number;
  totalScoreMax: number;
  totalScoreLabel: I18n;
  /** CMMM: the band the total score falls in, and whether it disagrees with the level rule. */
  band?: { level: number | null; name: I18n | null; conflictsWithLevel: boolean };
  levelScores?: { level: number; name: I18n; score: number | null; reached: boolean; counted: boolean }[];
  /** Per-domain scores (the radar chart), each on its own 0..max scale. */
  domains: { id: string; name: I18n; score: number; max: number }[];
  items: ItemResult[];
  gaps: Gap[];
  /** Rules in effect that rest on an unverified reading. */
  unverifiedRules: I18n[];
  warnings: string[];
};

export type MaturityFramework = {
  kind: 'maturity';
  id: string;
  version: string;
  title: I18n;
  items(a?: Pick<Assessment, 'industry' | 'tailoring'>): AssessmentItem[];
  /** Telemetry-backed suggestions from factory-level indicators. */
  suggest(indicators: Indicator[]): Suggestion[];
  /** Problems with an assessment's answers (unknown items, values outside the scale); empty = fine. */
  check(a: Assessment): string[];
  evaluate(a: Assessment): FrameworkResult;
};

export type TierInputs = {
  snapshot: RegistrySnapshot;
  /** Indicators for any scope; called once per asset. */
  indicatorsFor(scope: IndicatorScope): Indicator[];
  /** Levels reached in maturity frameworks, e.g. { 'cmmm-2020': 2 }. */
  frameworkLevels?: Record<string, number | null>;
};

export type TierCondition = {
  label: I18n;
  indicatorId?: string;
  value: number | null;
  min: number;
  /** null = skipped (value missing and the rule says skip). */
  passed: boolean | null;
};

export type AssetTier = {
  assetPath: string;
  /** Set when a production device stands in for a station (lines without station assets). */
  deviceId?: string;
  level: 'factory' | 'workshop' | 'line' | 'station';
  name: string;
  tier: string | null;
  tierName: I18n | null;
  candidateTier: string;
  conditions: TierCondition[];
};

export type TierFramework = {
  kind: 'tiers';
  id: string;
  version: string;
  title: I18n;
  /** Indicator definitions chosen by the rule set (indicator id → definition id); see IndicatorModule. */
  indicatorDefinitions: Record<string, string>;
  classify(input: TierInputs): AssetTier[];
  unverifiedRules: I18n[];
};

export type FrameworkPlugin = {
  id: string;
  title: I18n;
  kind: 'maturity' | 'tiers';
  /** Built-in data when `data` is omitted; otherwise validates and uses the given data (a province's file). */
  create(data?: unknown): MaturityFramework | TierFramework;
};
