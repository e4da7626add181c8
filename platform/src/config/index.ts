export { CONFIG_FILE_ENV, ConfigError, envVars, loadConfig, parseConfig } from './load.js';
export {
  type PlatformConfig,
  type PlatformConfigInput,
  httpConfigSchema,
  ingestConfigSchema,
  mqttConfigSchema,
  platformConfigSchema,
  storeConfigSchema,
} from './schema.js';
