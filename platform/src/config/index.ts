export { type SqliteSynchronous, storageSynchronous } from './durability.js';
export { assertHttpExposureAllowed, httpsOptions, isLoopbackHost } from './http-exposure.js';
export { CONFIG_FILE_ENV, ConfigError, envVars, loadConfig, parseConfig } from './load.js';
export {
  type Durability,
  durabilitySchema,
  httpConfigSchema,
  httpTlsSchema,
  ingestConfigSchema,
  mqttConfigSchema,
  type PlatformConfig,
  type PlatformConfigInput,
  platformConfigSchema,
  storeConfigSchema,
} from './schema.js';
