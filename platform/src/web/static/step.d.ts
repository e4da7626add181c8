// Types for the browser module step.js (so TypeScript tests can import it).
export type RawPoint = { tsMs: number; value: number | null; status: number };
export type StepPoint = [number, number | null];
export declare function stepSeries(
  start: RawPoint | null,
  points: RawPoint[],
  fromMs: number,
  toMs: number,
  maxStaleMs: number,
): StepPoint[];
export declare function integrate(s: StepPoint[], a: number, b: number): { area: number; covered: number };
export declare function timeWeightedMean(s: StepPoint[], a: number, b: number): number | null;
export declare function slidingMean(
  s: StepPoint[],
  fromMs: number,
  toMs: number,
  windowMs: number,
  stepMs: number,
): StepPoint[];
export declare function knownShare(s: StepPoint[], a: number, b: number): number;
export declare function gapCount(s: StepPoint[], a: number, b: number): number;
