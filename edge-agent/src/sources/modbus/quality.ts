import type { Failure } from '../fieldbus/scheduler.js';
import { Status } from '../status-codes.js';

/**
 * Modbus exception codes (Modbus Application Protocol Specification V1.1b3, §7 "MODBUS Exception Responses")
 * → OPC UA StatusCodes, the quality every value carries. Transport failures map here too.
 */
export const EXCEPTION_STATUS: Record<number, { status: number; name: string }> = {
  1: { status: Status.BadNotSupported, name: 'ILLEGAL FUNCTION' },
  2: { status: Status.BadNodeIdUnknown, name: 'ILLEGAL DATA ADDRESS' },
  3: { status: Status.BadOutOfRange, name: 'ILLEGAL DATA VALUE' },
  4: { status: Status.BadDeviceFailure, name: 'SERVER DEVICE FAILURE' },
  5: { status: Status.BadWaitingForResponse, name: 'ACKNOWLEDGE' },
  6: { status: Status.BadResourceUnavailable, name: 'SERVER DEVICE BUSY' },
  8: { status: Status.BadDeviceFailure, name: 'MEMORY PARITY ERROR' },
  10: { status: Status.BadNotConnected, name: 'GATEWAY PATH UNAVAILABLE' },
  11: { status: Status.BadNoCommunication, name: 'GATEWAY TARGET DEVICE FAILED TO RESPOND' },
};

export type { Failure } from '../fieldbus/scheduler.js';

/** Classifies an error from the Modbus client (modbus-serial) into a quality and a counter. */
export function classifyError(e: unknown): Failure {
  const err = e as { message?: string; modbusCode?: number; name?: string; errno?: string };
  const msg = err?.message ?? String(e);
  if (typeof err?.modbusCode === 'number') {
    const x = EXCEPTION_STATUS[err.modbusCode];
    return {
      status: x?.status ?? Status.BadDeviceFailure,
      kind: 'exception',
      exception: err.modbusCode,
      detail: `exception ${err.modbusCode} ${x?.name ?? 'UNKNOWN'}`,
    };
  }
  if (err?.name === 'TransactionTimedOutError' || /timed out/i.test(msg) || err?.errno === 'ETIMEDOUT')
    return { status: Status.BadTimeout, kind: 'timeout', detail: 'no response within the timeout' };
  if (/CRC/i.test(msg))
    return { status: Status.BadCommunicationError, kind: 'crcError', detail: 'CRC error' };
  if (/not open|ECONNREFUSED|ECONNRESET|EPIPE|closed|ENOENT|EACCES/i.test(msg))
    return { status: Status.BadNotConnected, kind: 'notConnected', detail: msg.slice(0, 200) };
  return { status: Status.BadCommunicationError, kind: 'frameError', detail: msg.slice(0, 200) };
}
