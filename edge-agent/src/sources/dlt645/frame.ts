/**
 * DL/T 645-2007 frames (多功能电能表通信协议, §5 帧格式 / frame format):
 *
 *   [FE FE FE FE]  68  A0 A1 A2 A3 A4 A5  68  C  L  DATA(L bytes, each + 33H)  CS  16
 *
 * - 4 × FEH wake-up bytes precede a frame sent by the master (§5.1.2); receivers skip any number of them.
 * - A0..A5: the 12-digit address as BCD, lowest byte first (A0 = the last two digits). AAH in high bytes is
 *   the wildcard of abbreviated addressing for reads; 99 99 99 99 99 99 is broadcast (§5.1.3.1).
 * - C: D7 direction (1 = answer from the meter), D6 abnormal answer, D5 follow-up frame, D4..D0 function:
 *   11H read data, 13H read communication address, 08H broadcast time … (§5.1.3.2, §7).
 * - DATA is sent with 33H added to every byte and removed on receipt (§5.1.3.4).
 * - CS: the sum modulo 256 of every byte from the first 68H to the last data byte (§5.1.3.5).
 * Confidence: high — the frame layout is the standard's and matches every implementation consulted.
 */
export const READ_DATA = 0x11;
/**
 * Read follow-up data (读后续数据, 12H): when an answer does not fit one frame the meter sets D5 of C (B1H, then
 * B2H) and the master asks for the next frame with DI + SEQ (帧序号, 1 byte, 01H for the first follow-up); the
 * meter answers DI + data + SEQ with C = B2H (more follow) or 92H (last), D2H + ERR when abnormal (§7.2).
 * Confidence: high for the control codes (12H/92H/B2H/D2H, B1H); medium for SEQ starting at 01H and being
 * echoed as the last data byte — as implementations and a meter vendor's manual describe it, not re-read in the
 * standard's own text here.
 */
export const READ_FOLLOW_UP = 0x12;
/** D5 of C in an answer: a follow-up frame comes after this one. */
export const FOLLOW_UP = 0x20;
export const READ_ADDRESS = 0x13;
export const WILDCARD_ADDRESS = 'AAAAAAAAAAAA';

export type Frame = { address: string; control: number; data: Uint8Array };

/** "000000000001" (12 decimal digits; pairs may be "AA" wildcards) → A0..A5. */
export function addressBytes(address: string): Uint8Array {
  if (!/^([0-9]{2}|AA){6}$/i.test(address))
    throw new Error(`address "${address}": expected 12 digits (pairs may be AA)`);
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) {
    const pair = address.slice(10 - 2 * i, 12 - 2 * i);
    out[i] = Number.parseInt(pair, 16); // BCD: "12" → 0x12; "AA" → 0xAA
  }
  return out;
}

export function addressText(bytes: Uint8Array): string {
  let s = '';
  for (let i = 5; i >= 0; i--) s += bytes[i]!.toString(16).padStart(2, '0').toUpperCase();
  return s;
}

/** Data identifier "00010000" (DI3 DI2 DI1 DI0, as the standard's tables write it) → DI0..DI3 (wire order). */
export function diBytes(di: string): Uint8Array {
  if (!/^[0-9A-F]{8}$/i.test(di)) throw new Error(`data identifier "${di}": expected 8 hex digits`);
  return Uint8Array.from([3, 2, 1, 0].map((i) => Number.parseInt(di.slice(2 * i, 2 * i + 2), 16)));
}

export function checksum(bytes: Uint8Array): number {
  let s = 0;
  for (const b of bytes) s = (s + b) & 0xff;
  return s;
}

export function encodeFrame(f: Frame, preamble = 4): Buffer {
  const body = Buffer.alloc(10 + f.data.length);
  body[0] = 0x68;
  Buffer.from(addressBytes(f.address)).copy(body, 1);
  body[7] = 0x68;
  body[8] = f.control;
  body[9] = f.data.length;
  f.data.forEach((b, i) => {
    body[10 + i] = (b + 0x33) & 0xff;
  });
  return Buffer.concat([Buffer.alloc(preamble, 0xfe), body, Buffer.from([checksum(body), 0x16])]);
}

/** Read data (11H) of one data identifier from one meter. */
export function readRequest(address: string, di: string, preamble = 4): Buffer {
  return encodeFrame({ address, control: READ_DATA, data: diBytes(di) }, preamble);
}

/** Read follow-up data (12H): DI + SEQ (1 = the first follow-up frame). */
export function readFollowUpRequest(address: string, di: string, seq: number, preamble = 4): Buffer {
  return encodeFrame(
    { address, control: READ_FOLLOW_UP, data: Uint8Array.from([...diBytes(di), seq & 0xff]) },
    preamble,
  );
}

/** Read communication address (13H, wildcard address): only one meter on the line may answer. */
export function readAddressRequest(preamble = 4): Buffer {
  return encodeFrame({ address: WILDCARD_ADDRESS, control: READ_ADDRESS, data: new Uint8Array(0) }, preamble);
}

export type Parsed = { frame: Frame; consumed: number } | { need: true } | { bad: string; consumed: number };

/**
 * Takes the first frame off a received byte stream: wake-up bytes and noise before 68H are skipped; a frame
 * with a wrong checksum or end byte is reported (`bad`) and consumed, so the stream resynchronises.
 */
export function parseFrame(buf: Uint8Array): Parsed {
  let start = buf.indexOf(0x68);
  if (start < 0) return buf.length > 0 ? { bad: 'no frame start', consumed: buf.length } : { need: true };
  if (buf.length - start < 10) return { need: true };
  if (buf[start + 7] !== 0x68) return { bad: 'second 68H missing', consumed: start + 1 };
  const len = buf[start + 9]!;
  const total = 12 + len;
  if (buf.length - start < total) return { need: true };
  const body = buf.subarray(start, start + 10 + len);
  const cs = buf[start + 10 + len]!;
  const end = buf[start + 11 + len]!;
  if (end !== 0x16) return { bad: 'end byte 16H missing', consumed: start + 1 };
  if (checksum(body) !== cs) return { bad: 'checksum error', consumed: start + total };
  const data = Uint8Array.from(body.subarray(10), (b) => (b - 0x33) & 0xff);
  const frame = { address: addressText(body.subarray(1, 7)), control: buf[start + 8]!, data };
  start += total;
  return { frame, consumed: start };
}

/** DL/T 645-2007 error byte of an abnormal answer (§7.1.3, ERR): bits → what they mean. */
export const ERROR_BITS: Array<[number, string]> = [
  [0x01, 'other error'],
  [0x02, 'no requested data'],
  [0x04, 'password wrong / unauthorised'],
  [0x08, 'baud rate cannot be changed'],
  [0x10, 'too many annual time zones'],
  [0x20, 'too many daily time periods'],
  [0x40, 'too many tariffs'],
];

export function describeError(err: number): string {
  const parts = ERROR_BITS.filter(([bit]) => err & bit).map(([, t]) => t);
  return `error byte 0x${err.toString(16).padStart(2, '0')}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}
