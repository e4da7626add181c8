/**
 * Top self-time entries of a V8 CPU profile (`node --cpu-prof`), as a markdown table — what
 * platform/docs/ingest.md quotes for the ingest hot path before and after a change.
 *
 *   XIANG_BENCH_PROF=/tmp/prof npx tsx bench/ingest.ts --points 500000 --batch 50 --metrics 100
 *   npx tsx bench/ingest-profile.ts /tmp/prof/CPU.….cpuprofile [--top 15] [--window] [--inclusive 12]
 * --window keeps only the ingest itself: the samples from the first to the last one with `decodePoints` on
 * the stack (start-up, the idle wait for the publisher and shutdown left out). --inclusive N adds the N
 * functions with the most time on the stack (self + callees): where a phase's time goes as a whole.
 * Sources run through tsx, which puts a file on one line: entries are told apart by line:column.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

type Node = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
};
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: 'string', default: '15' },
    'no-startup': { type: 'boolean', default: false },
    window: { type: 'boolean', default: false },
    inclusive: { type: 'string', default: '0' },
  },
});
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
// Module loading at process start (tsx compiling the sources) is not the ingest; --no-startup leaves it out.
const startup =
  /node:internal\/modules|node:internal\/bootstrap|tsx\/dist|cjs-module-lexer|^readFileUtf8|^compileFunction/;

function frameName(f: Node['callFrame'], withPosition: boolean): string {
  const file = f.url.replace(`file://${root}/`, '').replace(/^.*node_modules\//, '');
  const where = file ? ` ${file}${withPosition ? `:${f.lineNumber + 1}:${f.columnNumber + 1}` : ''}` : '';
  return `${f.functionName || '(anonymous)'}${where}`;
}

for (const file of positionals) {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stack = (id: number): Node[] => {
    const out: Node[] = [];
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) out.push(byId.get(x) as Node);
    return out;
  };
  const at: number[] = [];
  let t = prof.startTime;
  for (const d of prof.timeDeltas) {
    t += d;
    at.push(t);
  }
  let from = Number.NEGATIVE_INFINITY;
  let to = Number.POSITIVE_INFINITY;
  if (values.window) {
    const inIngest = prof.samples
      .map((id, i) => (stack(id).some((n) => n.callFrame.functionName === 'decodePoints') ? at[i] : null))
      .filter((x): x is number => x !== null);
    from = Math.min(...inIngest);
    to = Math.max(...inIngest);
  }
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  prof.samples.forEach((id, i) => {
    if ((at[i] as number) < from || (at[i] as number) > to) return;
    const us = prof.timeDeltas[i] ?? 0;
    total += us;
    const frames = stack(id);
    const key = frameName((frames[0] as Node).callFrame, true);
    if (key.startsWith('(idle)')) {
      idle += us;
      return;
    }
    if (values['no-startup'] && startup.test(key)) return;
    self.set(key, (self.get(key) ?? 0) + us);
    const seen = new Set<string>();
    for (const n of frames) {
      const k = frameName(n.callFrame, false);
      if (seen.has(k) || k.startsWith('(root)')) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  });
  const busy = total - idle;
  const table = (m: Map<string, number>, n: number, title: string) => {
    console.log(`| ${title} ms | % of busy | function |\n|---:|---:|---|`);
    for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n))
      console.log(`| ${(us / 1000).toFixed(0)} | ${((us / busy) * 100).toFixed(1)} | \`${k}\` |`);
  };
  const span = values.window ? `, ingest window ${((to - from) / 1e6).toFixed(2)} s` : '';
  console.log(
    `\n${path.basename(file)}: ${(total / 1e6).toFixed(1)} s sampled${span}, busy ${(busy / 1e6).toFixed(2)} s\n`,
  );
  table(self, Number(values.top), 'self');
  if (Number(values.inclusive) > 0) {
    console.log('');
    table(inclusive, Number(values.inclusive), 'on stack');
  }
}
