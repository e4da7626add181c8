import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../harness/ports.js';
import { type Service, startMosquitto } from '../harness/services.js';
import { descendants, kill, type Launched, launch, portFree, REPO, waitForOutput } from './processes.js';

/**
 * README.md is executable: every command of its fenced `sh` blocks is extracted and run here, in order, against
 * a started stack — short ones to exit 0 within a timeout, long-running ones (npm start, simulators, agent,
 * xiang serve) started, probed for readiness and stopped by pid at the end (nothing may be left behind).
 * The README's well-known ports (4840, 1883, 8080) and `.data/start` are mapped to free ports and a temp dir,
 * in the commands and in the files they name; `--out`/`--json` files go to the temp dir. A command without a
 * plan below fails the test, and so does a plan whose command left the README: the two cannot drift apart.
 * Commands that are this test suite itself (`npm test`, vitest) or rewrite the repository (`npm install`,
 * `npm run bench`) are not run here; each is checked cheaply and CI runs it for real.
 */
type Ctx = {
  tmp: string;
  startDir: string;
  mqttUrl: string;
  opcuaPort: number;
  httpPort: number;
  servePort: number;
};
type Plan =
  | {
      kind: 'run';
      timeoutMs?: number;
      check?: (out: string, ctx: Ctx) => void | Promise<void>;
      env?: (ctx: Ctx) => NodeJS.ProcessEnv;
      /** Rewrites the command for this test (bounded variants of long runs), said in the test's log. */
      map?: (cmd: string) => string;
    }
  | {
      kind: 'service';
      ready: (p: Launched, ctx: Ctx) => Promise<unknown>;
      env?: (ctx: Ctx) => NodeJS.ProcessEnv;
    }
  | { kind: 'elsewhere'; why: string; check: () => void };

const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};
const vitestConfig = readFileSync(path.join(REPO, 'vitest.config.ts'), 'utf8');
let startToken = '';

