import type { SourceConfig } from '../config/schema.js';
import { MqttSource } from './mqtt/source.js';
import { OpcuaSource } from './opcua/source.js';
import type { Source, SourceContext } from './types.js';

/** The one list of source plugins: a new source type is a folder under sources/ plus one line here. */
export const sourceFactories: {
  [K in SourceConfig['type']]: (cfg: Extract<SourceConfig, { type: K }>, ctx: SourceContext) => Source;
} = {
  opcua: (cfg, ctx) => new OpcuaSource(cfg, ctx),
  mqtt: (cfg, ctx) => new MqttSource(cfg, ctx),
};

export function createSource(cfg: SourceConfig, ctx: SourceContext): Source {
  const make = sourceFactories[cfg.type] as (c: SourceConfig, x: SourceContext) => Source;
  return make(cfg, ctx);
}
