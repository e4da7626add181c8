import { z } from 'zod';
import opc40001Data from './mappings/opc40001.json' with { type: 'json' };
import packmlData from './mappings/packml.json' with { type: 'json' };

/**
 * Machine state → OEE loss category. A source reports a state number and (optionally) a mode number; the
 * mapping, which is data (one JSON file per state model, replaceable per source), says which loss class the
 * pair belongs to. Compiled into a 256×256 lookup table so the timeline builder stays one typed-array pass.
 */

export const lossCategorySchema = z.enum([
  'unknown',
  'running',
  'idle',
  'setup',
  'unplannedStop',
  'plannedStop',
]);
export type LossCategory = z.infer<typeof lossCategorySchema>;

/** Numeric codes used in typed arrays; index = code. */
export const CATEGORY_CODES: readonly LossCategory[] = lossCategorySchema.options;
export const CAT = { unknown: 0, running: 1, idle: 2, setup: 3, unplannedStop: 4, plannedStop: 5 } as const;

/** Sentinel values in the state/mode arrays: no usable value (Bad quality, missing series). */
export const NO_VALUE = 255;

const byteSchema = z.number().int().min(0).max(254);

export const stateMappingSchema = z
  .object({
    id: z.string().min(1),
    version: z.string().min(1),
    model: z.enum(['opc40001', 'packml', 'custom']),
    source: z.string().min(1),
    confidence: z.enum(['✅', '◐', '❓']),
    notes: z.string().optional(),
    states: z
      .array(z.object({ value: byteSchema, name: z.string().min(1), category: lossCategorySchema }))
      .min(1),
    /** A mode overrides the state's category when that category is listed in `overrides`. */
    modes: z
      .array(
        z.object({
          value: byteSchema,
          name: z.string().min(1),
          category: lossCategorySchema.nullable(),
          overrides: z.array(lossCategorySchema).default([]),
        }),
      )
      .default([]),
    unmappedState: lossCategorySchema.default('unknown'),
  })
  .superRefine((m, ctx) => {
    const seen = new Set<number>();
    m.states.forEach((s, i) => {
      if (seen.has(s.value))
        ctx.addIssue({ code: 'custom', path: ['states', i, 'value'], message: `duplicate state ${s.value}` });
      seen.add(s.value);
    });
    const modes = new Set<number>();
    m.modes.forEach((s, i) => {
      if (modes.has(s.value))
        ctx.addIssue({ code: 'custom', path: ['modes', i, 'value'], message: `duplicate mode ${s.value}` });
      modes.add(s.value);
    });
  });
export type StateMapping = z.infer<typeof stateMappingSchema>;

export type CompiledMapping = {
  id: string;
  version: string;
  /** table[state * 256 + mode] = category code; mode NO_VALUE = no mode reported. */
  table: Uint8Array;
  stateNames: Map<number, string>;
};

/** Validates mapping data; the error names the path (e.g. `states.3.category`). */
export function parseStateMapping(data: unknown): StateMapping {
  const r = stateMappingSchema.safeParse(data);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new Error(
      `invalid state mapping at ${first?.path.join('.') || '(root)'}: ${first?.message ?? 'unknown error'}`,
    );
  }
  return r.data;
}

export function compileMapping(m: StateMapping): CompiledMapping {
  const table = new Uint8Array(256 * 256).fill(CAT[m.unmappedState]);
  const stateCat = new Map(m.states.map((s) => [s.value, CAT[s.category]] as const));
  const modes = new Map(m.modes.map((md) => [md.value, md] as const));
  for (let state = 0; state < 256; state++) {
    const base = state === NO_VALUE ? CAT.unknown : (stateCat.get(state) ?? CAT[m.unmappedState]);
    for (let mode = 0; mode < 256; mode++) {
      const md = modes.get(mode);
      let cat = base;
      if (md?.category && md.overrides.includes(CATEGORY_CODES[base] as LossCategory)) cat = CAT[md.category];
      table[state * 256 + mode] = cat;
    }
  }
  return { id: m.id, version: m.version, table, stateNames: new Map(m.states.map((s) => [s.value, s.name])) };
}

export const defaultMappings = {
  opc40001: parseStateMapping(opc40001Data),
  packml: parseStateMapping(packmlData),
} as const;

export function categoryOf(c: CompiledMapping, state: number, mode: number = NO_VALUE): LossCategory {
  return CATEGORY_CODES[c.table[(state & 255) * 256 + (mode & 255)] ?? 0] as LossCategory;
}
