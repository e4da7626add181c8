import type { FactoryOeeResult, Interval } from '../../oee/index.js';
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
  /** Points present in the period (any quality). */
  present: number;
  /** Good-quality points present in the period (a Bad or NoCommunication sample is not delivered data). */
  good: number;
  /**
   * Where in the period the series had a Good value in force: a report-by-exception sample holds until the
   * next one (the value in force at the period start included); a periodic series answers in each slot of
   * max(3 × sampling period, 1 min) — 15 min over periods longer than 2 days — that holds a Good sample.
   */
  goodInForce: Interval[];
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
  /**
   * Definition per indicator id for indicators with more than one (e.g. equipment-networking-rate:
   * "online-time" or "delivered-data"); a framework's data (a province) can choose. Default: each module's.
   */
  definitions: Record<string, string>;
  /** An indicator whose coverage is below this cannot raise a score without an assessor's confirmation. */
  minCoverage: number;
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
  definitions: {},
  minCoverage: 0.9,
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
  /**
   * The period the factory has data for (first birth … newest sample); default: the whole period. The
   * telemetry-time coverage of an indicator is the share of its period inside this span.
   */
  dataSpan?: Interval;
  /**
   * The period the assessor asked for, when fromMs/toMs were clipped to the data (services/grading): coverage
   * is then the clipped period's share of it.
   */
  requestedPeriod?: { fromMs: number; toMs: number };
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
  /** The definition used, for indicators with more than one (see IndicatorModule.definitions). */
  definition?: { id: string; version: string; default: boolean };
  /**
   * Share of what the indicator should rest on that had data: the period inside the data span, for OEE
   * indicators the machine state known in production time. Null: not a telemetry-time measure.
   */
  coverage: number | null;
  /** coverage below IndicatorConfig.minCoverage: a suggestion from it needs an assessor's confirmation. */
  lowCoverage: boolean;
};

/** One named, versioned way to compute an indicator (its formula is shown with every result). */
export type IndicatorDefinition = { id: string; version: string; name: I18n; formula: I18n };

export type IndicatorModule = {
  id: string;
  name: I18n;
  formula: I18n;
  formulaVersion: string;
  /** Alternative definitions; `default` names the one used unless the config (a framework) chooses. */
  definitions?: { default: string; list: IndicatorDefinition[] };
  compute(ctx: IndicatorContext, scope: IndicatorScope, definition: string | undefined): IndicatorBody;
};

/** What a module computes; the registry adds identity, formula, definition, period and coverage flag. */
export type IndicatorBody = Omit<
  Indicator,
  | 'id'
  | 'name'
  | 'formula'
  | 'formulaVersion'
  | 'fromMs'
  | 'toMs'
  | 'scope'
  | 'definition'
  | 'coverage'
  | 'lowCoverage'
> & { coverage?: number | null };

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
