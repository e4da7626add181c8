import { readFileSync } from 'node:fs';
import path from 'node:path';
import { formatZodIssues, ValidationError } from '@xiang/protocol';
import { parseDocument } from 'yaml';
import type { ConfigChecker } from '../sources/plugin.js';
import { pluginOf } from '../sources/registry.js';
import { buildMetric, mergeDeviceMeta, metricName, pickDeviceMeta } from './model.js';
import { type AgentConfig, agentConfigSchema, type DeviceMeta } from './schema.js';
import { resolveSecrets, type SecretSources, systemSecretSources } from './secrets.js';

/**
 * Validates a parsed config object: first the zod schema (shape, enums, id syntax), then the rules that need
 * the whole file (units vs quantities, duplicate metrics, device metadata conflicts, topic tags, JSON paths).
 * Throws ValidationError whose lines read `sources[1].nodes[3].unit: unit "kWh" does not fit …`.
 * Relative file paths are resolved against `baseDir` (the config file's folder).
 */
export function validateConfig(raw: unknown, baseDir = process.cwd(), what = 'config'): AgentConfig {
  const parsed = agentConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(what, formatZodIssues(parsed.error));
  const cfg = parsed.data;
  const issues = crossCheck(cfg, baseDir);
  if (issues.length > 0) throw new ValidationError(what, issues);
  return resolvePaths(cfg, baseDir);
}

function crossCheck(cfg: AgentConfig, baseDir: string): string[] {
  const issues: string[] = [];
  const devices = new Map<string, DeviceMeta>();
  cfg.devices.forEach((d, i) => {
    if (devices.has(d.id)) issues.push(`devices[${i}].id: device "${d.id}" is declared twice`);
    devices.set(d.id, pickDeviceMeta(d));
  });
  const metricAt = new Map<string, string>();
  const sourceNames = new Set<string>();
  cfg.sources.forEach((src, si) => {
    const at = `sources[${si}]`;
    if (sourceNames.has(src.name)) issues.push(`${at}.name: source name "${src.name}" is used twice`);
    sourceNames.add(src.name);
    const checker: ConfigChecker = {
      at,
      abs: (p) => path.resolve(baseDir, p),
      issue: (p, message) => issues.push(`${p}: ${message}`),
      metric: (p, deviceId, spec) => {
        const m = buildMetric(deviceId ?? 'x', spec, src.name);
        if (typeof m === 'string') issues.push(`${p}.unit: ${m}`);
        if (deviceId === null) return;
        const name = metricName(deviceId, spec.key);
        const prev = metricAt.get(name);
        if (prev) issues.push(`${p}.key: metric "${name}" is already defined at ${prev}`);
        else metricAt.set(name, p);
      },
      device: (p, deviceId, add) => {
        const meta = devices.get(deviceId) ?? {};
        const conflict = mergeDeviceMeta(meta, pickDeviceMeta(add));
        if (conflict) {
          issues.push(
            `${p}.${conflict}: conflicts with the ${conflict} already declared for device "${deviceId}"`,
          );
        }
        devices.set(deviceId, meta);
      },
    };
    pluginOf(src.type).validate(src, checker);
  });
  return issues;
}

function resolvePaths(cfg: AgentConfig, baseDir: string): AgentConfig {
  const abs = (p: string) => path.resolve(baseDir, p);
  const out: AgentConfig = structuredClone(cfg);
  out.dataDir = abs(cfg.dataDir);
  const tls = out.uplink.tls;
  if (tls) {
    if (tls.caFile) tls.caFile = abs(tls.caFile);
    if (tls.certFile) tls.certFile = abs(tls.certFile);
    if (tls.keyFile) tls.keyFile = abs(tls.keyFile);
  }
  for (const s of out.sources) pluginOf(s.type).resolvePaths?.(s, { abs, dataDir: out.dataDir });
  return out;
}

/**
 * Parses YAML text; YAML syntax errors are reported with line and column. Secret fields written as `${ENV}`
 * or `file:<path>` are resolved from `secrets` (default: the process environment and the file system).
 */
export function parseConfigText(
  text: string,
  baseDir: string,
  what = 'config',
  secrets: SecretSources = systemSecretSources(baseDir),
): AgentConfig {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ValidationError(
      what,
      doc.errors.map((e) => `(yaml) line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`),
    );
  }
  const { value, issues } = resolveSecrets(doc.toJS(), secrets);
  if (issues.length > 0) throw new ValidationError(what, issues);
  return validateConfig(value, baseDir, what);
}

/** Reads and validates a config file; `secrets` overrides where `${ENV}` and `file:` secrets come from. */
export function loadConfigFile(file: string, secrets?: Partial<Omit<SecretSources, 'baseDir'>>): AgentConfig {
  const text = readFileSync(file, 'utf8');
  const baseDir = path.dirname(path.resolve(file));
  return parseConfigText(text, baseDir, file, { ...systemSecretSources(baseDir), ...secrets });
}
