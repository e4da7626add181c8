import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Status } from '../status-codes.js';
import { encodeFrame } from './frame.js';
import { classifyError } from './quality.js';
import { readItem } from './read.js';
import { StreamLink } from './transport.js';

/**
 * The exchange rules on a real loopback socket: an answer counts only when it comes from the meter asked, for the
 * function asked, with the DI asked; whatever else is on the line (late answers, other meters, the master's echo)
 * is dropped, so a timed-out request can never lend its value to the next one.
 */
const ENERGY = { di: '00010000', format: 'XXXXXX.XX', signed: false } as const;
const VOLTAGE = { di: '02010100', format: 'XXX.X', signed: false } as const;
/** An answer frame: DI (DI0 first) + value bytes (lowest first), +33H applied by encodeFrame. */
const answer = (address: string, di: number[], value: number[], control = 0x91) =>
  encodeFrame({ address, control, data: Uint8Array.from([...di, ...value]) }, 0);

let server: net.Server | null = null;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

/** A gateway whose answers are scripted per request index. */
async function gateway(script: (n: number) => Buffer[]): Promise<number> {
  let n = 0;
  server = net.createServer((s) => {
    s.on('data', () => {
      for (const b of script(n++)) s.write(b);
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return (server!.address() as net.AddressInfo).port;
}

describe('DL/T 645 exchanges', () => {
  it('drops the echo, a late answer of another DI and another meter’s answer; takes the right one', async () => {
    const port = await gateway(() => [
      // the master's own request echoed (C = 11H, D7 = 0)
      encodeFrame({ address: '000000000001', control: 0x11, data: Uint8Array.from([0, 1, 1, 2]) }, 4),
      answer('000000000001', [0, 0, 1, 0], [0x42, 0x06, 0x12, 0x00]), // late: energy, not voltage
      answer('000000000002', [0, 1, 1, 2], [0x01, 0x22]), // voltage, but of meter 2
      answer('000000000001', [0, 1, 1, 2], [0x05, 0x23]), // 230.5 V of meter 1
    ]);
    const link = new StreamLink({ transport: 'tcp', host: '127.0.0.1', port });
    await link.open();
    try {
      expect(await readItem(link, '000000000001', VOLTAGE, 2000)).toBe(230.5);
      expect(link.unexpected).toBe(2);
    } finally {
      await link.close();
    }
  });

  it('a request that timed out cannot pass its late answer to the next request', async () => {
    let late: Buffer | null = null;
    const port = await gateway((n) => {
      if (n === 0) {
        late = answer('000000000001', [0, 0, 1, 0], [0x00, 0x00, 0x01, 0x00]); // 100.00 kWh, held back
        return [];
      }
      const out = [late!, answer('000000000001', [0, 1, 1, 2], [0x01, 0x22])]; // then 220.1 V
      return out;
    });
    const link = new StreamLink({ transport: 'tcp', host: '127.0.0.1', port });
    await link.open();
    try {
      const e = await readItem(link, '000000000001', ENERGY, 100).catch((x: unknown) => x);
      expect(classifyError(e)).toMatchObject({ kind: 'timeout', status: Status.BadTimeout });
      expect(await readItem(link, '000000000001', VOLTAGE, 2000)).toBe(220.1);
    } finally {
      await link.close();
    }
  });

  it('an abnormal answer carries the error byte into the quality; a bad checksum fails at once', async () => {
    const bad = answer('000000000001', [0, 0, 1, 0], [0, 0, 0, 0]);
    bad[bad.length - 2]! ^= 0xff;
    const port = await gateway((n) =>
      n === 0
        ? [encodeFrame({ address: '000000000001', control: 0xd1, data: Uint8Array.from([0x02]) }, 0)]
        : [bad],
    );
    const link = new StreamLink({ transport: 'tcp', host: '127.0.0.1', port });
    await link.open();
    try {
      const a = await readItem(link, '000000000001', ENERGY, 2000).catch((x: unknown) => x);
      expect(classifyError(a)).toMatchObject({
        kind: 'exception',
        exception: 2,
        status: Status.BadNotSupported,
      });
      // Fails on the corrupt frame itself, not by its 60 s timeout (the test would time out first).
      const c = await readItem(link, '000000000001', ENERGY, 60_000).catch((x: unknown) => x);
      expect(classifyError(c)).toMatchObject({ kind: 'crcError', status: Status.BadCommunicationError });
    } finally {
      await link.close();
    }
  });
});
