import { decodeBcd } from './bcd.js';
import {
  addressText,
  describeError,
  diBytes,
  type Frame,
  READ_ADDRESS,
  READ_DATA,
  readAddressRequest,
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

/**
 * Reads one data item (11H) of one meter: the answer must come from that meter (address), answer that function
 * and echo the DI; an abnormal answer (C = D1H) fails with the meter's error byte.
 */
export async function readItem(
  link: Dlt645Link,
  address: string,
  point: Pick<ResolvedPoint, 'di' | 'format' | 'signed'>,
  timeoutMs: number,
  preamble = 4,
): Promise<number> {
  const di = diBytes(point.di);
  const f = await link.exchange(
    readRequest(address, point.di, preamble),
    (x) =>
      (x.control & FROM_METER) !== 0 &&
      (x.control & FUNCTION) === READ_DATA &&
      x.address === address &&
      ((x.control & ABNORMAL) !== 0 || sameBytes(x.data, di)),
    timeoutMs,
  );
  if (f.control & ABNORMAL) {
    const err = f.data[0] ?? 0;
    throw new Dlt645Error('abnormal', `abnormal answer, ${describeError(err)}`, err);
  }
  const v = decodeBcd(f.data.subarray(4), point.format, point.signed);
  if (typeof v === 'string') throw new Dlt645Error('frame', `DI ${point.di}: ${v}`);
  return v;
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
