import type { Medium, MeterRole } from '@xiang/protocol';
import type { RegistryDevice } from '../registry/model.js';
import type { MeterSeries } from './types.js';

/**
 * The metering tree (GB 17167: whole unit → secondary units → main equipment) built from the registry's
 * parentMeter links. Every registered meter is a node, with or without data; `series` is its index in the
 * run's meter list (−1 = no data). Bad links (unknown parent, cycle, other medium) are reported, not fatal.
 */
export type TreeNode = {
  id: string;
  name: string;
  assetPath: string;
  medium: Medium;
  role: MeterRole | undefined;
  parent: string | null;
  children: string[];
  depth: number;
  series: number;
  ratedPowerKw: number | undefined;
};

export type MeteringTree = {
  nodes: Map<string, TreeNode>;
  /** Depth-first pre-order: parents before children, subtrees together. */
  order: string[];
  roots: string[];
  problems: {
    deviceId: string;
    problem: 'unknownParent' | 'cycle' | 'mediumMismatch' | 'noData';
    parent?: string;
  }[];
};

export function buildMeteringTree(devices: RegistryDevice[], meters: MeterSeries[]): MeteringTree {
  const seriesIdx = new Map(meters.map((m, i) => [m.deviceId, i]));
  const nodes = new Map<string, TreeNode>();
  const problems: MeteringTree['problems'] = [];
  const add = (id: string, d: RegistryDevice | undefined, m: MeterSeries | undefined) => {
    const medium = m?.medium ?? d?.medium ?? 'electricity';
    nodes.set(id, {
      id,
      name: d?.name ?? id,
      assetPath: d?.assetPath ?? '',
      medium,
      role: d?.meterRole,
      parent: d?.parentMeter ?? null,
      children: [],
      depth: 0,
      series: seriesIdx.get(id) ?? -1,
      ratedPowerKw: d?.ratedPowerKw,
    });
  };
  const byId = new Map(devices.map((d) => [d.id, d]));
  for (const d of devices) if (d.kind === 'meter') add(d.id, d, meters[seriesIdx.get(d.id) ?? -1]);
  // Series for devices the registry does not list as meters (e.g. a machine with its own energy counter).
  for (const m of meters) if (!nodes.has(m.deviceId)) add(m.deviceId, byId.get(m.deviceId), m);

  for (const n of nodes.values()) {
    if (n.series < 0) problems.push({ deviceId: n.id, problem: 'noData' });
    if (n.parent === null) continue;
    const p = nodes.get(n.parent);
    if (!p) {
      problems.push({ deviceId: n.id, problem: 'unknownParent', parent: n.parent });
      n.parent = null;
    } else if (p.medium !== n.medium) {
      problems.push({ deviceId: n.id, problem: 'mediumMismatch', parent: n.parent });
      n.parent = null;
    }
  }
  // Break cycles: walk up at most nodes.size steps from each node.
  for (const n of nodes.values()) {
    let cur: TreeNode | undefined = n;
    for (let steps = 0; cur && cur.parent !== null; steps++) {
      if (steps > nodes.size || cur.parent === n.id) {
        problems.push({ deviceId: n.id, problem: 'cycle', parent: n.parent ?? undefined });
        n.parent = null;
        break;
      }
      cur = nodes.get(cur.parent);
    }
  }
  for (const n of nodes.values()) if (n.parent !== null) nodes.get(n.parent)!.children.push(n.id);
  for (const n of nodes.values()) n.children.sort();
  const roots = [...nodes.values()].filter((n) => n.parent === null).map((n) => n.id);
  roots.sort();
  // Depth-first pre-order: parents before children, each subtree together (the report prints it as a tree).
  const order: string[] = [];
  const stack = [...roots].reverse().map((id) => ({ id, depth: 0 }));
  while (stack.length) {
    const { id, depth } = stack.pop()!;
    const node = nodes.get(id)!;
    node.depth = depth;
    order.push(id);
    for (let c = node.children.length - 1; c >= 0; c--)
      stack.push({ id: node.children[c]!, depth: depth + 1 });
  }
  return { nodes, order, roots, problems };
}

/** Root meters of a medium (they add up to the medium's total). */
export function mediumRoots(tree: MeteringTree, medium: Medium): TreeNode[] {
  return tree.roots.map((id) => tree.nodes.get(id)!).filter((n) => n.medium === medium);
}

/** All descendants of a node (excluding itself). */
export function descendants(tree: MeteringTree, id: string): string[] {
  const out: string[] = [];
  const stack = [...(tree.nodes.get(id)?.children ?? [])];
  while (stack.length) {
    const c = stack.pop()!;
    out.push(c);
    stack.push(...(tree.nodes.get(c)?.children ?? []));
  }
  return out;
}
