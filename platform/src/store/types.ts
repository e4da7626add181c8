import type { ColumnPool } from './engine/column-pool.js';
/**
 * The time-series store contract. Two implementations (store/embedded — SQLite, the default — and
 * store/influx — InfluxDB 1.x) pass one conformance suite (store/conformance.ts). The domain never sees
 * a store: query/ adapters turn these results into typed domain series.
 */

/** A series is one metric of one device in one factory. `metric` is the device-local key, e.g. "voltage.L1". */
export type SeriesKey = { factoryId: string; deviceId: string; metric: string };

export type StoredPoint = SeriesKey & {
  tsMs: number;
  /** Numeric value (booleans as 0/1); null when the source had none (e.g. Bad quality without a value). */
  value: number | null;
  /** Text value for text metrics (e.g. current product). */
  text?: string | null;
  /** OPC UA StatusCode (0 = Good). */
  status: number;
};

/**
 * Sample aggregates (mean, min, max, first, last, sum, count: over the bucket's Good samples with a value)
 * and step-function aggregates for gauges reported on change (they need `maxHoldMs`):
 * - 'twa': time-weighted mean — each Good sample's value held until the next stored sample (any quality
 *   ends a hold) or for maxHoldMs, whichever is first; time without a value in force is unknown and not
 *   averaged in; the bucket carries that time as `coveredMs`;
 * - 'step': the value in force at the bucket start (null when none — stale, after a Bad sample, before the
 *   first sample), with the bucket's `coveredMs` as for 'twa'.
 */
export type Aggregate = 'mean' | 'min' | 'max' | 'first' | 'last' | 'sum' | 'count' | 'twa' | 'step';

/**
 * Where a bucketed query reads from. 'auto' (default) uses the 1-min / 15-min / 1-h rollups when the
 * interval and alignment are multiples of their width; 'raw' always reads raw points. Both give identical results —
 * 'raw' exists to verify exactly that, and for debugging.
 */
export type QuerySource = 'auto' | 'raw';

export type RangeQuery = {
  series: SeriesKey[];
  fromMs: number;
  toMs: number;
  /** Bucket width; omitted = raw points. Buckets are aligned to multiples of intervalMs since the epoch, offset by alignOffsetMs. */
  intervalMs?: number;
  /** Shift bucket alignment, e.g. +8 h so that daily buckets start at local midnight in UTC+8 (−28 800 000). */
  alignOffsetMs?: number;
  aggregate: Aggregate;
  /** Default true: only Good-quality points enter aggregates ('twa' and 'step' accept only true). */
  goodOnly?: boolean;
  /**
   * Staleness limit of 'twa' and 'step' (required for them): a value is in force for at most this long after
   * its sample. query/ chooses it per metric (query/held-values.ts).
   */
  maxHoldMs?: number;
  source?: QuerySource;
};

export type Bucket = {
  tsMs: number;
  value: number | null;
  /** Good samples with a value in the bucket. */
  count: number;
  /** 'twa' and 'step' only: ms of the bucket during which a value was in force (what the mean is over). */
  coveredMs?: number;
};
export type SeriesBuckets = { series: SeriesKey; buckets: Bucket[] };

export type CounterQuery = {
  series: SeriesKey[];
  fromMs: number;
  toMs: number;
  intervalMs: number;
  alignOffsetMs?: number;
  /**
   * Two consecutive samples further apart than this leave the time between them unknown: an interval
   * that needs that stretch reports a gap (increase null), never zero. Default 15 min.
   */
  maxGapMs?: number;
  /** Register rollover value; a drop from near it is a rollover, any other drop is a meter reset. */
  rolloverAt?: number;
  /**
   * How far before fromMs to look for the reading that opens a gap crossing the range start (its catch-up
   * is known only with it). Default 7 days; the look-back is read only when no reading lies within maxGapMs.
   */
  gapLookbackMs?: number;
  source?: QuerySource;
};

/**
 * Consumption in [startMs, endMs): the counter's increase, with the counter linearly interpolated at the
 * interval edges when no sample sits exactly on them. Null when data is missing for part of the interval.
 * A stretch without evidence (no sample pair within maxGapMs) is never interpolated: the counter's rise
 * across it is a catch-up (`gapIncrease`), consumed somewhere in the gap and booked to no interval.
 */
export type CounterInterval = {
  startMs: number;
  endMs: number;
  /** `coveredIncrease` when the interval is fully covered, else null. */
  increase: number | null;
  /** Share of the interval covered by sample pairs no further apart than maxGapMs (0..1). */
  coverage: number;
  resets: number;
  rollovers: number;
  /** Increase carried by the covered part of the interval (also when coverage < 1); 0 when none is covered. */
  coveredIncrease: number;
  /**
   * "Unattributed (gap)" consumption: the rise across sample spacings wider than maxGapMs whose closing
   * reading falls in this interval — consumed somewhere in the gap, not in this interval. 0 when none; null
   * when a reading after a silent range start has no known reading before it (within gapLookbackMs).
   */
  gapIncrease: number | null;
  /** Time of the reading that opened the earliest such gap (may precede the range); null when none. */
  gapFromMs: number | null;
  /**
   * Longest stretch without evidence (not covered by a sample pair within maxGapMs) overlapping this
   * interval, measured over its whole length inside the query range (ms). A freeze of an on-change counter
   * is silent; one still running at the range end is a silent run to toMs.
   */
  silentRunMs: number;
  /**
   * Longest flat run (consecutive Good samples within maxGapMs with equal values: the counter seen not to
   * move) overlapping this interval, its whole length inside the query range (ms).
   */
  flatRunMs: number;
};
export type SeriesCounter = { series: SeriesKey; intervals: CounterInterval[] };

