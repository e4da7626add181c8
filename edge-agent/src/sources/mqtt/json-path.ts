/**
 * A deliberately small JSON path syntax for pulling readings out of device payloads:
 *
 *   $                 the whole payload
 *   $.a.b             member access (names of letters, digits, _ and -)
 *   $['a b']          member access for any name (single or double quotes)
 *   $.list[0]         array element; $.list[-1] is the last one
 *   $.readings[0].v   combinations of the above
 *
 * No wildcards, filters or recursion: one path names exactly one value, so a missing value is detectable.
 */
export type PathStep = { kind: 'member'; name: string } | { kind: 'index'; index: number };

export type CompiledPath = { source: string; steps: PathStep[] };

const MEMBER_RE = /^\.([A-Za-z_][A-Za-z0-9_-]*)/;
const INDEX_RE = /^\[(-?\d+)\]/;
const QUOTED_RE = /^\[(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\]/;

/** Compiles a path; returns an error text (for config messages) when it is not valid syntax. */
export function compilePath(source: string): CompiledPath | string {
  if (!source.startsWith('$'))
    return `expected a path starting with "$" (e.g. "$.values.flow"), got "${source}"`;
  const steps: PathStep[] = [];
  let rest = source.slice(1);
  for (let guard = 0; rest.length > 0; guard++) {
    if (guard > 256) return `path "${source}" is too long (max 256 steps)`;
    let m = MEMBER_RE.exec(rest);
    if (m) {
      steps.push({ kind: 'member', name: m[1]! });
      rest = rest.slice(m[0].length);
      continue;
    }
    m = INDEX_RE.exec(rest);
    if (m) {
      steps.push({ kind: 'index', index: Number(m[1]) });
      rest = rest.slice(m[0].length);
      continue;
    }
    m = QUOTED_RE.exec(rest);
    if (m) {
      const raw = m[1] ?? m[2] ?? '';
      steps.push({ kind: 'member', name: raw.replace(/\\(.)/g, '$1') });
      rest = rest.slice(m[0].length);
      continue;
    }
    return `unexpected "${rest}" in path "${source}" (expected .name, [n] or ['name'])`;
  }
  return { source, steps };
}

export type Lookup = { found: true; value: unknown } | { found: false };

/** Follows a compiled path through parsed JSON; never throws. */
export function lookup(root: unknown, path: CompiledPath): Lookup {
  let cur: unknown = root;
  for (const step of path.steps) {
    if (step.kind === 'member') {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return { found: false };
      if (!Object.hasOwn(cur, step.name)) return { found: false };
      cur = (cur as Record<string, unknown>)[step.name];
    } else {
      if (!Array.isArray(cur)) return { found: false };
      const i = step.index < 0 ? cur.length + step.index : step.index;
      if (i < 0 || i >= cur.length) return { found: false };
      cur = cur[i];
    }
  }
  return { found: true, value: cur };
}