/** Every README command, by its text (comments stripped), and how this test runs it. */
const PLANS: [RegExp, Plan][] = [
  [
    /^npm install$/,
    {
      kind: 'elsewhere',
      why: 'CI installs with npm ci from the same lockfile',
      check: () => expect(existsSync(path.join(REPO, 'node_modules/.bin/tsx'))).toBe(true),
    },
  ],
  [
    /^npm start$/,
    {
      kind: 'service',
      ready: async (p, ctx) => {
        await waitForOutput(p, /press Ctrl-C to stop/, 'npm start ready', 600_000);
        startToken = (/Admin token\s+(\S+)/.exec(p.output()) as RegExpExecArray)[1] as string;
        const r = await fetch(`http://127.0.0.1:${ctx.httpPort}/api/v1/factories`, {
          headers: { authorization: `Bearer ${startToken}` },
        });
        expect(r.status).toBe(200);
      },
    },
  ],
  [
    /^npm test$/,
    {
      kind: 'elsewhere',
      why: 'it is this test suite; CI (.ci/run) runs exactly it',
      check: () => expect(pkg.scripts.test).toMatch(/lint.*typecheck.*vitest run/),
    },
  ],
  [
    /^XIANG_DATA_DIR=\.data\/start\/platform npx xiang diagnose /,
    {
      kind: 'run',
      timeoutMs: 600_000,
      check: async (out, ctx) => {
        expect(out).toMatch(/a platform serves .* running there/); // beside npm start, through its API
        expect(await readFile(path.join(ctx.tmp, 'report.html'), 'utf8')).toMatch(/节能诊断/);
      },
    },
  ],
  [
    /^XIANG_DATA_DIR=\.data\/start\/platform npx xiang grade /,
    {
      kind: 'run',
      timeoutMs: 600_000,
      check: async (out, ctx) => {
        expect(out).toMatch(/cmmm-2020 .*: level \d/);
        expect(await readFile(path.join(ctx.tmp, 'grade.html'), 'utf8')).toMatch(/hn-gearbox|智能制造/);
      },
    },
  ],
  [
    /^XIANG_DATA_DIR=\.data\/start\/platform npx xiang token admin$/,
    { kind: 'run', check: (out) => expect(out.trim().split('\n').at(-1)).toBe(startToken) },
  ],
  [
    /^npx xiang-sim opcua /,
    {
      kind: 'service',
      ready: (_p, ctx) =>
        waitFor(() => portFree(ctx.opcuaPort).then((f) => !f), 'OPC UA simulator port', 180_000, 200),
    },
  ],
  [
    /^npx xiang-sim mqtt /,
    {
      kind: 'service',
      ready: (p) => waitForOutput(p, /mqtt device simulator|running/i, 'device simulator running', 180_000),
    },
  ],
  [
    /^npx xiang-edge browse /,
    {
      kind: 'run',
      check: async (_o, ctx) =>
        expect(await readFile(path.join(ctx.tmp, 'agent.yaml'), 'utf8')).toMatch(/nodeId:/),
    },
  ],
  [/^npx xiang-edge check /, { kind: 'run', check: (out) => expect(out).toMatch(/valid/) }],
  [
    /^npx xiang-edge run /,
    { kind: 'service', ready: (p) => waitForOutput(p, /xiang-edge running/, 'agent running', 180_000) },
  ],
  [
    /^npx xiang serve$/,
    {
      kind: 'service',
      env: (ctx) => ({
        XIANG_DATA_DIR: path.join(ctx.tmp, 'serve'),
        XIANG_HTTP_PORT: String(ctx.servePort),
        XIANG_MQTT_URL: ctx.mqttUrl,
      }),
      ready: async (p, ctx) => {
        await waitForOutput(p, /platform started/, 'xiang serve started', 180_000);
        await waitFor(
          async () => (await fetch(`http://127.0.0.1:${ctx.servePort}/readyz`)).ok,
          'xiang serve ready (store and broker)',
          60_000,
        );
      },
    },
  ],
  [
    /^npx xiang factory create tiny /,
    {
      kind: 'run',
      env: (ctx) => ({ XIANG_DATA_DIR: path.join(ctx.tmp, 'serve') }), // the directory `xiang serve` runs on
      check: (out) => expect(out).toMatch(/tiny/),
    },
  ],
  [
    /^npm run soak -- --minutes 30$/,
    {
      kind: 'run',
      timeoutMs: 900_000,
      // The same command on one seed and one store/broker pair, bounded to a few minutes (the 30-minute run is
      // the operator's; CI also runs pinned schedules in tests/soak/fault-schedules.int.test.ts).
      map: (c) => c.replace('--minutes 30', '--minutes 3 --seeds 1 --store embedded --broker mosquitto'),
      check: (out) => expect(out).toMatch(/\[soak\] done in/),
    },
  ],
  [/^npm run lint$/, { kind: 'run', timeoutMs: 300_000 }],
  [/^npm run typecheck$/, { kind: 'run', timeoutMs: 300_000 }],
  [
    /^npm run test:fast$/,
    {
      kind: 'elsewhere',
      why: 'the suite itself (npm test runs it after lint and type-check)',
      check: () => expect(pkg.scripts['test:fast']).toBe('vitest run'),
    },
  ],
  [
    /^npx vitest run --project (unit|'integration\*')$/,
    {
      kind: 'elsewhere',
      why: 'the suite itself',
      check: () =>
        expect(vitestConfig).toMatch(
          /name: 'unit'[\s\S]*name: 'integration'[\s\S]*name: 'integration-alone'/,
        ),
    },
  ],
  [
    /^npm run bench$/,
    {
      kind: 'elsewhere',
      why: 'rewrites BENCHMARKS.md and takes tens of minutes',
      check: () => expect(pkg.scripts.bench).toBe('tsx bench/run.ts'),
    },
  ],
];

