// Types for the browser module format.js (so TypeScript tests can import it).
export declare const UTC_OFFSET_MIN: number;
export declare function localParts(ms: number): {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
};
export declare function formatTime(ms: number | null | undefined, opts?: { seconds?: boolean }): string;
export declare function formatTick(ms: number, stepMs: number): string;
export declare function displayUnit(unit: string | null | undefined): string;
export declare function fractionDigits(v: number): number;
export declare function formatNumber(v: unknown, lang?: string, digits?: number): string;
export declare function formatValue(v: number | null, unit: string, lang?: string): string;
export declare function parseDuration(s: string): number | null;
export declare function formatDuration(ms: number, lang?: string): string;
export declare function qualityOf(status: number | null | undefined): 'good' | 'uncertain' | 'bad';
export declare function formatStatus(status: number | null | undefined): string;
export declare function formatPercent(ratio: number, lang?: string): string;
export declare function oneLanguage(text: string | null | undefined, lang?: string): string;
