import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { formatZodIssues } from '@xiang/protocol';
import { parse } from 'yaml';
import { type Layout, REGISTERS } from './decode.js';
import type { Table } from './plan.js';
import {
  type ModbusDeviceConfig,
  type RegisterMap,
  type RegisterPoint,
  registerMapSchema,
} from './schema.js';

/** The register maps shipped with the agent: sources/modbus/maps/<model>.yaml (data files with their source). */
export const MAPS_DIR = path.join(import.meta.dirname, 'maps');

/** Reads and validates one map file; throws an Error naming the file and the bad fields. */
export function loadMapFile(file: string): RegisterMap {
  const raw = parse(readFileSync(file, 'utf8'));
  const r = registerMapSchema.safeParse(raw);
  if (!r.success) throw new Error(`${file}: ${formatZodIssues(r.error).join('; ')}`);
  const keys = new Set<string>();
  for (const p of r.data.points) {
    if (keys.has(p.key)) throw new Error(`${file}: key "${p.key}" appears twice`);
    keys.add(p.key);
  }
  for (const id of r.data.identify ?? [])
    if (!keys.has(id.key)) throw new Error(`${file}: identify key "${id.key}" is not a point`);
  return r.data;
}

let shipped: Map<string, RegisterMap> | null = null;

/** Every shipped map by model id (loaded and validated once). */
export function shippedMaps(): Map<string, RegisterMap> {
  if (!shipped) {
    shipped = new Map();
    for (const f of readdirSync(MAPS_DIR)
      .filter((x) => x.endsWith('.yaml'))
      .sort()) {
      const m = loadMapFile(path.join(MAPS_DIR, f));
      if (`${m.model}.yaml` !== f) throw new Error(`${f}: model "${m.model}" must match the file name`);
      shipped.set(m.model, m);
    }
  }
  return shipped;
}

/** A point ready to poll: the map's defaults applied. */
export type ResolvedPoint = Omit<RegisterPoint, 'table' | 'type' | 'wordOrder' | 'byteOrder'> &
  Layout & { table: Table; count: number };

function resolvePoint(p: RegisterPoint, d: RegisterMap['defaults']): ResolvedPoint {
  const type = p.type ?? d.type;
  return {
    ...p,
    table: p.table ?? d.table,
    type,
    wordOrder: p.wordOrder ?? d.wordOrder,
    byteOrder: p.byteOrder ?? d.byteOrder,
    count: REGISTERS[type],
  };
}

/** A map's points with its defaults applied. */
export function mapPoints(map: RegisterMap): ResolvedPoint[] {
  return map.points.map((p) => resolvePoint(p, map.defaults));
}

const INLINE_DEFAULTS: RegisterMap['defaults'] = {
  table: 'holding',
  type: 'uint16',
  wordOrder: 'big',
  byteOrder: 'big',
};

/**
 * The points of one configured device: its map (shipped `model` or own `mapFile`, already absolute), narrowed
 * by `only`, plus inline `points`. Returns an error text instead when something does not fit.
 */
export function devicePoints(
  d: ModbusDeviceConfig,
): { map: RegisterMap | null; points: ResolvedPoint[] } | string {
  if (d.model && d.mapFile) return 'expected either model or mapFile, not both';
  let map: RegisterMap | null = null;
  if (d.model) {
    map = shippedMaps().get(d.model) ?? null;
    if (!map) return `unknown model "${d.model}" (shipped maps: ${[...shippedMaps().keys()].join(', ')})`;
  } else if (d.mapFile) {
    try {
      map = loadMapFile(d.mapFile);
    } catch (e) {
      return `cannot use map file: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  let points = map ? mapPoints(map) : [];
  if (d.only) {
    const keys = new Set(points.map((p) => p.key));
    const missing = d.only.filter((k) => !keys.has(k));
    if (missing.length > 0) return `only: ${missing.map((k) => `"${k}"`).join(', ')} not in the map`;
    points = points.filter((p) => d.only!.includes(p.key));
  }
  points.push(...(d.points ?? []).map((p) => resolvePoint(p, map?.defaults ?? INLINE_DEFAULTS)));
  if (points.length === 0) return 'expected a model, a mapFile or points';
  return { map, points };
}
