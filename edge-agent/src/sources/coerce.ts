import type { Datatype } from '@xiang/protocol';

export type Coerced = { ok: true; value: number | boolean | string | null } | { ok: false; reason: string };

/**
 * Brings a source value to the metric's datatype without guessing: numbers stay numbers, booleans stay
 * booleans; a string where a number is expected is a type mismatch, not a parse attempt. null passes (it only
 * travels with a non-Good status).
 */
export function coerceValue(value: unknown, datatype: Datatype): Coerced {
  if (value === null || value === undefined) return { ok: true, value: null };
  switch (datatype) {
    case 'double':
    case 'int': {
      let n: number;
      if (typeof value === 'number') n = value;
      else if (typeof value === 'bigint') n = Number(value);
      else return { ok: false, reason: `expected a number, got ${describe(value)}` };
      if (!Number.isFinite(n)) return { ok: false, reason: `expected a finite number, got ${n}` };
      return { ok: true, value: datatype === 'int' ? Math.round(n) : n };
    }
    case 'bool':
      if (typeof value === 'boolean') return { ok: true, value };
      if (value === 0 || value === 1) return { ok: true, value: value === 1 };
      return { ok: false, reason: `expected a boolean, got ${describe(value)}` };
    case 'string':
      if (typeof value === 'string') return { ok: true, value: value.slice(0, 1024) };
      if (typeof value === 'number' || typeof value === 'boolean') return { ok: true, value: String(value) };
      return { ok: false, reason: `expected a string, got ${describe(value)}` };
  }
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string "${v.slice(0, 40)}"`;
  return typeof v;
}
