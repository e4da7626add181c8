import { z } from 'zod';

/** Identifiers that appear in MQTT topics and series keys: no wildcards, separators or spaces. */
export const idSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
    'expected 1–64 chars of A–Z a–z 0–9 _ - (no spaces, "/", "+" or "#")',
  );

/** A place in the factory's asset tree, relative to the factory: "" (factory), "WS1", "WS1/L1", "WS1/L1/ST3". */
export const assetPathSchema = z
  .string()
  .regex(
    /^$|^[A-Za-z0-9][A-Za-z0-9_-]{0,63}(\/[A-Za-z0-9][A-Za-z0-9_-]{0,63}){0,3}$/,
    'expected "" or up to 4 "/"-separated ids, e.g. "WS1/L1"',
  );

/** Device-local metric key, e.g. "activePower", "voltage.L1", "energyImport", "state". */
export const metricKeySchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/, 'expected a dotted key such as "voltage.L1"');
