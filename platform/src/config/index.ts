export { CONFIG_FILE_ENV, ConfigError, envVars, loadConfig, parseConfig } from './load.js';
export {
  httpConfigSchema,
  ingestConfigSchema,
  mqttConfigSchema,
  type PlatformConfig,
  type PlatformConfigInput,
  platformConfigSchema,
  storeConfigSchema,
} from './schema.js';
