export { type DeadLetter, type DeadLetterQuery, DeadLetterStore } from './dead-letters.js';
export { type DecodedBatch, decodePoints, type MetricRef } from './decode.js';
export { createIngest, type Ingest, type IngestOptions } from './ingest.js';
export type { IngestRoute } from './mqtt-ingest.js';
export { MqttIngest, type MqttIngestOptions } from './mqtt-ingest.js';
export { IngestProcessor, TransientIngestError } from './processor.js';
export {
  type MessageRejectReason,
  messageRejectReasonSchema,
  type PointRejectReason,
  pointRejectReasonSchema,
} from './reasons.js';
export { IngestCounters, type IngestTotals } from './stats.js';
export type { IngestContext } from './steps.js';
