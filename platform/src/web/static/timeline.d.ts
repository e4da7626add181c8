// Types for the browser module timeline.js (so TypeScript tests can import it).
export type Segment = { startMs: number; endMs: number; online: boolean };
export declare function onlineSegments(
  transitions: { atMs: number; online: boolean }[],
  o: { fromMs: number; toMs: number; firstSeenMs?: number | null; onlineNow: boolean },
): Segment[];
export declare function onlineShare(segments: Segment[]): number;
export declare function timelineSvg(
  segments: Segment[],
  o: {
    fromMs: number;
    toMs: number;
    title: string;
    onlineLabel: string;
    offlineLabel: string;
    width?: number;
    height?: number;
  },
): string;
