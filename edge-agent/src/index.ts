/** Programmatic API of the edge agent (used by tests, the CLI and the root `npm start`). */
export { type Agent, type AgentOptions, startAgent } from './agent.js';
export { loadConfigFile, parseConfigText, validateConfig } from './config/load.js';
export { type AgentConfig, type AgentConfigInput, agentConfigSchema } from './config/schema.js';
export { acceptedUnits, conversionFor } from './config/units.js';
