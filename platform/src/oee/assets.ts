import type { AssetLevel } from '@xiang/protocol';
import type { RegistrySnapshot } from '../registry/model.js';

/**
 * Asset-tree helpers over a registry snapshot. A path's level comes from the registry's asset list; a path the
 * registry does not list gets the level its depth implies (1 workshop, 2 line, 3 station — the simulator's and
 * the birth's convention).
 */
const DEPTH_LEVEL: AssetLevel[] = ['factory', 'workshop', 'line', 'station'];

export function assetLevelOf(snapshot: Pick<RegistrySnapshot, 'assets'>, path: string): AssetLevel {
  const a = snapshot.assets.find((x) => x.path === path);
  if (a) return a.level;
  const depth = path === '' ? 0 : path.split('/').length;
  return DEPTH_LEVEL[Math.min(depth, 3)] as AssetLevel;
}

/** The path itself and its ancestors, nearest last: "A/B/C" → ["", "A", "A/B", "A/B/C"]. */
export function pathChain(path: string): string[] {
  if (path === '') return [''];
  const parts = path.split('/');
  return ['', ...parts.map((_, i) => parts.slice(0, i + 1).join('/'))];
}

/** The nearest ancestor-or-self of `path` at `level`, or null. */
export function ancestorAt(
  snapshot: Pick<RegistrySnapshot, 'assets'>,
  path: string,
  level: AssetLevel,
): string | null {
  const chain = pathChain(path);
  for (let i = chain.length - 1; i >= 0; i--) {
    const p = chain[i] as string;
    if (assetLevelOf(snapshot, p) === level) return p;
  }
  return null;
}

/** True when `path` is `scope` or lies below it ("" is the whole factory). */
export function inScope(path: string, scope: string): boolean {
  return scope === '' || path === scope || path.startsWith(`${scope}/`);
}
