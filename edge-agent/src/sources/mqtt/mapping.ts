import { idSchema, quantityUnits } from '@xiang/protocol';
import { normalizeUnit } from '../../config/units.js';
import { type CompiledPath, compilePath, lookup } from './json-path.js';
import type { MqttSubscriptionConfig } from './schema.js';
import { compileTopicPattern, fillTemplate, matchTopic, type TopicPattern } from './topic-pattern.js';

export type RejectReason =
  | 'malformedJson'
  | 'notAnObject'
  | 'missingTimestamp'
  | 'badTimestamp'
  | 'missingField'
  | 'wrongType'
  | 'unknownTopic'
  | 'unknownDevice'
  | 'invalidDeviceId'
  | 'wrongUnit';

export type Rejection = { reason: RejectReason; detail: string };

export type MappedValue = { valueIndex: number; value: number | boolean | string; status: number };

export type Mapped = {
  deviceId: string | null;
  tsMs: number | null;
  values: MappedValue[];
  rejections: Rejection[];
};

export type CompiledSubscription = {
  cfg: MqttSubscriptionConfig;
  pattern: TopicPattern;
  tsPath: CompiledPath | null;
  valuePaths: CompiledPath[];
  unitPaths: Array<CompiledPath | null>;
  qualityPaths: Array<CompiledPath | null>;
};

export function compileSubscription(cfg: MqttSubscriptionConfig): CompiledSubscription {
  const pattern = compileTopicPattern(cfg.topic);
  if (typeof pattern === 'string') throw new Error(pattern);
  const tsPath = cfg.timestamp ? compilePath(cfg.timestamp.path) : null;
  if (typeof tsPath === 'string') throw new Error(tsPath);
  const valuePaths = cfg.values.map((v) => {
    const p = compilePath(v.path);
    if (typeof p === 'string') throw new Error(p);
    return p;
  });
  const optional = (s: string | undefined) => {
    if (s === undefined) return null;
    const p = compilePath(s);
    if (typeof p === 'string') throw new Error(p);
    return p;
  };
  return {
    cfg,
    pattern,
    tsPath,
    valuePaths,
    unitPaths: cfg.values.map((v) => optional(v.unitPath)),
    qualityPaths: cfg.values.map((v) => optional(v.qualityPath)),
  };
}

/** Reads a timestamp in the configured format; epoch numbers in "auto" mode: < 1e11 → seconds, else ms. */
export function parseTimestamp(raw: unknown, format: 'epochMs' | 'epochS' | 'iso' | 'auto'): number | string {
  if (typeof raw === 'number' && Number.isFinite(raw)) {
    if (format === 'iso') return 'expected an ISO 8601 string, got a number';
    if (format === 'epochS' || (format === 'auto' && Math.abs(raw) < 1e11)) return Math.round(raw * 1000);
    return Math.round(raw);
  }
  if (typeof raw === 'string') {
    if (format === 'epochMs' || format === 'epochS')
      return `expected an epoch number, got the string "${raw.slice(0, 40)}"`;
    // Date.parse accepts much more than ISO 8601; require the ISO shape with an explicit offset or Z.
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(raw)) {
      return `expected an ISO 8601 time with offset, got "${raw.slice(0, 40)}"`;
    }
    const t = Date.parse(raw);
    return Number.isNaN(t) ? `unparseable time "${raw.slice(0, 40)}"` : t;
  }
  return `expected a timestamp, got ${raw === null ? 'null' : typeof raw}`;
}

function expectedType(datatype: string | undefined): 'number' | 'boolean' | 'string' {
  if (datatype === 'bool') return 'boolean';
  if (datatype === 'string') return 'string';
  return 'number';
}

/**
 * Maps one message: every value is looked at on its own, so a missing or mistyped field rejects that value
 * only; the good values of the same payload are kept. Whole-message problems (not JSON, no usable time,
 * unknown device) reject everything, each counted once with its reason.
 */
