import { z } from 'zod';

/** Why a whole message was rejected (it goes to the dead-letter store, raw payload kept). */
export const messageRejectReasonSchema = z.enum([
  'badTopic', // not xiang/v1/<factoryId>/<agentId>/<kind> or an invalid id in it
  'unknownKind', // xiang/v1/f/a/<something else>
  'payloadTooLarge',
  'invalidJson',
  'schemaViolation', // JSON that does not match the message schema
  'batchTooLarge', // more points than the protocol allows in one batch
  'parkOverflow', // data waiting for its birth that does not fit the parking bounds
  'unknownFactory', // no admin created the factory and ingest.autoRegisterFactories is off
  'unknownAgent', // no admin registered the agent (and it never had a birth accepted) and ingest.autoRegisterAgents is off
  'unknownSession', // a status message of a session whose birth was not seen (the agent re-sends one after its birth)
  'birthTooLarge', // a birth over ingest.limits.maxBirthBytes (refused before parsing)
  'tooManyMetrics', // a birth over ingest.limits.maxMetricsPerBirth
  'metricKeyTooLong', // a metric key over ingest.limits.maxMetricKeyLength
  'tooManyDevices', // the agent or the factory would own more devices than allowed
  'tooManyAgents', // the factory would have more agents than allowed
  'seriesRateExceeded', // the birth adds more new series than the per-minute budget of the agent or factory
  'supersededSession', // a message of a session a newer birth of the agent superseded, above the seq it was frozen at
  'counterConflict', // a historical batch contradicting stored counter values (counter-consistency.ts)
  'internalError', // the platform failed on this message (a bug) — logged at error level
  // Sparkplug B (platform/src/sparkplug/README.md):
  'sparkplugUnknownGroup', // a spBv1.0 group the mapping file does not map to a factory
  'sparkplugUndecodable', // not a Sparkplug B protobuf payload
  'sparkplugNoBirth', // data, DBIRTH or DDEATH of an edge node or device whose birth the platform has not seen
  'sparkplugNoBdSeq', // an NBIRTH or NDEATH without its bdSeq metric
]);
export type MessageRejectReason = z.infer<typeof messageRejectReasonSchema>;

/** Why a single point of an otherwise good batch was rejected (the rest of the batch is stored). */
export const pointRejectReasonSchema = z.enum([
  'badPoint', // not [metricIndex, tsMs, value, statusCode?] with those types
  'timestampOutOfRange', // before 2000, after 2100, or further in the future than the allowed clock skew
  'nonFiniteValue', // ±Infinity or NaN (JSON 1e400 parses to Infinity): no store can hold it
  'unknownMetricIndex', // no birth of this agent declares the index
  'wrongValueType', // e.g. a string for a double metric, 3.5 for an int metric
  'deviceNotOwned', // the metric's device belongs to another agent
  'sparkplugUnsupportedDatatype', // a Sparkplug metric of a type not stored (Text, UUID, DataSet, Bytes, File, Template…)
  'sparkplugUnknownMetric', // a Sparkplug metric (name or alias) the birth did not declare
  'sparkplugValueOutOfRange', // a Sparkplug integer outside its type, or a 64-bit one beyond ±2^53
]);
export type PointRejectReason = z.infer<typeof pointRejectReasonSchema>;

/**
 * Why one entry of an otherwise applied birth or status was refused (the rest is applied): a device that
 * belongs to another agent of the factory.
 */
export const entryRefuseReasonSchema = z.enum(['deviceNotOwned']);
export type EntryRefuseReason = z.infer<typeof entryRefuseReasonSchema>;

export type RejectReason = MessageRejectReason | PointRejectReason | EntryRefuseReason;
