/**
 * Quality travels as the OPC UA StatusCode (uint32). Severity is in the top two bits
 * (OPC 10000-4 §7.39): 00 Good, 01 Uncertain, 10/11 Bad. Sources other than OPC UA map onto these codes.
 */
export const StatusCodes = {
  Good: 0x00000000,
  Uncertain: 0x40000000,
  UncertainLastUsableValue: 0x40900000,
  Bad: 0x80000000,
  BadCommunicationError: 0x80050000,
  BadNodeIdUnknown: 0x80340000,
  BadSensorFailure: 0x808c0000,
  BadOutOfService: 0x808d0000,
  BadNoCommunication: 0x80310000,
  BadWaitingForInitialData: 0x80320000,
  BadDecodingError: 0x80070000,
  BadTypeMismatch: 0x80740000,
} as const;

export type QualityClass = 'good' | 'uncertain' | 'bad';

export function qualityClass(statusCode: number): QualityClass {
  const severity = (statusCode >>> 30) & 0b11;
  if (severity === 0) return 'good';
  if (severity === 1) return 'uncertain';
  return 'bad';
}

export function isGood(statusCode: number): boolean {
  return statusCode >>> 30 === 0;
}
