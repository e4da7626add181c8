import { readFileSync } from 'node:fs';
import path from 'node:path';
import { formatZodIssues, ValidationError } from '@xiang/protocol';
import { parseDocument } from 'yaml';
import { compilePath } from '../sources/mqtt/json-path.js';
import { compileTopicPattern, templateTags } from '../sources/mqtt/topic-pattern.js';
import { buildMetric, mergeDeviceMeta, metricName, pickDeviceMeta } from './model.js';
import { type AgentConfig, agentConfigSchema, type DeviceMeta } from './schema.js';

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
  const issues = crossCheck(cfg);
  if (issues.length > 0) throw new ValidationError(what, issues);
  return resolvePaths(cfg, baseDir);
}

function crossCheck(cfg: AgentConfig): string[] {
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
    if (src.type === 'opcua') {
      src.nodes.forEach((n, ni) => {
        const nat = `${at}.nodes[${ni}]`;
        const m = buildMetric(n.deviceId, n, src.name);
        if (typeof m === 'string') issues.push(`${nat}.unit: ${m}`);
        const name = metricName(n.deviceId, n.key);
        const prev = metricAt.get(name);
        if (prev) issues.push(`${nat}.key: metric "${name}" is already defined at ${prev}`);
        else metricAt.set(name, nat);
        const meta = devices.get(n.deviceId) ?? {};
        const conflict = mergeDeviceMeta(meta, pickDeviceMeta(n));
        if (conflict) {
          issues.push(
            `${nat}.${conflict}: conflicts with the ${conflict} already declared for device "${n.deviceId}"`,
          );
        }
        devices.set(n.deviceId, meta);
        if (n.deadband?.type === 'percent' && n.deadband.value > 100) {
          issues.push(`${nat}.deadband.value: expected a percentage 0..100`);
        }
      });
    } else {
      src.subscriptions.forEach((sub, bi) => {
        const sat = `${at}.subscriptions[${bi}]`;
        const pattern = compileTopicPattern(sub.topic);
        if (typeof pattern === 'string') issues.push(`${sat}.topic: ${pattern}`);
        else {
          for (const t of templateTags(sub.deviceId)) {
            if (!pattern.tags.includes(t)) {
              issues.push(
                `${sat}.deviceId: "{${t}}" is not a tag of topic "${sub.topic}" (tags: ${pattern.tags.join(', ') || 'none'})`,
              );
            }
          }
        }
        if (sub.timestamp) {
          const p = compilePath(sub.timestamp.path);
          if (typeof p === 'string') issues.push(`${sat}.timestamp.path: ${p}`);
        }
        const keys = new Set<string>();
        sub.values.forEach((v, vi) => {
          const vat = `${sat}.values[${vi}]`;
          const p = compilePath(v.path);
          if (typeof p === 'string') issues.push(`${vat}.path: ${p}`);
          for (const k of ['unitPath', 'qualityPath'] as const) {
            const extra = v[k];
            const c = extra === undefined ? null : compilePath(extra);
            if (typeof c === 'string') issues.push(`${vat}.${k}: ${c}`);
          }
          const m = buildMetric('x', v, src.name);
          if (typeof m === 'string') issues.push(`${vat}.unit: ${m}`);
          if (keys.has(v.key)) issues.push(`${vat}.key: key "${v.key}" appears twice in this subscription`);
          keys.add(v.key);
        });
      });
    }
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
  for (const s of out.sources) {
    if (s.type === 'opcua') {
      s.pki.dir = s.pki.dir ? abs(s.pki.dir) : path.join(out.dataDir, 'pki', s.name);
      if (s.user.type === 'certificate') {
        s.user.certFile = abs(s.user.certFile);
        s.user.keyFile = abs(s.user.keyFile);
      }
    } else if (s.broker.tls) {
      const t = s.broker.tls;
      if (t.caFile) t.caFile = abs(t.caFile);
      if (t.certFile) t.certFile = abs(t.certFile);
      if (t.keyFile) t.keyFile = abs(t.keyFile);
    }
  }
  return out;
}

/** Parses YAML text; YAML syntax errors are reported with line and column. */
export function parseConfigText(text: string, baseDir: string, what = 'config'): AgentConfig {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ValidationError(
      what,
      doc.errors.map((e) => `(yaml) line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`),
    );
  }
  return validateConfig(doc.toJS(), baseDir, what);
}

export function loadConfigFile(file: string): AgentConfig {
  const text = readFileSync(file, 'utf8');
  return parseConfigText(text, path.dirname(path.resolve(file)), file);
}
