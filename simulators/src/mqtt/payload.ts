import { z } from 'zod';

/**
 * JSON payload of an MQTT-only device (utility meters, environment sensors), one message per reading:
 *   topic   plant/<factoryId>/<category>/<deviceId>      category = utility | env | meter | machine
 *   payload { "ts": 1741017600000, "deviceId": "M-WATER", "values": { "mass": 3512.25, "flow": 0.65 },
 *             "units": { "mass": "t", "flow": "t/h" }, "quality": { "flow": 2156658688 } }
 * ts = virtual source time, epoch ms (UTC). `quality` lists only values whose OPC UA status code is not Good.
 */
export const devicePayloadSchema = z.object({
  ts: z.number().int(),
  deviceId: z.string(),
  values: z.record(z.string(), z.union([z.number(), z.string()])),
  units: z.record(z.string(), z.string()),
  quality: z.record(z.string(), z.number().int()).optional(),
});
export type DevicePayload = z.infer<typeof devicePayloadSchema>;

export const DEFAULT_TOPIC_ROOT = 'plant';

export function deviceTopic(root: string, factoryId: string, category: string, deviceId: string): string {
  return `${root}/${factoryId}/${category}/${deviceId}`;
}

export const malformedKinds = [
  'invalidJson',
  'wrongType',
  'missingField',
  'wrongUnit',
  'unknownDevice',
] as const;
export type MalformedKind = (typeof malformedKinds)[number];

/**
 * A bad message derived from a good one. Sent *in addition to* the good reading, so a robust consumer loses
 * nothing by rejecting it: invalid JSON, a value of the wrong type, a missing `ts`, a unit that disagrees with
 * the device's declared unit, or a well-formed reading from a device no configuration knows.
 */
export function malformedFrom(
  kind: MalformedKind,
  good: DevicePayload,
  topic: string,
  n: number,
): { topic: string; payload: string } {
  const firstKey = Object.keys(good.values)[0] ?? 'value';
  switch (kind) {
    case 'invalidJson':
      return { topic, payload: JSON.stringify(good).slice(0, 25) };
    case 'wrongType':
      return {
        topic,
        payload: JSON.stringify({
          ...good,
          values: { ...good.values, [firstKey]: `${good.values[firstKey]}kg` },
        }),
      };
    case 'missingField': {
      const { ts: _ts, ...rest } = good;
      return { topic, payload: JSON.stringify(rest) };
    }
    case 'wrongUnit':
      return { topic, payload: JSON.stringify({ ...good, units: { ...good.units, [firstKey]: 'L' } }) };
    case 'unknownDevice': {
      const id = `UNKNOWN-${n}`;
      const parts = topic.split('/');
      parts[parts.length - 1] = id;
      return { topic: parts.join('/'), payload: JSON.stringify({ ...good, deviceId: id }) };
    }
  }
}