export type LatestValue = SeriesKey & {
  tsMs: number;
  value: number | null;
  text: string | null;
  status: number;
};

export type CoverageQuery = {
  series: SeriesKey[];
  fromMs: number;
  toMs: number;
  intervalMs: number;
  alignOffsetMs?: number;
  /** The sampling period the series promises; expected samples per interval = intervalMs / expectedPeriodMs. */
  expectedPeriodMs: number;
  /** Default true: only Good-quality samples with a value or text count as present; false counts every stored sample. */
  goodOnly?: boolean;
  source?: QuerySource;
};
export type CoverageInterval = { startMs: number; expected: number; present: number; ratio: number };
export type SeriesCoverage = {
  series: SeriesKey;
  intervals: CoverageInterval[];
  expected: number;
  present: number;
  ratio: number;
};

/**
 * One pass over each series answering, per interval, everything the per-purpose queries would: the Good-value
 * aggregates of `query()`, the sample counts of `coverage()` (goodOnly true and false) and the consumption of
 * `counterIncrease()` (same maxGapMs / rolloverAt semantics). Numbers are identical to those calls' answers;
 * the conformance suite checks exactly that.
 */
export type SummaryQuery = {
  series: SeriesKey[];
  fromMs: number;
  toMs: number;
  intervalMs: number;
  alignOffsetMs?: number;
  /** As in CounterQuery (default 15 min). */
  maxGapMs?: number;
  /** As in CounterQuery. */
  rolloverAt?: number;
  /** As in CounterQuery (default 7 days). */
  gapLookbackMs?: number;
  /** When given, the time-weighted columns (twMean, twCoveredMs) are answered with this staleness limit. */
  maxHoldMs?: number;
  source?: QuerySource;
  /** Answer the Good-value aggregates (default); a CounterSummaryQuery leaves them out. */
  aggregates?: true;
};

/**
 * A SummaryQuery without the Good-value aggregates (sum, min, max, first, last, lastTsMs): a counter, coverage or
 * time-weighted read needs counts, times and the counter columns only, and a year of quarter-hours is 280 KB a
 * column per series — six columns fewer for each of hundreds of meters in a diagnosis.
 */
export type CounterSummaryQuery = Omit<SummaryQuery, 'aggregates'> & {
  aggregates: false;
  /**
   * Build the answer's arrays in arrays the caller handed back to this pool (engine/column-pool.ts) — a
   * reader of hundreds of series that is done with most of each answer before it reads the next.
   */
  columns?: ColumnPool;
};

/**
 * Per-interval summaries as columns (index i = interval i, every interval of the range, clipped like the
 * buckets of `query()`), so a year of quarter-hours for hundreds of series allocates arrays, not objects.
 * Value columns are NaN where `count` is 0; `mean` is `sum / count`.
 */
export type SeriesSummaries = SeriesCounterSummaries & {
  sum: Float64Array;
  min: Float64Array;
  max: Float64Array;
  first: Float64Array;
  lastTsMs: Float64Array;
  last: Float64Array;
};

/** A summaries answer without the Good-value aggregates (CounterSummaryQuery); columns as in SeriesSummaries. */
export type SeriesCounterSummaries = {
  series: SeriesKey;
  /** Interval bounds: the same arrays for every series of one answer — read them, do not write. */
  startMs: Float64Array;
  endMs: Float64Array;
  /** Good samples with a value (`query` aggregate 'count'). Counts are whole numbers in Float64Array. */
  count: Float64Array;
  firstTsMs: Float64Array;
  /** Good samples with a value or a text (`coverage` present, goodOnly true). */
  present: Float64Array;
  /** Every stored sample, whatever its quality (`coverage` present, goodOnly false). */
  stored: Float64Array;
  /** `counterIncrease` increase; NaN where it is null (interval not fully covered). */
  increase: Float64Array;
  /** `counterIncrease` coverage: share of the interval covered by sample pairs within maxGapMs. */
  covered: Float64Array;
  resets: Uint32Array;
  rollovers: Uint32Array;
  /** `counterIncrease` coveredIncrease (never NaN). */
  coveredIncrease: Float64Array;
  /** `counterIncrease` gapIncrease (NaN where null). */
  gapIncrease: Float64Array;
  /** `counterIncrease` gapFromMs (NaN where null). */
  gapFromMs: Float64Array;
  /** `counterIncrease` silentRunMs. */
  silentRunMs: Float64Array;
  /** `counterIncrease` flatRunMs. */
  flatRunMs: Float64Array;
  /** With maxHoldMs: the `query()` 'twa' value (NaN where null) and coveredMs. */
  twMean?: Float64Array;
  twCoveredMs?: Float64Array;
};

