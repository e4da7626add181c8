// Types for the browser module chart.js (so TypeScript tests can import it).
export type Box = { width: number; height: number; left: number; right: number; top: number; bottom: number };
export declare const BOX: Box;
export declare const TIME_STEPS_MS: number[];
export declare function esc(s: unknown): string;
export declare function niceStep(raw: number): number;
export declare function niceScale(
  min: number,
  max: number,
  count?: number,
): { lo: number; hi: number; step: number; ticks: number[] };
export declare function timeTicks(
  fromMs: number,
  toMs: number,
  maxTicks?: number,
  offsetMin?: number,
): { step: number; ticks: number[] };
export declare function scales(
  fromMs: number,
  toMs: number,
  lo: number,
  hi: number,
  box?: Box,
): { x: (t: number) => number; y: (v: number) => number };
export declare function linePath(
  points: { t: number; v: number | null }[],
  x: (t: number) => number,
  y: (v: number) => number,
): { d: string; isolated: [number, number][] };
type ChartOptions = {
  fromMs: number;
  toMs: number;
  idPrefix: string;
  title?: string;
  desc?: string;
  unitLabel?: string;
  lang?: string;
  gapLabel?: string;
  box?: Box;
};
export declare function lineChartSvg(o: ChartOptions & { points: { t: number; v: number | null }[] }): string;
export declare function barChartSvg(
  o: ChartOptions & { bars: { startMs: number; endMs: number; v: number | null }[] },
): string;
