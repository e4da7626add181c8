import { readFileSync } from 'node:fs';
import { formatZodIssues, ValidationError } from '@xiang/protocol';
import YAML from 'yaml';
import { type PlatformConfig, platformConfigSchema } from './schema.js';

/**
 * Environment variables → config paths. Env wins over the file, so a container can override one value.
 * Kept as a table so that docs, docker-compose and the compose test read the same list.
 */
export const envVars = {
  XIANG_DURABILITY: { path: ['durability'], type: 'string' },
  XIANG_HTTP_HOST: { path: ['http', 'host'], type: 'string' },
  XIANG_HTTP_PORT: { path: ['http', 'port'], type: 'number' },
  XIANG_HTTP_TLS_CERT_FILE: { path: ['http', 'tls', 'certFile'], type: 'string' },
  XIANG_HTTP_TLS_KEY_FILE: { path: ['http', 'tls', 'keyFile'], type: 'string' },
  XIANG_HTTP_TLS_KEY_PASSPHRASE: { path: ['http', 'tls', 'keyPassphrase'], type: 'string' },
  XIANG_HTTP_ALLOW_INSECURE: { path: ['http', 'allowInsecure'], type: 'boolean' },
  XIANG_MQTT_URL: { path: ['mqtt', 'url'], type: 'string' },
  XIANG_MQTT_CA_FILE: { path: ['mqtt', 'caFile'], type: 'string' },
  XIANG_MQTT_USERNAME: { path: ['mqtt', 'username'], type: 'string' },
  XIANG_MQTT_PASSWORD: { path: ['mqtt', 'password'], type: 'string' },
  XIANG_MQTT_SHARED_GROUP: { path: ['mqtt', 'sharedGroup'], type: 'string' },
  XIANG_MQTT_CLIENT_ID: { path: ['mqtt', 'clientId'], type: 'string' },
  XIANG_MQTT_PROTOCOL_VERSION: { path: ['mqtt', 'protocolVersion'], type: 'number' },
  XIANG_INFLUX_URL: { path: ['store', 'influxUrl'], type: 'string' },
  XIANG_INFLUX_DATABASE: { path: ['store', 'database'], type: 'string' },
  XIANG_INFLUX_USERNAME: { path: ['store', 'influx', 'username'], type: 'string' },
  XIANG_INFLUX_PASSWORD: { path: ['store', 'influx', 'password'], type: 'string' },
  XIANG_INFLUX_PASSWORD_FILE: { path: ['store', 'influx', 'passwordFile'], type: 'string' },
  XIANG_DATA_DIR: { path: ['dataDir'], type: 'string' },
  XIANG_REPOSITORY: { path: ['repository', 'kind'], type: 'string' },
  XIANG_POSTGRES_URL: { path: ['repository', 'url'], type: 'string' },
  XIANG_ADMIN_TOKEN: { path: ['adminToken'], type: 'string' },
  XIANG_LOG_LEVEL: { path: ['logLevel'], type: 'string' },
  XIANG_INGEST_AUTO_REGISTER_FACTORIES: { path: ['ingest', 'autoRegisterFactories'], type: 'boolean' },
  XIANG_INGEST_AUTO_REGISTER_AGENTS: { path: ['ingest', 'autoRegisterAgents'], type: 'boolean' },
  XIANG_SPARKPLUG_ENABLED: { path: ['sparkplug', 'enabled'], type: 'boolean' },
  XIANG_SPARKPLUG_MAPPING_FILE: { path: ['sparkplug', 'mappingFile'], type: 'string' },
  XIANG_SPARKPLUG_HOST_ID: { path: ['sparkplug', 'hostId'], type: 'string' },
} as const satisfies Record<string, { path: string[]; type: 'string' | 'number' | 'boolean' }>;

/** The env var that names the config file. */
export const CONFIG_FILE_ENV = 'XIANG_CONFIG';

export class ConfigError extends ValidationError {}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const seg of path.slice(0, -1)) {
    const next = node[seg];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[seg] = {};
    node = node[seg] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function envOverlay(env: NodeJS.ProcessEnv, into: Record<string, unknown>, issues: string[]): void {
  for (const [name, spec] of Object.entries(envVars)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    if (spec.type === 'number') {
      const n = Number(raw);
      if (!Number.isFinite(n)) {
        issues.push(`${spec.path.join('.')} (env ${name}): expected a number, got "${raw}"`);
        continue;
      }
      setPath(into, spec.path, n);
    } else if (spec.type === 'boolean') {
      if (raw !== 'true' && raw !== 'false') {
        issues.push(`${spec.path.join('.')} (env ${name}): expected true or false, got "${raw}"`);
        continue;
      }
      setPath(into, spec.path, raw === 'true');
    } else {
      setPath(into, spec.path, raw);
    }
  }
}

function readYaml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`config file ${file}`, [`(file): cannot be read: ${(e as Error).message}`]);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    throw new ConfigError(`config file ${file}`, [`(file): not valid YAML: ${(e as Error).message}`]);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError(`config file ${file}`, ['(root): expected a mapping of settings']);
  }
  return doc as Record<string, unknown>;
}

/**
 * Builds the config from (in rising priority) schema defaults, the YAML file, XIANG_* env vars and explicit
 * overrides; throws a ConfigError whose lines name each bad path (`mqtt.url: expected a URL …`).
 */
export function loadConfig(
  opts: { file?: string; env?: NodeJS.ProcessEnv; overrides?: Record<string, unknown> } = {},
): PlatformConfig {
  const env = opts.env ?? process.env;
  const file = opts.file ?? env[CONFIG_FILE_ENV];
  const raw: Record<string, unknown> = file ? readYaml(file) : {};
  const issues: string[] = [];
  envOverlay(env, raw, issues);
  for (const [k, v] of Object.entries(opts.overrides ?? {})) setPath(raw, k.split('.'), v);
  const parsed = platformConfigSchema.safeParse(raw);
  if (!parsed.success) issues.push(...formatZodIssues(parsed.error).map((l) => annotateEnv(l, env)));
  const what = file ? `platform config (${file} + env)` : 'platform config (env)';
  if (issues.length > 0 || !parsed.success) throw new ConfigError(what, issues);
  return parsed.data;
}

/** Adds "(env XIANG_…)" to an issue line when the bad value came from an env var. */
function annotateEnv(line: string, env: NodeJS.ProcessEnv): string {
  for (const [name, spec] of Object.entries(envVars)) {
    const p = spec.path.join('.');
    if (env[name] !== undefined && env[name] !== '' && line.startsWith(`${p}:`)) {
      return `${p} (env ${name})${line.slice(p.length)}`;
    }
  }
  return line;
}

/** Parses an already-assembled object (programmatic use, tests, `npm start`). */
export function parseConfig(input: unknown): PlatformConfig {
  const r = platformConfigSchema.safeParse(input ?? {});
  if (!r.success) throw new ConfigError('platform config', formatZodIssues(r.error));
  return r.data;
}
