/**
 * The meter side of DL/T 645-2007 framing (§5), written apart from the agent's frame.ts: a frame is
 * 68 A0..A5 68 C L DATA CS 16, DATA +33H, CS = sum mod 256 from the first 68H to the last data byte.
 */
export type MeterFrame = { address: Buffer; control: number; data: Buffer };

export function buildFrame(address: Buffer, control: number, data: Buffer): Buffer {
  const head = Buffer.from([0x68, ...address, 0x68, control, data.length]);
  const body = Buffer.concat([head, Buffer.from(data.map((b) => (b + 0x33) & 0xff))]);
  let cs = 0;
  for (const b of body) cs = (cs + b) & 0xff;
  // Meters answer with wake-up bytes too (the standard allows them; the agent must skip them).
  return Buffer.concat([Buffer.from([0xfe, 0xfe, 0xfe, 0xfe]), body, Buffer.from([cs, 0x16])]);
}

/**
 * Cuts frames off a byte stream: skips wake-up bytes and noise, waits for a whole frame, drops one whose
 * checksum or end byte is wrong (`bad` counts them). Returns the frames and what is left.
 */
export function cutFrames(buf: Buffer): { frames: MeterFrame[]; rest: Buffer; bad: number } {
  const frames: MeterFrame[] = [];
  let bad = 0;
  let i = 0;
  for (let guard = 0; guard < 256; guard++) {
    while (i < buf.length && buf[i] !== 0x68) i++;
    if (buf.length - i < 12) break;
    if (buf[i + 7] !== 0x68) {
      i++;
      continue;
    }
    const len = buf[i + 9]!;
    if (buf.length - i < 12 + len) break;
    let cs = 0;
    for (let k = i; k < i + 10 + len; k++) cs = (cs + buf[k]!) & 0xff;
    if (cs !== buf[i + 10 + len] || buf[i + 11 + len] !== 0x16) {
      bad++;
      i++;
      continue;
    }
    frames.push({
      address: Buffer.from(buf.subarray(i + 1, i + 7)),
      control: buf[i + 8]!,
      data: Buffer.from(buf.subarray(i + 10, i + 10 + len).map((b) => (b - 0x33) & 0xff)),
    });
    i += 12 + len;
  }
  return { frames, rest: buf.subarray(i), bad };
}

/** "000000000001" → 01 00 00 00 00 00 (BCD, lowest byte first). */
export function addressField(address: string): Buffer {
  const out = Buffer.alloc(6);
  for (let i = 0; i < 6; i++) out[i] = Number.parseInt(address.slice(10 - 2 * i, 12 - 2 * i), 16);
  return out;
}

/** Does a request's address field select this meter: its own, or an abbreviated one (high bytes AAH)? */
export function addressMatches(field: Buffer, own: Buffer): boolean {
  let wildcard = true;
  for (let i = 5; i >= 0; i--) {
    if (wildcard && field[i] === 0xaa) continue;
    wildcard = false;
    if (field[i] !== own[i]) return false;
  }
  return true;
}