/** The commands of README.md's fenced sh blocks, in order: comments stripped, one per line. */
function readmeCommands(): string[] {
  const md = readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const out: string[] = [];
  for (const m of md.matchAll(/```(sh|bash|shell)\n([\s\S]*?)```/g)) {
    for (const line of (m[2] as string).split('\n')) {
      const cmd = line.replace(/\s+#.*$/, '').trim();
      if (cmd && !cmd.startsWith('#')) out.push(cmd);
    }
  }
  return out;
}

/** The README's host setup, mapped to this test's free ports and temp dirs. */
async function mapped(cmd: string, ctx: Ctx): Promise<string> {
  const mqttHostPort = new URL(ctx.mqttUrl).host;
  const sub = (s: string) =>
    s
      .replaceAll('127.0.0.1:4840', `127.0.0.1:${ctx.opcuaPort}`)
      .replaceAll('--port 4840', `--port ${ctx.opcuaPort}`)
      .replaceAll('127.0.0.1:1883', mqttHostPort)
      .replaceAll('.data/start', ctx.startDir);
  let c = sub(cmd).replace(
    /(--out|--json) (\S+)/g,
    (_m, flag: string, f: string) => `${flag} ${path.join(ctx.tmp, f)}`,
  );
  if (c === 'npm start') c = `npm start -- --http-port ${ctx.httpPort} --data-dir ${ctx.startDir}`;
  const config = /--config (\S+\.yaml)/.exec(c)?.[1];
  if (config && !config.startsWith(ctx.tmp)) {
    const copy = path.join(ctx.tmp, path.basename(config));
    const text = sub(await readFile(path.join(REPO, config), 'utf8')).replace(
      /^dataDir: .*$/m,
      `dataDir: ${path.join(ctx.tmp, 'agent-data')}`,
    );
    await writeFile(copy, text);
    c = c.replace(config, copy);
  }
  return c;
}

let ctx: Ctx;
let mosquitto: Service | null = null;
const services: { cmd: string; p: Launched }[] = [];
afterAll(async () => {
  // After a failure: take down whatever is still running, descendants first.
  for (const s of services) for (const pid of [...descendants(s.p.pid), s.p.pid]) kill(pid);
  await mosquitto?.dispose();
  if (ctx) await rm(ctx.tmp, { recursive: true, force: true });
});

describe('README.md runs as written', () => {
  it('every fenced command has a plan, and every plan a README command', () => {
    const cmds = readmeCommands();
    const unplanned = cmds.filter((c) => !PLANS.some(([re]) => re.test(c)));
    expect(unplanned, 'README commands this test does not know how to run').toEqual([]);
    const stale = PLANS.filter(([re]) => !cmds.some((c) => re.test(c))).map(([re]) => String(re));
    expect(stale, 'plans whose command is no longer in README.md').toEqual([]);
  });

  it('runs every command against a started stack', { timeout: 3_600_000 }, async () => {
    mosquitto = await startMosquitto();
    if (!mosquitto) return; // loud skip (fails on CI) from the harness
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'xiang-readme-'));
    ctx = {
      tmp,
      startDir: path.join(tmp, 'start'),
      mqttUrl: mosquitto.url,
      opcuaPort: await freePort(),
      httpPort: await freePort(),
      servePort: await freePort(),
    };
    const t0 = Date.now();
    const note = (s: string) => console.log(`[readme ${((Date.now() - t0) / 1000).toFixed(0)} s] ${s}`);
    for (const cmd of readmeCommands()) {
      const plan = (PLANS.find(([re]) => re.test(cmd)) as [RegExp, Plan])[1];
      if (plan.kind === 'elsewhere') {
        note(`${cmd}: not run here (${plan.why})`);
        plan.check();
        continue;
      }
      const shell = await mapped(plan.kind === 'run' && plan.map ? plan.map(cmd) : cmd, ctx);
      note(`${plan.kind}: ${shell}`);
      const p = launch('bash', ['-c', shell], plan.env?.(ctx) ?? {});
      if (plan.kind === 'service') {
        services.push({ cmd, p });
        await plan.ready(p, ctx);
        continue;
      }
      const code = await Promise.race([
        p.exited,
        new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), plan.timeoutMs ?? 180_000)),
      ]);
      if (code === 'timeout') await p.signal('SIGTERM');
      expect(code, `${cmd}\n--- output ---\n${p.output().slice(-4000)}`).toBe(0);
      await plan.check?.(p.output(), ctx);
    }
    // Long-running ones last in, first out; each stops on SIGTERM to its pid with nothing left behind.
    for (const { cmd, p } of services.reverse()) {
      note(`stop: ${cmd}`);
      const { left } = await p.signal('SIGTERM');
      expect(left, `left behind by ${cmd}`).toEqual([]);
    }
    for (const port of [ctx.opcuaPort, ctx.httpPort, ctx.servePort]) expect(await portFree(port)).toBe(true);
  });
});
