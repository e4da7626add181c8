import { decodeBcd, type Format, formats } from './bcd.js';
import {
  addressText,
  describeError,
  diBytes,
  FOLLOW_UP,
  type Frame,
  READ_ADDRESS,
  READ_DATA,
  READ_FOLLOW_UP,
  readAddressRequest,
  readFollowUpRequest,
  readRequest,
} from './frame.js';
import type { ResolvedPoint } from './points.js';
import { Dlt645Error, type Dlt645Link } from './transport.js';

/** D7 of C: the frame comes from the meter; D6: abnormal answer (DL/T 645-2007 §5.1.3.2). */
const FROM_METER = 0x80;
const ABNORMAL = 0x40;
const FUNCTION = 0x1f;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length >= b.length && b.every((x, i) => a[i] === x);
}

/** Follow-up frames of one answer at most (SEQ is one byte; a meter that never says "last" is cut off). */
const MAX_FOLLOW_UPS = 255;

type Item = { format: Format; signed: boolean };

/**
 * Reads one DI (11H) of one meter and returns its data bytes (after the DI echo): the answer must come from that
 * meter, answer that function and echo the DI; an abnormal answer fails with the meter's error byte. An answer
 * with D5 set (B1H) is continued with read follow-up (12H, SEQ 1, 2, …) until a frame without it (92H); each
 * follow-up must echo the DI and the SEQ asked. The data of all frames are concatenated (DL/T 645-2007 §7.2).
 */
export async function readData(
  link: Dlt645Link,
  address: string,
  di: string,
  timeoutMs: number,
  preamble = 4,
): Promise<Uint8Array> {
  const diWire = diBytes(di);
  const answers = (fn: number) => (x: Frame) =>
    (x.control & FROM_METER) !== 0 &&
    (x.control & FUNCTION) === fn &&
    x.address === address &&
    ((x.control & ABNORMAL) !== 0 || sameBytes(x.data, diWire));
  let f = await link.exchange(readRequest(address, di, preamble), answers(READ_DATA), timeoutMs);
  abnormal(f);
  const parts = [f.data.subarray(4)];
  for (let seq = 1; f.control & FOLLOW_UP; seq++) {
    if (seq > MAX_FOLLOW_UPS)
      throw new Dlt645Error('frame', `DI ${di}: more than ${MAX_FOLLOW_UPS} follow-up frames`);
    const req = readFollowUpRequest(address, di, seq, preamble);
    f = await link.exchange(req, answers(READ_FOLLOW_UP), timeoutMs);
    abnormal(f);
    if (f.data.length < 5 || f.data[f.data.length - 1] !== seq)
      throw new Dlt645Error('frame', `DI ${di}: follow-up frame ${seq} answered with SEQ ${f.data.at(-1)}`);
    parts.push(f.data.subarray(4, f.data.length - 1));
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

function abnormal(f: Frame): void {
  if (!(f.control & ABNORMAL)) return;
  const err = f.data[0] ?? 0;
  throw new Dlt645Error('abnormal', `abnormal answer, ${describeError(err)}`, err);
}

/** Reads one data item (11H, follow-ups included) and decodes its BCD value. */
export async function readItem(
  link: Dlt645Link,
  address: string,
  point: Pick<ResolvedPoint, 'di' | 'format' | 'signed'>,
  timeoutMs: number,
  preamble = 4,
): Promise<number> {
  const data = await readData(link, address, point.di, timeoutMs, preamble);
  const v = decodeBcd(data, point.format, point.signed);
  if (typeof v === 'string') throw new Dlt645Error('frame', `DI ${point.di}: ${v}`);
  return v;
}

/**
 * Reads a data block (数据块: a DI with FFH in DI1 or DI0, e.g. 02 01 FF 00 = the three phase voltages, DL/T
 * 645-2007 Appendix A) in one request: its items follow each other in the data, in the table's order, each in
 * its own format. The data must hold exactly those items (a meter with more or fewer fails, never misaligns).
 */
export async function readBlock(
  link: Dlt645Link,
  address: string,
  di: string,
  items: readonly Item[],
  timeoutMs: number,
  preamble = 4,
): Promise<number[]> {
  const data = await readData(link, address, di, timeoutMs, preamble);
  const expected = items.reduce((n, it) => n + formats[it.format].bytes, 0);
  if (data.length !== expected)
    throw new Dlt645Error('frame', `block DI ${di}: ${data.length} data bytes, expected ${expected}`);
  const out: number[] = [];
  let at = 0;
  for (const it of items) {
    const v = decodeBcd(data.subarray(at), it.format, it.signed);
    if (typeof v === 'string') throw new Dlt645Error('frame', `block DI ${di}, item ${out.length + 1}: ${v}`);
    out.push(v);
    at += formats[it.format].bytes;
  }
  return out;
}

/**
 * Read communication address (13H) to AA AA AA AA AA AA: every meter on the line answers, so this finds the
 * address only when one meter is connected (DL/T 645-2007 §7: 读通信地址, for point-to-point use).
 */
export async function readAddress(link: Dlt645Link, timeoutMs: number, preamble = 4): Promise<string> {
  const f: Frame = await link.exchange(
    readAddressRequest(preamble),
    (x) => (x.control & FROM_METER) !== 0 && (x.control & FUNCTION) === READ_ADDRESS,
    timeoutMs,
  );
  if (f.control & ABNORMAL) throw new Dlt645Error('abnormal', describeError(f.data[0] ?? 0), f.data[0]);
  // The answer carries the address in the address field and again in the data (A0..A5).
  return f.data.length >= 6 ? addressText(f.data.subarray(0, 6)) : f.address;
}

/**
 * Read data with an abbreviated address (low bytes given, high bytes AAH, §5.1.3.1 地址缩位): the meter whose
 * low digits match answers with its full address. Used by `scan` to walk the address space on a shared line.
 */
export async function readWithWildcard(
  link: Dlt645Link,
  pattern: string,
  di: string,
  timeoutMs: number,
  preamble = 4,
): Promise<string> {
  const re = new RegExp(`^${pattern.replace(/AA/gi, '..')}$`);
  const f = await link.exchange(
    readRequest(pattern, di, preamble),
    (x) => (x.control & FROM_METER) !== 0 && (x.control & FUNCTION) === READ_DATA && re.test(x.address),
    timeoutMs,
  );
  return f.address;
}
