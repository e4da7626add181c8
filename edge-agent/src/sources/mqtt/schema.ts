import { idSchema } from '@xiang/protocol';
import { z } from 'zod';
import { brokerSchema, deviceMetaSchema, metricMetaSchema } from '../../config/parts.js';

/** The `type: mqtt` source: JSON payloads from device topics on a broker (see ./README.md). */

const timestampSpecSchema = z.object({
  path: z.string().min(1),
  format: z.enum(['epochMs', 'epochS', 'iso', 'auto']).default('auto'),
});

export const mqttValueSchema = metricMetaSchema.extend({
  /** Where the value is in the payload (see README "JSON paths"). */
  path: z.string().min(1),
  /** Optional: where the payload states the value's unit; a unit other than `unit` rejects the value (wrongUnit). */
  unitPath: z.string().min(1).optional(),
  /** Optional: where the payload states an OPC UA status code for the value (omitted there = Good). */
  qualityPath: z.string().min(1).optional(),
});

export const mqttSubscriptionSchema = z.object({
  /** Topic filter; "+name" captures that level as a tag, "#" matches the rest. */
  topic: z.string().min(1),
  qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(1),
  /** Device id, literal or a template of topic tags: "{device}", "{line}-{device}". */
  deviceId: z.string().min(1),
  /** Where the reading time is; omitted = the time the message was received. */
  timestamp: timestampSpecSchema.optional(),
  /** Only these device ids are accepted; others are counted as unknownDevice. */
  devices: z.array(idSchema).optional(),
  /** Metadata for every device this subscription yields. */
  device: deviceMetaSchema.optional(),
  values: z.array(mqttValueSchema).min(1, 'expected at least one value'),
});
export type MqttSubscriptionConfig = z.infer<typeof mqttSubscriptionSchema>;

export const mqttSourceSchema = z.object({
  type: z.literal('mqtt'),
  name: idSchema,
  broker: brokerSchema,
  /**
   * Read the broker's own drop counter ($SYS/broker/publish/messages/dropped on Mosquitto) into the health
   * figures. Brokers without $SYS (or an ACL that denies it) simply leave the figure absent.
   */
  brokerStats: z.boolean().default(true),
  subscriptions: z.array(mqttSubscriptionSchema).min(1, 'expected at least one subscription'),
});
export type MqttSourceConfig = z.infer<typeof mqttSourceSchema>;
