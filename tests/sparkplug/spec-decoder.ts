/**
 * Just enough protobuf reading, from the Sparkplug 3.0 proto, for the test edge node to read an NCMD:
 * the metrics' names (field 1) and boolean values (field 14) of a Payload (metrics = field 2).
 */
function varint(b: Uint8Array, at: { i: number }): bigint {
  let v = 0n;
  for (let shift = 0n; ; shift += 7n) {
    const byte = b[at.i++];
    if (byte === undefined) throw new Error('truncated varint');
    v |= BigInt(byte & 0x7f) << shift;
    if (byte < 0x80) return v;
  }
}

function fields(b: Uint8Array): { field: number; wire: number; v: bigint | Uint8Array }[] {
  const out: { field: number; wire: number; v: bigint | Uint8Array }[] = [];
  const at = { i: 0 };
  while (at.i < b.length) {
    const tag = Number(varint(b, at));
    const field = tag >> 3;
    const wire = tag & 7;
    if (wire === 0) out.push({ field, wire, v: varint(b, at) });
    else if (wire === 2) {
      const n = Number(varint(b, at));
      out.push({ field, wire, v: b.subarray(at.i, at.i + n) });
      at.i += n;
    } else if (wire === 1) at.i += 8;
    else if (wire === 5) at.i += 4;
    else throw new Error(`wire type ${wire}`);
  }
  return out;
}

export function readCommand(payload: Uint8Array): { name?: string; bool?: boolean }[] {
  return fields(payload)
    .filter((f) => f.field === 2 && f.v instanceof Uint8Array)
    .map((f) => {
      const m: { name?: string; bool?: boolean } = {};
      for (const g of fields(f.v as Uint8Array)) {
        if (g.field === 1 && g.v instanceof Uint8Array) m.name = new TextDecoder().decode(g.v);
        if (g.field === 14 && typeof g.v === 'bigint') m.bool = g.v !== 0n;
      }
      return m;
    });
}
