/**
 * Topic filters with named levels: "plant/+factory/utility/+device" subscribes to "plant/+/utility/+" and
 * captures the 2nd and 4th levels as tags `factory` and `device`. A bare "+" matches without capturing;
 * "#" (last level only) matches the rest.
 */
export type TopicPattern = {
  source: string;
  /** The MQTT filter handed to the broker. */
  filter: string;
  levels: Array<{ kind: 'literal'; text: string } | { kind: 'single'; tag?: string } | { kind: 'multi' }>;
  tags: string[];
};

export function compileTopicPattern(source: string): TopicPattern | string {
  const parts = source.split('/');
  const levels: TopicPattern['levels'] = [];
  const tags: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p === '#') {
      if (i !== parts.length - 1) return `"#" must be the last level in "${source}"`;
      levels.push({ kind: 'multi' });
    } else if (p.startsWith('+')) {
      const tag = p.slice(1);
      if (tag && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(tag))
        return `tag name "${tag}" in "${source}" is not a plain name`;
      if (tag && tags.includes(tag)) return `tag "${tag}" appears twice in "${source}"`;
      if (tag) tags.push(tag);
      levels.push(tag ? { kind: 'single', tag } : { kind: 'single' });
    } else if (p.includes('+') || p.includes('#')) {
      return `level "${p}" of "${source}" mixes text and a wildcard`;
    } else {
      levels.push({ kind: 'literal', text: p });
    }
  }
  const filter = levels
    .map((l) => (l.kind === 'literal' ? l.text : l.kind === 'multi' ? '#' : '+'))
    .join('/');
  return { source, filter, levels, tags };
}

/** Tags captured from a concrete topic, or null when the topic does not match the pattern. */
export function matchTopic(pattern: TopicPattern, topic: string): Record<string, string> | null {
  const parts = topic.split('/');
  const tags: Record<string, string> = {};
  for (let i = 0; i < pattern.levels.length; i++) {
    const l = pattern.levels[i]!;
    if (l.kind === 'multi') return tags;
    const p = parts[i];
    if (p === undefined) return null;
    if (l.kind === 'literal') {
      if (p !== l.text) return null;
    } else if (l.tag) tags[l.tag] = p;
  }
  return parts.length === pattern.levels.length ? tags : null;
}

/** Fills "{tag}" placeholders; returns null when a placeholder names no captured tag. */
export function fillTemplate(template: string, tags: Record<string, string>): string | null {
  let ok = true;
  const out = template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const v = tags[name];
    if (v === undefined) ok = false;
    return v ?? '';
  });
  return ok ? out : null;
}

export function templateTags(template: string): string[] {
  return [...template.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!);
}
