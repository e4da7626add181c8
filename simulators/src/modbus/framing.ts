import type { Stream } from '../fieldbus/endpoints.js';
import { Rng } from '../physics/prng.js';
import { crcOk, withCrc } from './crc.js';
import type { ModbusSlaves } from './slaves.js';

export type BusFaults = {
  /** Probability that an answer leaves with a corrupted CRC (a noisy RS-485 line). */
  crcErrorRate?: number;
  seed?: number;
};

/**
 * The speed of the serial line the RTU faces stand for (a pty or loopback TCP carries bytes at once): each answer
 * leaves after the time its request and itself take on the wire at this rate (bitsPerChar: start + 8 data +
 * parity + stop bits, 10 for 8N1, 11 for 8E1). Unset = as fast as the stream carries them.
 */
export type LineSpeed = { baudRate: number; bitsPerChar?: number };

/** Wire time of `bytes` characters at a line speed, ms. */
export function wireMs(bytes: number, line: LineSpeed | undefined): number {
  return line ? (bytes * (line.bitsPerChar ?? 10) * 1000) / line.baudRate : 0;
}

export type FramingStats = { framesIn: number; badCrcIn: number; crcCorrupted: number };

function later(ms: number, fn: () => void): void {
  if (ms > 0) setTimeout(fn, ms);
  else fn();
}

/**
 * Modbus TCP (MBAP, Modbus Messaging on TCP/IP V1.0b §3.1.3): transaction id, protocol 0, length, unit id, PDU.
 * One connection may carry several requests; a unit that does not answer just gets nothing back.
 */
export function mbapHandler(slaves: ModbusSlaves, stats: FramingStats) {
  return (s: Stream) => {
    let buf = Buffer.alloc(0);
    return (data: Buffer) => {
      buf = Buffer.concat([buf, data]);
      while (buf.length >= 7) {
        const len = buf.readUInt16BE(4);
        if (buf.length < 6 + len) return;
        const frame = buf.subarray(0, 6 + len);
        buf = buf.subarray(6 + len);
        stats.framesIn++;
        const unit = frame[6]!;
        const delay = slaves.delayFor(unit);
        if (delay === null || frame.readUInt16BE(2) !== 0) {
          slaves.stats.unanswered++;
          continue;
        }
        const pdu = slaves.handle(unit, frame.subarray(7));
        const head = Buffer.alloc(7);
        frame.copy(head, 0, 0, 4);
        head.writeUInt16BE(pdu.length + 1, 4);
        head[6] = unit;
        later(delay, () => s.write(Buffer.concat([head, pdu])));
      }
    };
  };
}

/**
 * RTU frames on a byte stream (a serial line, or a transparent TCP gateway in front of one): address, PDU, CRC.
 * Read requests (FC 03/04) are 8 bytes; anything else is taken as a frame after 5 ms of silence. A frame with a
 * bad CRC, or for a unit that is not on the bus, gets no answer — as on a real line.
 */
export function rtuHandler(
  slaves: ModbusSlaves,
  stats: FramingStats,
  faults: BusFaults = {},
  line?: LineSpeed,
) {
  const rng = new Rng(faults.seed ?? 42);
  return (s: Stream) => {
    let buf = Buffer.alloc(0);
    let silence: NodeJS.Timeout | null = null;
    const frame = (f: Buffer) => {
      stats.framesIn++;
      if (!crcOk(f)) {
        stats.badCrcIn++;
        return;
      }
      const unit = f[0]!;
      const delay = unit === 0 ? null : slaves.delayFor(unit);
      if (delay === null) {
        slaves.stats.unanswered++;
        return;
      }
      const pdu = slaves.handle(unit, f.subarray(1, f.length - 2));
      const out = withCrc(Buffer.concat([Buffer.from([unit]), pdu]));
      if (faults.crcErrorRate && rng.chance(faults.crcErrorRate)) {
        out[out.length - 1]! ^= 0x5a;
        stats.crcCorrupted++;
      }
      later(delay + wireMs(f.length + out.length, line), () => s.write(out));
    };
    return (data: Buffer) => {
      buf = Buffer.concat([buf, data]);
      if (silence) clearTimeout(silence);
      while (buf.length >= 8 && (buf[1] === 3 || buf[1] === 4)) {
        frame(buf.subarray(0, 8));
        buf = buf.subarray(8);
      }
      if (buf.length > 0)
        silence = setTimeout(() => {
          const f = buf;
          buf = Buffer.alloc(0);
          if (f.length >= 4) frame(f);
        }, 5);
    };
  };
}
