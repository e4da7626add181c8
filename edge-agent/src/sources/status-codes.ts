/**
 * OPC UA StatusCodes (OPC 10000-4 §7.39; numeric values from OPC 10000-6 Annex A, StatusCode.csv) used by the
 * sources that are not OPC UA (Modbus, DL/T 645) to say why a value is missing. The protocol carries quality
 * as an OPC UA StatusCode (protocol/src/quality.ts); these are the ones the field-bus sources need.
 */
export const Status = {
  Good: 0x00000000,
  BadNotConnected: 0x808a0000,
  BadTimeout: 0x800a0000,
  BadCommunicationError: 0x80050000,
  BadNoCommunication: 0x80310000,
  BadNotSupported: 0x803d0000,
  BadNodeIdUnknown: 0x80340000,
  BadOutOfRange: 0x803c0000,
  BadDeviceFailure: 0x808b0000,
  BadResourceUnavailable: 0x80040000,
  BadWaitingForResponse: 0x80b20000,
  BadDecodingError: 0x80070000,
  BadNoData: 0x809b0000,
  BadNotFound: 0x803e0000,
  BadUserAccessDenied: 0x801f0000,
} as const;

export type StatusName = keyof typeof Status;

const byCode = new Map<number, string>(Object.entries(Status).map(([k, v]) => [v, k]));

/** "BadTimeout (0x800A0000)" for per-point status in /status. */
export function statusText(code: number): string {
  const name = byCode.get(code >>> 0) ?? 'Bad';
  return code === 0 ? 'Good' : `${name} (0x${(code >>> 0).toString(16).toUpperCase().padStart(8, '0')})`;
}
