/** @xiang/platform — the platform service: ingest, registry, store, API. */

export { HttpProblem, problem } from './api/problem.js';
export { buildApi } from './api/server.js';
export type { ApiDeps, Readiness, RouteModule, ZodApp } from './api/types.js';
export { type Principal, type Role, TokenStore } from './auth/index.js';
export { commands, main as cliMain } from './cli.js';
export type { CliCommand } from './commands/types.js';
export {
  ConfigError,
  envVars,
  loadConfig,
  type PlatformConfig,
  type PlatformConfigInput,
  parseConfig,
  platformConfigSchema,
} from './config/index.js';
export { createIngest, type Ingest } from './ingest/index.js';
export { PLATFORM_VERSION, type RunningPlatform, type StartOptions, startPlatform } from './main.js';
export * from './registry/index.js';
