/**
 * Top self-time entries of a V8 CPU profile (`node --cpu-prof`), as a markdown table — what
 * platform/docs/ingest.md quotes for the ingest hot path before and after a change.
 *
 *   XIANG_BENCH_PROF=/tmp/prof npx tsx bench/ingest.ts --points 500000 --batch 50 --metrics 100
 *   npx tsx bench/ingest-profile.ts /tmp/prof/CPU.….cpuprofile [--top 15]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

type Node = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
};
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '15' }, 'no-startup': { type: 'boolean', default: false } },
});
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
for (const file of positionals) {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
  }
  // Same function at the same place = one entry, whatever stack it was sampled in.
  const entries = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const f = (byId.get(id) as Node).callFrame;
    const where = f.url
      ? `${f.url.replace(`file://${root}/`, '').replace(/^.*node_modules\//, '')}:${f.lineNumber + 1}`
      : '';
    const key = `${f.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    entries.set(key, (entries.get(key) ?? 0) + us);
    total += us;
  }
  const idle = [...entries].filter(([k]) => k.startsWith('(idle)')).reduce((s, [, v]) => s + v, 0);
  const busy = total - idle;
  // Module loading at process start (tsx compiling the sources) is not the ingest; --no-startup leaves it out.
  const startup =
    /node:internal\/modules|node:internal\/bootstrap|tsx\/dist|cjs-module-lexer|^readFileUtf8|^compileFunction/;
  const rows = [...entries]
    .filter(([k]) => !k.startsWith('(idle)') && !(values['no-startup'] && startup.test(k)))
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(values.top));
  console.log(
    `\n${path.basename(file)}: ${(total / 1e6).toFixed(1)} s sampled, busy ${(busy / 1e6).toFixed(1)} s\n`,
  );
  console.log('| self ms | % of busy | function |\n|---:|---:|---|');
  for (const [k, us] of rows)
    console.log(`| ${(us / 1000).toFixed(0)} | ${((us / busy) * 100).toFixed(1)} | \`${k}\` |`);
}
