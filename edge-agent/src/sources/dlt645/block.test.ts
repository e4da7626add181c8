import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Status } from '../status-codes.js';
import { readFollowUpRequest, readRequest } from './frame.js';
import { classifyError } from './quality.js';
import { readBlock, readItem } from './read.js';
import { blockRequests } from './source.js';
import { StreamLink } from './transport.js';

/**
 * Data blocks (DI with FFH) and follow-up frames (读后续数据, 12H), on frames worked out by hand from DL/T 645-2007
 * §5 (frame), §7.2 (read follow-up) and Appendix A (DI and formats). Meter 000000000001 → A0..A5 = 01 00 00 00 00
 * 00; every data byte travels +33H; CS = sum of the bytes from the first 68H to the last data byte, mod 256.
 *
 * Voltage block 02 01 FF 00 (DI0..DI3 on the wire = 00 FF 01 02 → +33H = 33 32 34 35), request C = 11H, L = 04:
 *   CS = 68+01+68+11+04 = E6; E6+33+32+34+35 = 1B4 → B4.
 * Answer C = 91H, L = 0A: DI + A 220.1 V (XXX.X → 2201 → 01 22), B 221.0 V (10 22), C 219.8 V (98 21), +33H:
 *   33 32 34 35 | 34 55 | 43 55 | CB 54;  CS = 68+01+68+91+0A = 16C; + 33+32+34+35+34+55+43+55+CB+54 (= 40E) = 57A → 7A.
 *
 * Active power block 02 03 FF 00 (+33H: 33 32 36 35) in two frames (a meter that splits its answer):
 *   request 11H: CS = E6 + 33+32+36+35 = 1B6 → B6.
 *   answer B1H (D5 = follow-up comes), L = 0A: DI + total 12.3456 kW (XX.XXXX → 123456 → 56 34 12) + A 4.1152 kW
 *     (52 11 04), +33H: 33 32 36 35 | 89 67 45 | 85 44 37;  CS = 68+01+68+B1+0A = 18C; + 33+32+36+35+89+67+45+85+44+37
 *     (= 305) = 491 → 91.
 *   request 12H, L = 05: DI + SEQ 01 → 33 32 36 35 34;  CS = 68+01+68+12+05 = E8; + 33+32+36+35+34 (= 104) = 1EC → EC.
 *   answer 92H (last), L = 0B: DI + B 4.0000 kW (00 00 04) + C 4.2304 kW (04 23 04) + SEQ 01, +33H:
 *     33 32 36 35 | 33 33 37 | 37 56 37 | 34;  CS = 68+01+68+92+0B = 16E; + (33+32+36+35+33+33+37+37+56+37+34 = 265) = 3D3 → D3.
 */
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const PRE = 'FE FE FE FE';
const VOLTAGE_REQ = hex(`${PRE} 68 01 00 00 00 00 00 68 11 04 33 32 34 35 B4 16`);
const VOLTAGE_ANS = hex('68 01 00 00 00 00 00 68 91 0A 33 32 34 35 34 55 43 55 CB 54 7A 16');
const POWER_REQ = hex(`${PRE} 68 01 00 00 00 00 00 68 11 04 33 32 36 35 B6 16`);
const POWER_ANS1 = hex('68 01 00 00 00 00 00 68 B1 0A 33 32 36 35 89 67 45 85 44 37 91 16');
const POWER_FOLLOW = hex(`${PRE} 68 01 00 00 00 00 00 68 12 05 33 32 36 35 34 EC 16`);
const POWER_ANS2 = hex('68 01 00 00 00 00 00 68 92 0B 33 32 36 35 33 33 37 37 56 37 34 D3 16');

const V = { format: 'XXX.X', signed: false } as const;
const P = { format: 'XX.XXXX', signed: true } as const;

let server: net.Server | null = null;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

