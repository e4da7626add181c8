/**
 * Asset tree: factory → workshop → line → station as nested disclosure lists (native <details>, so keyboard
 * and screen readers work without scripting), each node with its devices and how many of them are online.
 */
import { apiGet, factoryPath } from '../api.js';
import { h } from '../dom.js';
import { label, t } from '../i18n.js';
import { onlineBadge, pageHeader, updatedNote } from './common.js';

/** Devices at a node and below it → { online, total }. */
function countDevices(node, byId) {
  let online = 0;
  let total = 0;
  for (const id of node.deviceIds) {
    total++;
    if (byId.get(id)?.online) online++;
  }
  for (const c of node.children) {
    const sub = countDevices(c, byId);
    online += sub.online;
    total += sub.total;
  }
  return { online, total };
}

function countNodes(node) {
  return 1 + node.children.reduce((n, c) => n + countNodes(c), 0);
}

function deviceItem(ctx, d, id) {
  const href = `#/devices/${encodeURIComponent(ctx.factoryId)}/${encodeURIComponent(id)}`;
  return h(
    'li',
    { class: 'tree-device', 'data-device-id': id },
    onlineBadge(!!d?.online),
    ' ',
    h('a', { href }, d?.name ?? id),
    d?.name ? h('span', { class: 'muted' }, ` ${id}`) : null,
    d ? h('span', { class: 'tag' }, label('kind', d.kind)) : null,
    d?.medium ? h('span', { class: 'tag' }, label('medium', d.medium)) : null,
  );
}

function nodeItem(ctx, node, byId, depth) {
  const { online, total } = countDevices(node, byId);
  const title = node.path === '' ? ctx.factory.name || node.name || ctx.factoryId : (node.name ?? node.path);
  const summary = h(
    'summary',
    {},
    h('span', { class: ['level', `level-${node.level}`] }, label('level', node.level)),
    ' ',
    h('span', { class: 'node-name' }, title),
    node.path ? h('span', { class: 'muted' }, ` ${node.path}`) : null,
    h('span', { class: 'count' }, t('assets.onlineCount', { on: online, total })),
  );
  const kids = [
    ...node.deviceIds.map((id) => deviceItem(ctx, byId.get(id), id)),
    ...node.children.map((c) => nodeItem(ctx, c, byId, depth + 1)),
  ];
  return h(
    'li',
    { class: 'tree-node', 'data-path': node.path, 'data-level': node.level },
    h('details', { open: depth < ctx.openDepth }, summary, kids.length ? h('ul', {}, kids) : null),
  );
}

export const assetsPage = {
  async render(ctx) {
    const [tree, devices] = await Promise.all([
      apiGet(factoryPath(ctx.factoryId, '/assets')),
      apiGet(factoryPath(ctx.factoryId, '/devices')),
    ]);
    const byId = new Map(devices.map((d) => [d.id, d]));
    // A plant of ordinary size opens fully; a very large one opens to its workshops only.
    ctx.openDepth = countNodes(tree) + devices.length <= 400 ? 99 : 2;
    ctx.view.append(pageHeader(t('assets.title'), t('assets.summary')));
    if (!tree.children.length && !tree.deviceIds.length) {
      ctx.view.append(h('p', { class: 'empty' }, t('assets.empty')));
      return;
    }
    ctx.view.append(
      h('ul', { class: 'tree', id: 'asset-tree' }, nodeItem(ctx, tree, byId, 0)),
      updatedNote(),
    );
  },
};
