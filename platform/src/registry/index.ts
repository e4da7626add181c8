export { type AssetNode, buildAssetTree } from './asset-tree.js';
export type { BirthResult } from './births.js';
export { type Db, immediate, openPlatformDb } from './db.js';
export type { DeviceView } from './devices.js';
export * from './factory-settings.js';
export * from './model.js';
export { type DeviceOverridePatch, deviceOverrideSchema } from './overrides.js';
export { type AgentInfo, Registry } from './registry.js';
