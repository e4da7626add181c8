import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installProblemHandlers } from '../api/problem.js';
import { installAuthGuard } from '../auth/guard.js';
import { TokenStore } from '../auth/tokens.js';
import { openPlatformDb } from '../registry/db.js';
import { DEFAULT_STATIC_DIR, loadConsoleAssets, moduleClosure } from './assets.js';
import { CONSOLE_CSP, webConsole } from './plugin.js';
import { SignInLinks } from './signin-links.js';

// The console plugin inside the platform's own auth guard and problem handlers (real SQLite token store).

let app: FastifyInstance;
let adminToken: string;
let factoryToken: string;
const links = new SignInLinks();
const assets = loadConsoleAssets();
const asset = (rel: string) => `/console/${assets.build}/${rel}`;

beforeAll(async () => {
  const db = openPlatformDb(':memory:');
  const tokens = new TokenStore(db);
  adminToken = tokens.bootstrap(undefined);
  factoryToken = tokens.create({ name: '湘江精密 能源主管', role: 'factory', factories: ['F2'] }).token;
  app = Fastify();
  installProblemHandlers(app);
  installAuthGuard(app, tokens);
  await app.register(webConsole, { signInLinks: links });
  await app.register(webConsole); // a second registration (server.ts and a test both wiring it) is a no-op
  await app.ready();
});
afterAll(async () => app.close());

describe('static files', () => {
  it('serves index.html at / with the build in its asset URLs, a strict CSP and no caching', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(String(res.headers['content-security-policy'])).toMatch(/^default-src 'self';/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toContain('<html lang="zh-CN">');
    expect(res.body).toContain(`<script type="module" src="${asset('app.js')}"></script>`);
    expect(res.body).not.toContain('%BASE%');
  });

  it('serves modules, CSS and the icon with their content types, immutable under the current build', async () => {
    const cases: [string, string][] = [
      ['app.js', 'text/javascript; charset=utf-8'],
      ['pages/series.js', 'text/javascript; charset=utf-8'],
      ['app.css', 'text/css; charset=utf-8'],
      ['widgets.css', 'text/css; charset=utf-8'],
      ['icon.svg', 'image/svg+xml; charset=utf-8'],
    ];
    for (const [rel, type] of cases) {
      const res = await app.inject({ method: 'GET', url: asset(rel) });
      expect(res.statusCode, rel).toBe(200);
      expect(res.headers['content-type'], rel).toBe(type);
      expect(res.headers['cache-control'], rel).toBe('public, max-age=31536000, immutable');
      expect(res.headers['content-security-policy'], rel).toBe(CONSOLE_CSP);
      expect(res.body).toBe(readFileSync(path.join(DEFAULT_STATIC_DIR, rel), 'utf8'));
    }
  });

  it('answers a matching ETag with 304 and an old build with an uncached copy', async () => {
    const first = await app.inject({ method: 'GET', url: asset('app.css') });
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    const again = await app.inject({
      method: 'GET',
      url: asset('app.css'),
      headers: { 'if-none-match': etag },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const old = await app.inject({ method: 'GET', url: '/console/000000000000/app.css' });
    expect(old.statusCode).toBe(200);
    expect(old.headers['cache-control']).toBe('no-cache');
  });

  it('serves only listed files: no type declarations, no traversal, problem+json 404 otherwise', async () => {
    for (const url of [
      asset('format.d.ts'),
      asset('missing.js'),
      `${asset('')}..%2F..%2Fplugin.ts`,
      asset('../plugin.ts'),
    ]) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type'], url).toContain('application/problem+json');
    }
  });

  it('every module import resolves to a served file, and nothing is loaded from outside', () => {
    const js = [...assets.files.keys()].filter((f) => f.endsWith('.js'));
    expect(js).toContain('app.js');
    let imports = 0;
    for (const rel of js) {
      const src = assets.files.get(rel)!.body.toString('utf8');
      for (const m of src.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gm)) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), m[1]!));
        expect(assets.files.has(target), `${rel} imports ${m[1]}`).toBe(true);
        imports++;
      }
    }
    expect(imports).toBeGreaterThan(40); // the scan really read the import statements
    for (const [rel, f] of [...assets.files, ['index.html', assets.index] as const]) {
      if (rel.startsWith('vendor/')) continue; // third-party builds, checked byte for byte below
      const urls = f.body.toString('utf8').match(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s'")]*/gi) ?? [];
      expect(
        urls.filter((u) => !u.startsWith('http://www.w3.org/')),
        rel,
      ).toEqual([]);
    }
  });
});

