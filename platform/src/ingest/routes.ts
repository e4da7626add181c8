/**
 * Does an MQTT topic match a filter? `+` matches one level, a trailing `#` any number (including none);
 * wildcards do not match topics starting with `$` at the first level (MQTT 5 §4.7.2). No `$share/` prefix.
 */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return i === f.length - 1;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * The route whose filter matches the topic; the first route otherwise (the uplink processor, which
 * dead-letters a topic it does not know rather than dropping it silently).
 */
export function routeFor<R extends { filter: string }>(routes: readonly R[], topic: string): R {
  for (const r of routes) if (topicMatches(r.filter, topic)) return r;
  return routes[0] as R;
}

/** Hands each run of consecutive messages of one route to that route's handler, in arrival order. */
export async function dispatchToRoutes<M extends { topic: string }>(
  routes: readonly { filter: string; handleBatch: (msgs: readonly M[]) => Promise<void> }[],
  batch: readonly M[],
): Promise<void> {
  let from = 0;
  while (from < batch.length) {
    const route = routeFor(routes, (batch[from] as M).topic);
    let to = from + 1;
    while (to < batch.length && routeFor(routes, (batch[to] as M).topic) === route) to++;
    await route.handleBatch(batch.slice(from, to));
    from = to;
  }
}