/** A gateway that answers each request it receives with the frames scripted for it, and records the requests. */
async function gateway(script: Buffer[][]): Promise<{ port: number; received: Buffer[] }> {
  const received: Buffer[] = [];
  server = net.createServer((s) => {
    s.on('data', (b) => {
      received.push(Buffer.from(b));
      for (const f of script[received.length - 1] ?? []) s.write(f);
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return { port: (server!.address() as net.AddressInfo).port, received };
}

async function withLink<T>(port: number, fn: (l: StreamLink) => Promise<T>): Promise<T> {
  const link = new StreamLink({ transport: 'tcp', host: '127.0.0.1', port });
  await link.open();
  try {
    return await fn(link);
  } finally {
    await link.close();
  }
}

describe('DL/T 645 data blocks and follow-up frames (hand-worked frames)', () => {
  it('the request frames are the hand-worked ones', () => {
    expect(readRequest('000000000001', '0201FF00')).toEqual(VOLTAGE_REQ);
    expect(readRequest('000000000001', '0203FF00')).toEqual(POWER_REQ);
    expect(readFollowUpRequest('000000000001', '0203FF00', 1)).toEqual(POWER_FOLLOW);
  });

  it('a voltage block answer decodes into the three phase voltages', async () => {
    const gw = await gateway([[VOLTAGE_ANS]]);
    const v = await withLink(gw.port, (l) => readBlock(l, '000000000001', '0201FF00', [V, V, V], 2000));
    expect(v).toEqual([220.1, 221, 219.8]);
    expect(gw.received).toEqual([VOLTAGE_REQ]);
  });

  it('an answer with D5 set is continued with 12H + SEQ until the last frame (92H); the data are joined', async () => {
    const gw = await gateway([[POWER_ANS1], [POWER_ANS2]]);
    const v = await withLink(gw.port, (l) => readBlock(l, '000000000001', '0203FF00', [P, P, P, P], 2000));
    expect(v).toEqual([12.3456, 4.1152, 4, 4.2304]);
    expect(gw.received).toEqual([POWER_REQ, POWER_FOLLOW]);
  });

  it('a follow-up answered with another SEQ, or a block of another length, fails instead of misaligning', async () => {
    const wrongSeq = Buffer.from(POWER_ANS2);
    wrongSeq[wrongSeq.length - 3] = 0x35; // SEQ 02 (+33H), checksum fixed below
    wrongSeq[wrongSeq.length - 2] = (wrongSeq[wrongSeq.length - 2]! + 1) & 0xff;
    const gw = await gateway([[POWER_ANS1], [wrongSeq], [VOLTAGE_ANS]]);
    await withLink(gw.port, async (l) => {
      const e = await readBlock(l, '000000000001', '0203FF00', [P, P, P, P], 2000).catch((x: unknown) => x);
      expect(String(e)).toMatch(/SEQ 2/);
      const short = await readBlock(l, '000000000001', '0201FF00', [V, V], 2000).catch((x: unknown) => x);
      expect(classifyError(short)).toMatchObject({ status: Status.BadDecodingError });
      expect(String(short)).toMatch(/6 data bytes, expected 4/);
    });
  });

  it('a single item answered in two frames is read whole (readItem follows up too)', async () => {
    // Energy 00 01 00 00 = 123456.78 kWh (78 56 34 12) split 2 + 2 bytes: B1H then 92H with SEQ 01.
    const di = [0x00, 0x00, 0x01, 0x00];
    const { encodeFrame } = await import('./frame.js');
    const a1 = encodeFrame(
      { address: '000000000001', control: 0xb1, data: Uint8Array.from([...di, 0x78, 0x56]) },
      0,
    );
    const a2 = encodeFrame(
      { address: '000000000001', control: 0x92, data: Uint8Array.from([...di, 0x34, 0x12, 0x01]) },
      0,
    );
    const gw = await gateway([[a1], [a2]]);
    const v = await withLink(gw.port, (l) =>
      readItem(l, '000000000001', { di: '00010000', format: 'XXXXXX.XX', signed: false }, 2000),
    );
    expect(v).toBe(123456.78);
  });

  it('blockRequests reads a block only when every member is polled; the rest one by one', () => {
    const p = (di: string) => ({ p: { di } as never });
    const reqs = blockRequests('000000000001', [
      p('00010000'),
      p('02010100'),
      p('02010200'),
      p('02010300'),
      p('02020100'), // current of phase A alone: no current block
    ]);
    expect(reqs.map((r) => [r.block?.di ?? null, r.points])).toEqual([
      ['0201FF00', [1, 2, 3]],
      [null, [0]],
      [null, [4]],
    ]);
  });
});
