import { z } from 'zod';

/** Why a whole message was rejected (it goes to the dead-letter store, raw payload kept). */
export const messageRejectReasonSchema = z.enum([
  'badTopic', // not xiang/v1/<factoryId>/<agentId>/<kind> or an invalid id in it
  'unknownKind', // xiang/v1/f/a/<something else>
  'payloadTooLarge',
  'invalidJson',
  'schemaViolation', // JSON that does not match the message schema
  'batchTooLarge', // more points than the protocol allows in one batch
  'parkOverflow', // parked while waiting for a birth, pushed out by newer parked messages
  'counterConflict', // a historical batch contradicting stored counter values (counter-consistency.ts)
  'internalError', // the platform failed on this message (a bug) — logged at error level
]);
export type MessageRejectReason = z.infer<typeof messageRejectReasonSchema>;

/** Why a single point of an otherwise good batch was rejected (the rest of the batch is stored). */
export const pointRejectReasonSchema = z.enum([
  'badPoint', // not [metricIndex, tsMs, value, statusCode?] with those types
  'timestampOutOfRange', // before 2000, after 2100, or further in the future than the allowed clock skew
  'unknownMetricIndex', // no birth of this agent declares the index
  'wrongValueType', // e.g. a string for a double metric, 3.5 for an int metric
]);
export type PointRejectReason = z.infer<typeof pointRejectReasonSchema>;

export type RejectReason = MessageRejectReason | PointRejectReason;
