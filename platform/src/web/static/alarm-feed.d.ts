// Types for the browser module alarm-feed.js (so TypeScript tests can import it).
export type Alarm = {
  id: number;
  kind: string;
  key: string;
  severity: string;
  startMs: number;
  endMs: number | null;
  ackAtMs: number | null;
  ackBy: string | null;
  params: Record<string, unknown>;
  summary: string;
};
// biome-ignore lint/suspicious/noExplicitAny: the engine status as the API sends it
export type FeedState = { active: Alarm[]; status: any; connected: boolean; lastEvent: string | null };
export declare function parseSse(buf: string): { events: { event: string; data: string }[]; rest: string };
export declare function sortAlarms<T extends { severity: string; startMs: number }>(list: T[]): T[];
export declare class AlarmFeed {
  constructor(factoryId: string);
  readonly factoryId: string;
  state: FeedState;
  subscribe(fn: (s: FeedState) => void): () => boolean;
  close(): void;
}
