import { sourcePlugins } from './registry.js';

/**
 * The sources table of edge-agent/README.md, built from the plugin list (sources/registry.test.ts checks the
 * README holds exactly this between its `sources-table` markers).
 */
export function sourcesTable(): string {
  const rows = sourcePlugins.map((p) => {
    const dir = `src/sources/${p.type}`;
    const scan = p.scan ? `\`xiang-edge scan ${p.type}\`` : '—';
    const health = (p.health ?? []).map((h) => `\`${h.metric}\``).join(', ') || '—';
    return `| \`${p.type}\` | ${p.summary} | [README](${dir}/README.md) · [sample](${dir}/sample.yaml) | ${scan} | ${health} |`;
  });
  return [
    '| type | what it reads | docs | discovery | own health figures |',
    '| ---- | ------------- | ---- | --------- | ------------------ |',
    ...rows,
  ].join('\n');
}
