import type { AssetLevel } from '@xiang/protocol';
import type { RegistryAsset } from './model.js';

/** Level of an asset the births did not declare, from its depth below the factory. */
export function levelForDepth(depth: number): AssetLevel {
  if (depth <= 0) return 'factory';
  if (depth === 1) return 'workshop';
  if (depth === 2) return 'line';
  return 'station';
}

/** Every ancestor path of an asset path, nearest the root first: "WS1/L1/ST3" → ["WS1", "WS1/L1"]. */
export function ancestorPaths(path: string): string[] {
  if (path === '') return [];
  const parts = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}

export type AssetNode = {
  path: string;
  level: AssetLevel;
  name?: string;
  deviceIds: string[];
  children: AssetNode[];
};

/**
 * Builds the factory's asset tree (root path "" = the factory) from a flat asset list and device placements.
 * Missing ancestors are filled in so that every node hangs under the factory; children are sorted by path.
 */
export function buildAssetTree(
  factoryName: string | undefined,
  assets: Pick<RegistryAsset, 'path' | 'level' | 'name'>[],
  devices: { id: string; assetPath: string }[],
): AssetNode {
  const root: AssetNode = { path: '', level: 'factory', deviceIds: [], children: [] };
  if (factoryName) root.name = factoryName;
  const byPath = new Map<string, AssetNode>([['', root]]);
  const ensure = (path: string): AssetNode => {
    const known = byPath.get(path);
    if (known) return known;
    const node: AssetNode = {
      path,
      level: levelForDepth(path.split('/').length),
      deviceIds: [],
      children: [],
    };
    byPath.set(path, node);
    const parentPath = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
    ensure(parentPath).children.push(node);
    return node;
  };
  for (const a of assets) {
    if (a.path === '') continue;
    const node = ensure(a.path);
    node.level = a.level;
    if (a.name) node.name = a.name;
  }
  for (const d of devices) ensure(d.assetPath).deviceIds.push(d.id);
  const sort = (n: AssetNode): void => {
    n.children.sort((a, b) => a.path.localeCompare(b.path));
    n.deviceIds.sort();
    n.children.forEach(sort);
  };
  sort(root);
  return root;
}
