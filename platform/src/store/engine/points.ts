import type { SeriesKey, StoredPoint } from '../types.js';

/** Latest time a store accepts (2200-01-01): InfluxDB keeps nanosecond int64 times, good until 2262. */
export const MAX_TS_MS = 7_258_118_400_000;
export const MAX_KEY_CHARS = 256;
export const MAX_TEXT_CHARS = 32_768;
export const MAX_STATUS = 0xffff_ffff;

// Control characters would break line protocol and the key separator below; a backslash cannot round-trip
// through InfluxDB tag values (a trailing one escapes the separator), so both stores refuse them alike.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them
const BAD_KEY_CHARS = /[\u0000-\u001f\u007f\\]/;

function keyPartProblem(name: string, v: unknown): string | null {
  if (typeof v !== 'string' || v.length === 0) return `${name} must be a non-empty string`;
  if (v.length > MAX_KEY_CHARS) return `${name} longer than ${MAX_KEY_CHARS} characters`;
  if (BAD_KEY_CHARS.test(v)) return `${name} contains a control character or backslash`;
  return null;
}

export function seriesKeyProblem(k: SeriesKey): string | null {
  return (
    keyPartProblem('factoryId', k.factoryId) ??
    keyPartProblem('deviceId', k.deviceId) ??
    keyPartProblem('metric', k.metric)
  );
}

/** Why the time, value, status or text of a point cannot be stored (its key is checked separately). */
export function pointBodyProblem(p: StoredPoint): string | null {
  if (!Number.isSafeInteger(p.tsMs) || p.tsMs < 0 || p.tsMs >= MAX_TS_MS) {
    return `tsMs ${String(p.tsMs)} is not an integer epoch millisecond between 1970 and 2200`;
  }
  if (p.value !== null && (typeof p.value !== 'number' || !Number.isFinite(p.value))) {
    return `value ${String(p.value)} is neither null nor a finite number`;
  }
  if (!Number.isInteger(p.status) || p.status < 0 || p.status > MAX_STATUS) {
    return `status ${String(p.status)} is not a uint32 OPC UA StatusCode`;
  }
  if (p.text !== undefined && p.text !== null) {
    if (typeof p.text !== 'string') return 'text must be a string or null';
    if (p.text.length > MAX_TEXT_CHARS) return `text longer than ${MAX_TEXT_CHARS} characters`;
  }
  return null;
}

const SEP = '\u001f';
/** Unambiguous map key: control characters never occur in a valid series key. */
export function seriesKeyString(k: SeriesKey): string {
  return k.factoryId + SEP + k.deviceId + SEP + k.metric;
}

// Keys already validated, by factory → device → metric: a write checks each series key once, not once per
// point, and a point of a known series costs three lookups of strings whose hashes V8 keeps — no key string
// concatenated (and hashed) per point, which was a large share of the ingest's garbage.
const validKeys = new Map<string, Map<string, Map<string, string>>>();
let validKeyCount = 0;
const MAX_VALID_KEYS = 200_000;

/** seriesKeyString of an already validated series, or undefined. */
function knownKey(f: string, d: string, m: string): string | undefined {
  return validKeys.get(f)?.get(d)?.get(m);
}

function rememberKey(f: string, d: string, m: string, k: string): void {
  if (validKeyCount >= MAX_VALID_KEYS) {
    validKeys.clear();
    validKeyCount = 0;
  }
  const devices = validKeys.get(f) ?? new Map<string, Map<string, string>>();
  validKeys.set(f, devices);
  const metrics = devices.get(d) ?? new Map<string, string>();
  devices.set(d, metrics);
  metrics.set(m, k);
  validKeyCount++;
}

export type Partitioned = {
  good: StoredPoint[];
  /** seriesKeyString of each good point, same order. */
  keys: string[];
  rejected: number;
  lastProblem: string | null;
};

/** Splits a write into storable points and counted rejections (the rest of the write still goes in). */
export function partitionPoints(points: readonly StoredPoint[]): Partitioned {
  const good: StoredPoint[] = [];
  const keys: string[] = [];
  let rejected = 0;
  let lastProblem: string | null = null;
  for (let i = 0; i < points.length; i++) {
    const p = points[i] as StoredPoint;
    let problem: string | null = null;
    let k = '';
    if (typeof p !== 'object' || p === null) problem = 'point is not an object';
    else if (
      typeof p.factoryId !== 'string' ||
      typeof p.deviceId !== 'string' ||
      typeof p.metric !== 'string'
    ) {
      problem = 'factoryId, deviceId and metric must be strings';
    } else {
      const known = knownKey(p.factoryId, p.deviceId, p.metric);
      if (known !== undefined) k = known;
      else {
        problem = seriesKeyProblem(p);
        k = seriesKeyString(p);
        if (problem === null) rememberKey(p.factoryId, p.deviceId, p.metric, k);
      }
      problem ??= pointBodyProblem(p);
    }
    if (problem === null) {
      good.push(p);
      keys.push(k);
      continue;
    }
    rejected++;
    lastProblem = `point ${i} (${String(p?.factoryId)}/${String(p?.deviceId)}/${String(p?.metric)} @ ${String(p?.tsMs)}): ${problem}`;
  }
  return { good, keys, rejected, lastProblem };
}
