import { z } from 'zod';
import { dlt645Plugin } from './dlt645/index.js';
import { modbusPlugin } from './modbus/index.js';
import { mqttPlugin } from './mqtt/index.js';
import { opcuaPlugin } from './opcua/index.js';
import type { SourcePlugin } from './plugin.js';
import type { Source, SourceContext } from './types.js';

/**
 * The one list of source plugins. A new source type is a folder `sources/<type>/` (schema, validation,
 * check, scan, health figures, README, sample config, tests) plus one line here.
 */
export const sourcePlugins = [opcuaPlugin, mqttPlugin, modbusPlugin, dlt645Plugin] as const;

type Plugins = typeof sourcePlugins;
type SchemasOf<T extends readonly SourcePlugin[]> = { -readonly [K in keyof T]: T[K]['schema'] };

/** The `sources[]` entry: a discriminated union on `type`, assembled from the plugin list. */
export const sourceSchema = z.discriminatedUnion(
  'type',
  sourcePlugins.map((p) => p.schema) as unknown as SchemasOf<Plugins>,
);
export type SourceConfig = z.infer<typeof sourceSchema>;
export type SourceType = SourceConfig['type'];

const byType = new Map<string, SourcePlugin>(sourcePlugins.map((p) => [p.type, p as SourcePlugin]));

/** The plugin of a source config (validated configs always have one). */
export function pluginOf(type: string): SourcePlugin {
  const p = byType.get(type);
  if (!p) throw new Error(`unknown source type "${type}" (known: ${[...byType.keys()].join(', ')})`);
  return p;
}

export function createSource(cfg: SourceConfig, ctx: SourceContext): Source {
  return pluginOf(cfg.type).create(cfg, ctx);
}