/**
 * The step function of gauges reported on change, exactly: segments [startMs, endMs) tiling the range, with
 * the value in force (same rule as 'twa') or null where none is — stale, after a Bad sample, before the
 * first. For charts: no interpolation, no isolated dots, gaps visible.
 */
export type StepQuery = {
  series: SeriesKey[];
  fromMs: number;
  toMs: number;
  /** Staleness limit (required): a value is in force for at most this long after its sample. */
  maxHoldMs: number;
  /** Raw samples read per series at most (default 1 000 000); the segments end at the last one read. */
  limit?: number;
};
export type StepSegment = { startMs: number; endMs: number; value: number | null };
export type SeriesSteps = { series: SeriesKey; segments: StepSegment[] };

export type StoreHealth = {
  ok: boolean;
  kind: StoreKind;
  /** Points accepted but not yet in the database (InfluxDB unreachable → memory, then disk). */
  backlogPoints: number;
  lastError?: string;
  pointsWritten: number;
  /** Points refused by write() as invalid (non-finite value or time, bad series key); the rest of the call is stored. */
  rejectedPoints?: number;
  /** Rollup bookkeeping: hour buckets waiting for recomputation, and how bucketed queries were served. */
  rollups?: {
    dirtyHours: number;
    servedFromRollups: number;
    servedFromRaw: number;
    /** Dirty hours this instance rebuilt since it started (several instances: each hour by one of them). */
    hoursBuilt?: number;
  };
};

/** An hour of a series whose rollups must be rebuilt from raw. */
export type RollupMark = { key: SeriesKey; hourMs: number };
/** Marks one holder claimed (token), and how many marks in the claimed range another holder is building. */
export type RollupClaim = { token: string; marks: RollupMark[]; busy: number };

/**
 * Dirty marks shared by platform instances writing one time-series database (scale-out, issue 13): an hour is
 * marked once its raw points have landed, so any instance can rebuild it; a builder claims marks for a while
 * (a lease per mark), so each is built by one instance; one re-marked during its build is built again.
 * Implemented over the shared repository (repository/rollup-marks.ts); absent, marks stay local.
 */
export interface SharedRollupMarks {
  mark(marks: readonly RollupMark[]): void;
  /** Claims up to `limit` marks no running claim holds — all, or only one series' hours in [fromMs, toMs). */
  claim(limit: number, ttlMs: number, only?: { key: SeriesKey; fromMs: number; toMs: number }): RollupClaim;
  /**
   * After a build (built = true): clears the claimed marks not re-marked since the claim and frees the others
   * for another build; after a failed one: frees them all.
   */
  finish(claim: RollupClaim, built: boolean): void;
  /** Marks not yet cleared (claimed or not). */
  pending(): number;
  /**
   * The series of this factory with a mark (claimed or not) on an hour in [fromMs, toMs): one read, so a query
   * claims only where there is something to build or wait for.
   */
  seriesMarked(factoryId: string, fromMs: number, toMs: number): SeriesKey[];
}

export type StoreKind = 'embedded' | 'influx';

export interface TimeSeriesStore {
  readonly kind: StoreKind;
  /** Creates schema / database / retention policies. Safe to call on an existing store. */
  init(): Promise<void>;
  /**
   * Resolves once the points are durable: in the database, or in the on-disk backlog when the database is
   * unreachable. Writing the same (series, tsMs) twice stores it once (the later write wins).
   */
  write(points: StoredPoint[]): Promise<void>;
  query(q: RangeQuery): Promise<SeriesBuckets[]>;
  /** Raw points of one series in [fromMs, toMs), oldest first (bounded by limit, default 1 000 000). */
  raw(series: SeriesKey, fromMs: number, toMs: number, limit?: number): Promise<StoredPoint[]>;
  counterIncrease(q: CounterQuery): Promise<SeriesCounter[]>;
  /** The step function (last value held, up to maxHoldMs) of each series as segments (see StepQuery). */
  step(q: StepQuery): Promise<SeriesSteps[]>;
  latest(factoryId: string, filter?: { deviceIds?: string[]; metrics?: string[] }): Promise<LatestValue[]>;
  coverage(q: CoverageQuery): Promise<SeriesCoverage[]>;
  /** Aggregates, sample counts and counter increase per interval in one pass per series (see SummaryQuery). */
  summaries(q: CounterSummaryQuery): Promise<SeriesCounterSummaries[]>;
  summaries(q: SummaryQuery): Promise<SeriesSummaries[]>;
  listSeries(factoryId: string): Promise<SeriesKey[]>;
  /** Number of stored points for the series in [fromMs, toMs) — what exactly-once tests count. */
  countPoints(series: SeriesKey, fromMs: number, toMs: number): Promise<number>;
  /** Writes out buffered points and brings rollups up to date. */
  flush(): Promise<void>;
  health(): StoreHealth;
  close(): Promise<void>;
}
