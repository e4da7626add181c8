import type { ParseArgsConfig } from 'node:util';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { MetricSpecInput } from '../config/model.js';
import type { DeviceMeta } from '../config/parts.js';
import type { CheckResult, Source, SourceContext } from './types.js';

/**
 * The contract of a source plugin (Telegraf's `plugins/inputs/<name>/`): a folder `sources/<type>/` whose
 * `index.ts` exports one `SourcePlugin`, listed once in `sources/registry.ts`. The agent's config union,
 * `xiang-edge check`, `xiang-edge scan`, the health figures and the sources table of the README are built
 * from that list; the core never switches on a source type.
 */
export interface SourcePlugin<S extends SourceSchema = SourceSchema> {
  readonly type: z.infer<S>['type'];
  /** One line for docs and `xiang-edge sources`: 中文 / English. */
  readonly summary: string;
  /** zod schema of one `sources[]` entry; its `type` is a literal. */
  readonly schema: S;
  /** Rules that need more than the shape: units vs quantities, metric names, device metadata, addresses. */
  validate(cfg: z.infer<S>, v: ConfigChecker): void;
  /**
   * Settings that work but expose something — a password over an unencrypted connection. One line each,
   * starting with the config path (`sources[0].securityMode: …`); `xiang-edge check --strict` fails on any.
   */
  warnings?(cfg: z.infer<S>, at: string): string[];
  /** Makes the file paths of the config absolute (after validation). */
  resolvePaths?(cfg: z.infer<S>, r: PathResolver): void;
  create(cfg: z.infer<S>, ctx: SourceContext): Source;
  /** Hands the agent's logger to the plugin's libraries (third-party loggers are routed into pino). */
  useLogger?(log: Logger): void;
  /** `xiang-edge check`: connects once, tries every configured point, one row per target. */
  check(cfg: z.infer<S>, opts: CheckOptions): Promise<CheckResult[]>;
  /** `xiang-edge scan <type> …`: lists what answers and writes a config skeleton. */
  readonly scan?: ScanCommand;
  /** Source-specific health figures, read from `SourceStats.counters[key]` (absent key = not available). */
  readonly health?: readonly HealthFigure[];
}

/** A zod object schema for one source entry: at least `type` (a literal) and `name`. */
// biome-ignore lint/suspicious/noExplicitAny: the input side of a schema with defaults is any shape
export type SourceSchema = z.ZodType<{ type: string; name: string }, any> & z.core.$ZodTypeDiscriminable;

export type ConfigChecker = {
  /** Where this source sits in the file, e.g. `sources[2]`. */
  readonly at: string;
  /** A path of the config made absolute (relative paths are relative to the config file's folder). */
  abs(p: string): string;
  issue(path: string, message: string): void;
  /**
   * Declares a metric: checks its unit against the quantity and that `<deviceId>.<key>` is defined once in the
   * whole file. `deviceId` null (a template resolved at run time) checks the unit only.
   */
  metric(path: string, deviceId: string | null, spec: MetricSpecInput): void;
  /** Adds device metadata given on a point; a conflict with what is declared elsewhere is an issue. */
  device(path: string, deviceId: string, meta: DeviceMeta): void;
};

export type PathResolver = {
  abs(p: string): string;
  /** The agent's data dir, already absolute. */
  dataDir: string;
};

export type CheckOptions = {
  /** Stable identity for one-off client ids. */
  identity: { factoryId: string; agentId: string };
  progress?: (msg: string) => void;
};

export type ScanCommand = {
  /** Usage lines after `xiang-edge scan <type>`. */
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  /**
   * Finds what answers and returns one `sources[]` entry (plus device metadata found on the way); the core
   * wraps it into a whole config skeleton, validates it (the skeleton must run unchanged) and writes YAML.
   */
  run(
    values: Record<string, string | boolean | (string | boolean)[] | undefined>,
    positionals: string[],
    progress: (msg: string) => void,
  ): Promise<ScanResult>;
};

export type ScanResult = {
  source: Record<string, unknown>;
  devices?: Array<Record<string, unknown>>;
  /** Comment lines for the skeleton's header: what was guessed, what was skipped and why. */
  notes: string[];
};

export type HealthFigure = {
  key: string;
  /** Prometheus metric name (`xiang_edge_…`), labelled with `source`. */
  metric: string;
  type: 'counter' | 'gauge';
  help: string;
};
