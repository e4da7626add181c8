import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/**
 * The console's static files, read once at start (a few dozen kB) so requests never touch the disk, with a
 * strong ETag per file and a build id that hashes them all (it goes into every asset URL, which lets those
 * be cached as immutable).
 */
export type StaticFile = { body: Buffer; contentType: string; etag: string; gzip?: Buffer };
export type ConsoleAssets = { build: string; index: StaticFile; files: Map<string, StaticFile> };

export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Type declarations and tests sit beside the modules for the type-checker; browsers never need them. */
function served(rel: string): boolean {
  return !rel.endsWith('.d.ts') && !/\.test\.[jt]s$/.test(rel) && path.extname(rel) in CONTENT_TYPES;
}

function listFiles(dir: string, base = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(dir, base), { withFileTypes: true })) {
    const rel = base ? `${base}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, rel));
    else if (e.isFile() && served(rel)) out.push(rel);
  }
  return out.sort();
}

/** Files this large are also kept gzipped (the chart library is 1.1 MB, 0.36 MB gzipped). */
const GZIP_FROM_BYTES = 16 * 1024;

/** Compressed once per content per process (tests build many servers). */
const gzipped = new Map<string, Buffer>();

function file(body: Buffer, rel: string): StaticFile {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  let gzip = gzipped.get(etag);
  if (!gzip && body.length >= GZIP_FROM_BYTES) {
    gzip = gzipSync(body, { level: 9 });
    gzipped.set(etag, gzip);
  }
  return { body, contentType: CONTENT_TYPES[path.extname(rel)]!, etag, ...(gzip ? { gzip } : {}) };
}

/**
 * Third-party browser modules served from node_modules under vendor/ (no CDN): ECharts' own ES-module build,
 * byte for byte as the pinned npm package ships it.
 */
export function vendorFiles(): Map<string, Buffer> {
  const require = createRequire(import.meta.url);
  const echartsDist = path.dirname(require.resolve('echarts'));
  return new Map([
    ['vendor/echarts.esm.min.mjs', readFileSync(path.join(echartsDist, 'echarts.esm.min.mjs'))],
  ]);
}

const IMPORT_FROM = /^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gm;
const IMPORT_BARE = /^\s*import\s+'([^']+)'/gm;
/** The chart library, imported dynamically by charts.js (an expression the scan cannot follow). */
const DYNAMIC_IMPORTS: Record<string, string[]> = { 'charts.js': ['vendor/echarts.esm.min.mjs'] };

/**
 * Every module the entry module loads, breadth first, the entry left out: the browser learns of a module only
 * when it parsed the one importing it (app.js → pages → widgets → ECharts is five round trips deep), so
 * index.html names them all as <link rel="modulepreload"> and the browser fetches them in parallel.
 */
export function moduleClosure(files: ReadonlyMap<string, Buffer>, entry = 'app.js'): string[] {
  const seen = new Set([entry]);
  const queue = [entry];
  for (let i = 0; i < queue.length; i++) {
    const rel = queue[i]!;
    const src = files.get(rel)?.toString('utf8') ?? '';
    const specs = [...src.matchAll(IMPORT_FROM), ...src.matchAll(IMPORT_BARE)].map((m) => m[1]!);
    const targets = [
      ...specs.map((s) => path.posix.normalize(path.posix.join(path.posix.dirname(rel), s))),
      ...(DYNAMIC_IMPORTS[rel] ?? []),
    ];
    for (const t of targets)
      if (!seen.has(t) && files.has(t)) {
        seen.add(t);
        queue.push(t);
      }
  }
  return queue.slice(1);
}

export function loadConsoleAssets(dir = DEFAULT_STATIC_DIR): ConsoleAssets {
  const rels = listFiles(dir);
  if (!rels.includes('index.html')) throw new Error(`web console: ${dir} has no index.html`);
  const buildHash = createHash('sha256');
  const raw = new Map<string, Buffer>();
  for (const rel of rels) raw.set(rel, readFileSync(path.join(dir, rel)));
  for (const [rel, body] of vendorFiles()) raw.set(rel, body);
  for (const [rel, body] of raw) buildHash.update(rel).update('\0').update(body);
  const build = buildHash.digest('hex').slice(0, 12);
  const files = new Map<string, StaticFile>();
  for (const [rel, body] of raw) if (rel !== 'index.html') files.set(rel, file(body, rel));
  // index.html names the build so the browser fetches exactly the modules it was written with, and names
  // every module up front (no import waterfall).
  const preload = moduleClosure(raw)
    .map((rel) => `<link rel="modulepreload" href="%BASE%${rel}" />`)
    .join('\n    ');
  const indexBody = Buffer.from(
    raw
      .get('index.html')!
      .toString('utf8')
      .replace('%MODULEPRELOAD%', preload)
      .replaceAll('%BASE%', `/console/${build}/`),
  );
  return { build, index: file(indexBody, 'index.html'), files };
}
