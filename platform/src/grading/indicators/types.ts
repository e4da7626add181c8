import type { FactoryOeeResult } from '../../oee/index.js';
import type { RegistryDevice, RegistrySnapshot } from '../../registry/model.js';
import type { I18n } from '../common.js';

/**
 * Digitalisation indicators measured from telemetry. Every indicator says what it measured (value), over
 * which period, by which formula, from which raw counts, and which assets pull it down — so an assessor can
 * check it and a factory knows what to fix.
 */

/** What the store delivered for one series in the period (built by query/grading-inputs.ts). */
export type SeriesActivity = {
  deviceId: string;
  metric: string;
  /** Points present in the period. */
  present: number;
  /** Points expected from the metric's sampling interval; null for report-by-exception metrics. */
  expected: number | null;
  /** Received share capped per interval (the store's coverage ratio), when known; else min(1, present ÷ expected). */
  ratio?: number;
  expectedPeriodMs: number | null;
  /** Time of the newest point (any time, not only in the period); null = never. */
  lastTsMs: number | null;
  /**
   * Time in the period during which the series had a Good value in force (reported on change: a value holds
   * until the next sample, a Bad one ends it, the device going offline ends it; query/held-values.ts), ms.
   * Absent for text series.
   */
  coveredMs?: number;
  /** coveredMs ÷ the period's length (0..1): the series' coverage; absent for text series. */
  coverage?: number;
};

/** An indicator computed elsewhere (energy diagnostics' metering coverage) and passed in. */
export type ExternalIndicator = {
  value: number | null;
  counts: Record<string, number>;
  formula?: I18n;
  pullingDown?: PullingDown[];
};

export type IndicatorConfig = {
  /** Device kinds that count as production equipment when no device carries the registry's production flag. */
  equipmentKinds: RegistryDevice['kind'][];
  /** A series is fresh when its newest point is younger than max(freshnessFactor × period, freshnessMinS). */
  freshnessFactor: number;
  freshnessMinS: number;
  /** Devices/series below this share are listed as pulling an indicator down. */
  pullDownBelow: number;
  /** Longest pulling-down list kept per indicator. */
  maxPullingDown: number;
};

export const defaultIndicatorConfig: IndicatorConfig = {
  equipmentKinds: ['machine', 'meter'],
  freshnessFactor: 3,
  freshnessMinS: 60,
  pullDownBelow: 0.95,
  maxPullingDown: 20,
};

export type IndicatorInputs = {
  snapshot: RegistrySnapshot;
  fromMs: number;
  toMs: number;
  nowMs: number;
  series: SeriesActivity[];
  oee?: FactoryOeeResult;
  energyMeteringCoverage?: ExternalIndicator;
  config?: Partial<IndicatorConfig>;
};

/** Where an indicator is measured: the subtree at assetPath, optionally only some devices (a machine as station). */
export type IndicatorScope = { assetPath: string; deviceIds?: string[] };

export type PullingDown = {
  kind: 'device' | 'series' | 'asset';
  ref: string;
  assetPath?: string;
  value: number | null;
  reason: I18n;
};

export type Indicator = {
  id: string;
  name: I18n;
  /** Share 0..1 (all indicators here are ratios); null when nothing could be measured. */
  value: number | null;
  fromMs: number;
  toMs: number;
  scope: IndicatorScope;
  formula: I18n;
  formulaVersion: string;
  counts: Record<string, number>;
  pullingDown: PullingDown[];
  /** Sub-results, e.g. per business link or per line. */
  breakdown?: { key: string; label: I18n; value: number | null; counts: Record<string, number> }[];
  notes: I18n[];
};

export type IndicatorModule = {
  id: string;
  name: I18n;
  formula: I18n;
  formulaVersion: string;
  compute(ctx: IndicatorContext, scope: IndicatorScope): IndicatorBody;
};

/** What a module computes; the registry adds identity, formula and period. */
export type IndicatorBody = Omit<
  Indicator,
  'id' | 'name' | 'formula' | 'formulaVersion' | 'fromMs' | 'toMs' | 'scope'
>;

/** Inputs resolved once (config defaults, equipment set, per-device activity) and shared by all modules. */
export type IndicatorContext = {
  inputs: IndicatorInputs;
  config: IndicatorConfig;
  /** Production equipment and how it was chosen. */
  equipment: RegistryDevice[];
  equipmentRule: 'productionFlag' | 'deviceKinds';
  seriesByDevice: Map<string, SeriesActivity[]>;
  /** Per-context memo: work that does not depend on the scope is done once for all scopes (tiers ask many). */
  cache: Map<string, unknown>;
};
