// Types for the browser module periods.js (so TypeScript tests can import it; DOM results typed loosely).
export type Extent = { firstMs: number | null; lastMs: number | null };
export declare const DAY_MS: number;
// biome-ignore lint/suspicious/noExplicitAny: the /data-extent answer
export declare function dataExtent(factoryId: string): Promise<any>;
export declare function localDayStart(ms: number): number;
export declare function localDate(ms: number): string;
export declare function dateMs(d: string): number;
export declare function defaultPeriod(
  extent: Extent | null,
  days: number,
  o?: { nowMs?: number; wholeDays?: boolean },
): { fromMs: number; toMs: number; clipped: boolean; wantedFromMs: number; days: number };
export declare function coveredShare(extent: Extent | null, fromMs: number, toMs: number): number;
export declare function extentText(extent: Extent | null): string;
// biome-ignore lint/suspicious/noExplicitAny: a DOM element (the tests run without the DOM library)
export declare function clippedNote(extent: Extent | null, p: { clipped: boolean; days: number }): any;
export declare function coverageWarning(
  extent: Extent | null,
  fromMs: number,
  toMs: number,
  lang: string,
  // biome-ignore lint/suspicious/noExplicitAny: a DOM element or null
): any;
export declare function wholeDaysPeriod(
  extent: Extent | null,
  days: number,
  nowMs: number,
): { from: string; to: string; fromMs: number; toMs: number; clipped: boolean; days: number };
