/** CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF; Modbus over Serial Line V1.02 §6.2.2), sent low byte first. */
export function crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** Appends the CRC (low byte, then high byte). */
export function withCrc(frame: Uint8Array): Buffer {
  const c = crc16(frame);
  return Buffer.concat([Buffer.from(frame), Buffer.from([c & 0xff, c >>> 8])]);
}

export function crcOk(frame: Uint8Array): boolean {
  if (frame.length < 4) return false;
  const c = crc16(frame.subarray(0, frame.length - 2));
  return frame[frame.length - 2] === (c & 0xff) && frame[frame.length - 1] === c >>> 8;
}
