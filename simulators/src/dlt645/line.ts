import type { Stream } from '../fieldbus/endpoints.js';
import { Rng } from '../physics/prng.js';
import type { Dlt645Meters } from './meters.js';
import { cutFrames } from './wire.js';

export type LineFaults = {
  /** Probability that an answer leaves with a wrong checksum (a noisy RS-485 line). */
  checksumErrorRate?: number;
  seed?: number;
};

export type LineStats = { framesIn: number; badFramesIn: number; checksumCorrupted: number };

/** Several meters talking at once: the line carries the OR of their bits (RS-485 idle = 1 … close enough). */
function collide(frames: Buffer[]): Buffer {
  const out = Buffer.alloc(Math.max(...frames.map((f) => f.length)));
  for (const f of frames) for (let i = 0; i < f.length; i++) out[i]! |= f[i]!;
  return out;
}

/**
 * The RS-485 line as a byte stream (a serial port, or a transparent TCP gateway in front of one): request frames
 * in, the selected meters' answers out. A frame with a wrong checksum gets no answer, as on a real line.
 */
export function lineHandler(meters: Dlt645Meters, stats: LineStats, faults: LineFaults = {}) {
  const rng = new Rng(faults.seed ?? 645);
  return (s: Stream) => {
    let buf = Buffer.alloc(0);
    return (data: Buffer) => {
      buf = Buffer.concat([buf, data]);
      const r = cutFrames(buf);
      buf = Buffer.from(r.rest.length > 1024 ? r.rest.subarray(r.rest.length - 1024) : r.rest);
      stats.badFramesIn += r.bad;
      for (const f of r.frames) {
        stats.framesIn++;
        const answers = meters.handle(f);
        if (answers.length === 0) continue;
        const out =
          answers.length > 1 ? collide(answers.map((a) => a.frame)) : Buffer.from(answers[0]!.frame);
        if (faults.checksumErrorRate && rng.chance(faults.checksumErrorRate)) {
          out[out.length - 2]! ^= 0x5a;
          stats.checksumCorrupted++;
        }
        const delay = Math.max(...answers.map((a) => a.delayMs));
        if (delay > 0) setTimeout(() => s.write(out), delay);
        else s.write(out);
      }
    };
  };
}