describe('module preload', () => {
  it('index.html names every module app.js loads, ECharts included, each served under the build', async () => {
    const html = (await app.inject({ method: 'GET', url: '/' })).body;
    const hinted = [...html.matchAll(/<link rel="modulepreload" href="([^"]+)" \/>/g)].map((m) => m[1]!);
    const modules = [...assets.files.keys()].filter((f) => /\.m?js$/.test(f) && f !== 'app.js');
    expect(hinted.sort()).toEqual(modules.map(asset).sort());
    expect(modules.length).toBeGreaterThan(40);
    expect(hinted).toContain(asset('vendor/echarts.esm.min.mjs'));
    expect(hinted).toContain(asset('pages/energy.js'));
    for (const url of hinted) expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
  });

  it('follows static imports and re-exports breadth first, not comments or strings', () => {
    const files = new Map(
      Object.entries({
        'app.js': "import { a } from './a.js';\nexport { b } from './pages/b.js';\nimport './side.js';\n",
        'a.js': "// import { x } from './not-a-module.js'\nconst s = \"from './nope.js'\";\n",
        'pages/b.js': "import { a } from '../a.js';\nimport { c } from './c.js';\n",
        'pages/c.js': '',
        'side.js': '',
        'unused.js': '',
      }).map(([k, v]) => [k, Buffer.from(v)]),
    );
    expect(moduleClosure(files)).toEqual(['a.js', 'pages/b.js', 'side.js', 'pages/c.js']);
  });
});

describe('vendor modules', () => {
  it('serves ECharts byte for byte from the pinned npm package, gzipped when the browser accepts it', async () => {
    const local = readFileSync(
      path.join(path.dirname(createRequire(import.meta.url).resolve('echarts')), 'echarts.esm.min.mjs'),
    );
    const plain = await app.inject({ url: `/console/${assets.build}/vendor/echarts.esm.min.mjs` });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.rawPayload.equals(local)).toBe(true);
    const zipped = await app.inject({
      url: `/console/${assets.build}/vendor/echarts.esm.min.mjs`,
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(zipped.rawPayload).equals(local)).toBe(true);
    expect(zipped.rawPayload.length).toBeLessThan(local.length / 2);
  });
});

describe('whoami', () => {
  it('needs a token', async () => {
    const res = await app.inject({ method: 'GET', url: '/console/whoami' });
    expect(res.statusCode).toBe(401);
    expect(res.json().detail).toContain('Authorization');
  });
  it('tells the role and the factories of the token', async () => {
    const admin = await app.inject({
      method: 'GET',
      url: '/console/whoami',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(admin.statusCode).toBe(200);
    expect(admin.headers['cache-control']).toBe('no-store');
    expect(admin.json()).toMatchObject({ role: 'admin', factories: [] });
    const factory = await app.inject({
      method: 'GET',
      url: '/console/whoami',
      headers: { authorization: `Bearer ${factoryToken}` },
    });
    expect(factory.json()).toEqual({ name: '湘江精密 能源主管', role: 'factory', factories: ['F2'] });
  });
});

describe('one-time sign-in link', () => {
  const redeem = (code: unknown) =>
    app.inject({ method: 'POST', url: '/console/signin-link', payload: { code } });

  it('trades its code once for the token, without a token of its own, never cached', async () => {
    const code = links.mint(adminToken);
    const first = await redeem(code);
    expect(first.statusCode).toBe(200);
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.json()).toEqual({ token: adminToken });
    const again = await redeem(code);
    expect(again.statusCode).toBe(404);
    expect(again.headers['content-type']).toContain('application/problem+json');
    expect(again.json().detail).toContain('used already');
  });

  it('refuses codes it never minted and malformed bodies with the same problem', async () => {
    for (const code of ['x'.repeat(32), 'short', 42, null, '../../etc/passwd'.repeat(3)]) {
      const res = await redeem(code);
      expect(res.statusCode, String(code)).toBe(404);
      expect(JSON.stringify(res.json())).not.toContain(adminToken);
    }
    const text = await app.inject({ method: 'POST', url: '/console/signin-link', payload: 'code' });
    expect(text.statusCode).toBeGreaterThanOrEqual(400);
    expect(text.statusCode).toBeLessThan(500);
  });
});
