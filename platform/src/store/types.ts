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

export type Aggregate = 'mean' | 'min' | 'max' | 'first' | 'last' | 'sum' | 'count';

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
  /** Default true: only Good-quality points enter aggregates. */
  goodOnly?: boolean;
  source?: QuerySource;
};

export type Bucket = { tsMs: number; value: number | null; count: number };
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
  source?: QuerySource;
};

/**
 * Consumption in [startMs, endMs): the counter's increase, with the counter linearly interpolated at the
 * interval edges when no sample sits exactly on them. Null when data is missing for part of the interval.
 */
export type CounterInterval = {
  startMs: number;
  endMs: number;
  increase: number | null;
  /** Share of the interval covered by sample pairs no further apart than maxGapMs (0..1). */
  coverage: number;
  resets: number;
  rollovers: number;
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
  source?: QuerySource;
};

/**
 * Per-interval summaries as columns (index i = interval i, every interval of the range, clipped like the
 * buckets of `query()`), so a year of quarter-hours for hundreds of series allocates arrays, not objects.
 * Value columns are NaN where `count` is 0; `mean` is `sum / count`.
 */
export type SeriesSummaries = {
  series: SeriesKey;
  /** Interval bounds: the same arrays for every series of one answer — read them, do not write. */
  startMs: Float64Array;
  endMs: Float64Array;
  /** Good samples with a value (`query` aggregate 'count'). Counts are whole numbers in Float64Array. */
  count: Float64Array;
  sum: Float64Array;
  min: Float64Array;
  max: Float64Array;
  firstTsMs: Float64Array;
  first: Float64Array;
  lastTsMs: Float64Array;
  last: Float64Array;
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
};

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
  rollups?: { dirtyHours: number; servedFromRollups: number; servedFromRaw: number };
};

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
  latest(factoryId: string, filter?: { deviceIds?: string[]; metrics?: string[] }): Promise<LatestValue[]>;
  coverage(q: CoverageQuery): Promise<SeriesCoverage[]>;
  /** Aggregates, sample counts and counter increase per interval in one pass per series (see SummaryQuery). */
  summaries(q: SummaryQuery): Promise<SeriesSummaries[]>;
  listSeries(factoryId: string): Promise<SeriesKey[]>;
  /** Number of stored points for the series in [fromMs, toMs) — what exactly-once tests count. */
  countPoints(series: SeriesKey, fromMs: number, toMs: number): Promise<number>;
  /** Writes out buffered points and brings rollups up to date. */
  flush(): Promise<void>;
  health(): StoreHealth;
  close(): Promise<void>;
}