export function mapMessage(
  sub: CompiledSubscription,
  topic: string,
  payload: Buffer,
  receivedMs: number,
  datatypeOf: (valueIndex: number) => string,
): Mapped {
  const out: Mapped = { deviceId: null, tsMs: null, values: [], rejections: [] };
  const tags = matchTopic(sub.pattern, topic);
  if (!tags) {
    out.rejections.push({
      reason: 'unknownTopic',
      detail: `topic "${topic}" does not match "${sub.cfg.topic}"`,
    });
    return out;
  }
  const deviceId = fillTemplate(sub.cfg.deviceId, tags);
  if (!deviceId || !idSchema.safeParse(deviceId).success) {
    out.rejections.push({
      reason: 'invalidDeviceId',
      detail: `device id "${deviceId}" from topic "${topic}" is not a valid id`,
    });
    return out;
  }
  if (sub.cfg.devices && !sub.cfg.devices.includes(deviceId)) {
    out.rejections.push({
      reason: 'unknownDevice',
      detail: `device "${deviceId}" is not in this subscription's devices list`,
    });
    return out;
  }
  out.deviceId = deviceId;
  let doc: unknown;
  try {
    doc = JSON.parse(payload.toString('utf8'));
  } catch (e) {
    out.rejections.push({
      reason: 'malformedJson',
      detail: `${topic}: ${(e as Error).message.slice(0, 120)}`,
    });
    return out;
  }
  if (doc === null || typeof doc !== 'object') {
    out.rejections.push({
      reason: 'notAnObject',
      detail: `${topic}: payload is ${doc === null ? 'null' : typeof doc}, expected an object or array`,
    });
    return out;
  }
  if (sub.tsPath && sub.cfg.timestamp) {
    const found = lookup(doc, sub.tsPath);
    if (!found.found) {
      out.rejections.push({
        reason: 'missingTimestamp',
        detail: `${topic}: ${sub.tsPath.source} not in payload`,
      });
      return out;
    }
    const ts = parseTimestamp(found.value, sub.cfg.timestamp.format);
    if (typeof ts === 'string') {
      out.rejections.push({ reason: 'badTimestamp', detail: `${topic}: ${sub.tsPath.source}: ${ts}` });
      return out;
    }
    out.tsMs = ts;
  } else out.tsMs = receivedMs;
  sub.valuePaths.forEach((p, i) => {
    const found = lookup(doc, p);
    if (!found.found) {
      out.rejections.push({ reason: 'missingField', detail: `${topic}: ${p.source} not in payload` });
      return;
    }
    const want = expectedType(datatypeOf(i));
    const v = found.value;
    if (typeof v !== want || (want === 'number' && !Number.isFinite(v as number))) {
      out.rejections.push({
        reason: 'wrongType',
        detail: `${topic}: ${p.source} is ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}, expected ${want}`,
      });
      return;
    }
    const valueCfg = sub.cfg.values[i]!;
    const unitPath = sub.unitPaths[i];
    if (unitPath) {
      const u = lookup(doc, unitPath);
      const declared = normalizeUnit(valueCfg.unit ?? quantityUnits[valueCfg.quantity]);
      if (u.found && (typeof u.value !== 'string' || normalizeUnit(u.value) !== declared)) {
        out.rejections.push({
          reason: 'wrongUnit',
          detail: `${topic}: ${unitPath.source} says ${JSON.stringify(u.value)}, configured unit is "${declared}"`,
        });
        return;
      }
    }
    let status = 0;
    const qPath = sub.qualityPaths[i];
    if (qPath) {
      const q = lookup(doc, qPath);
      if (q.found) {
        if (
          typeof q.value !== 'number' ||
          !Number.isInteger(q.value) ||
          q.value < 0 ||
          q.value > 0xffffffff
        ) {
          out.rejections.push({
            reason: 'wrongType',
            detail: `${topic}: ${qPath.source} is not a status code`,
          });
          return;
        }
        status = q.value;
      }
    }
    out.values.push({ valueIndex: i, value: v as number | boolean | string, status });
  });
  return out;
}
