import type { Failure } from '../fieldbus/scheduler.js';
import { Status } from '../status-codes.js';
import { Dlt645Error } from './transport.js';

/**
 * DL/T 645-2007 error byte of an abnormal answer (§7.1, ERR: D0 other error, D1 no requested data, D2 password
 * wrong / unauthorised, D3 baud rate cannot be changed, D4..D6 too many zones / periods / tariffs) → the OPC UA
 * StatusCode the values carry. For reads only D0..D2 occur in practice.
 */
export function errorStatus(err: number): number {
  if (err & 0x02) return Status.BadNotSupported; // the meter has no such data item
  if (err & 0x04) return Status.BadUserAccessDenied; // unauthorised: not readable without a password
  return Status.BadDeviceFailure;
}

/** An error of one exchange → its quality and its counter (crcError = checksum error here). */
export function classifyError(e: unknown): Failure {
  if (e instanceof Dlt645Error) {
    switch (e.kind) {
      case 'timeout':
        return { status: Status.BadTimeout, kind: 'timeout', detail: e.message };
      case 'checksum':
        return { status: Status.BadCommunicationError, kind: 'crcError', detail: 'checksum error' };
      case 'abnormal':
        return {
          status: errorStatus(e.errorByte ?? 0),
          kind: 'exception',
          exception: e.errorByte ?? 0,
          detail: e.message,
        };
      case 'notConnected':
        return { status: Status.BadNotConnected, kind: 'notConnected', detail: e.message };
      default:
        return { status: Status.BadDecodingError, kind: 'frameError', detail: e.message };
    }
  }
  const msg = e instanceof Error ? e.message : String(e);
  if (/ECONNREFUSED|ECONNRESET|EPIPE|not open|closed|ENOENT|EACCES/i.test(msg))
    return { status: Status.BadNotConnected, kind: 'notConnected', detail: msg.slice(0, 200) };
  return { status: Status.BadCommunicationError, kind: 'frameError', detail: msg.slice(0, 200) };
}
