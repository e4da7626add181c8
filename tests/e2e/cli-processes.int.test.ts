import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { freePort, waitFor } from '../harness/ports.js';
import { descendants, kill, type Launched, launch, portFree, waitForOutput } from './processes.js';

/**
 * Issue 11 item 6 for the CLIs as a user runs them through npx: every CLI and subcommand answers --help with
 * examples (exit 0); an unknown option is one line plus the usage (exit 2), never a stack trace; and a SIGTERM
 * to `npx xiang-edge run` / `npx xiang-sim opcua` (npm → sh → node) leaves no node child and no open port.
 */
let dir: string;
const running: Launched[] = [];
afterAll(async () => {
  for (const p of running) for (const pid of [...descendants(p.pid), p.pid]) kill(pid);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** `npx xiang …` runs node_modules/.bin/xiang: the same bin, without npm's start-up (seconds on a busy machine). */
const BIN: Record<string, string> = {
  xiang: 'platform/bin/xiang.js',
  'xiang-edge': 'edge-agent/bin/xiang-edge.js',
  'xiang-sim': 'simulators/bin/xiang-sim.js',
};
async function run(cmd: string, args: string[]): Promise<{ code: number | null; out: string }> {
  const [file, rest] =
    cmd === 'npx' && BIN[args[0] as string]
      ? [process.execPath, [BIN[args[0] as string] as string, ...args.slice(1)]]
      : [cmd, args];
  const p = launch(file, rest, { XIANG_DATA_DIR: path.join(os.tmpdir(), 'xiang-no-such-data-dir') });
  running.push(p);
  const code = await p.exited;
  return { code, out: p.output() };
}

/** Runs `jobs` three at a time (the machine has two cores, shared). */
async function pool<T>(jobs: (() => Promise<T>)[], width = 3): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await (jobs[i] as () => Promise<T>)();
      }
    }),
  );
  return out;
}

const HELP: [string, string[]][] = [
  ['npx', ['xiang', '--help']],
  ['npx', ['xiang', 'serve', '--help']],
  ['npx', ['xiang', 'diagnose', '--help']],
  ['npx', ['xiang', 'grade', '--help']],
  ['npx', ['xiang', 'token', '--help']],
  ['npx', ['xiang-edge', '--help']],
  ['npx', ['xiang-edge', 'run', '--help']],
  ['npx', ['xiang-edge', 'check', '--help']],
  ['npx', ['xiang-edge', 'browse', '--help']],
  ['npx', ['xiang-sim', '--help']],
  ['npx', ['xiang-sim', 'opcua', '--help']],
  ['npx', ['xiang-sim', 'mqtt', '--help']],
  ['npx', ['xiang-sim', 'backfill', '--help']],
  ['npx', ['xiang-sim', 'truth', '--help']],
  ['npm', ['start', '--', '--help']],
];

const BAD: [string, string[], RegExp][] = [
  [
    'npx',
    ['xiang', 'diagnose', '--form', '2025-01-01'],
    /^xiang diagnose: Unknown option '--form'\nusage: xiang diagnose /,
  ],
  ['npx', ['xiang', 'grade', '--bogus'], /^xiang grade: Unknown option '--bogus'\nusage: xiang grade /],
  ['npx', ['xiang', 'serve', '--port', '1'], /^xiang serve: Unknown option '--port'\nusage: xiang serve /],
  [
    'npx',
    ['xiang', 'token', 'admin', '--rest'],
    /^xiang token: Unknown option '--rest'\nusage: xiang token /,
  ],
  [
    'npx',
    ['xiang-edge', 'run', '--confg', 'x.yaml'],
    /^xiang-edge run: Unknown option '--confg'\nusage: xiang-edge run /,
  ],
  [
    'npx',
    ['xiang-sim', 'backfill', '--dayz', '3'],
    /^xiang-sim: Unknown option '--dayz'\nusage: xiang-sim backfill /,
  ],
  [
    'npm',
    ['start', '--', '--histroy-days', '3'],
    /npm start: Unknown option '--histroy-days'\nusage: npm start -- /,
  ],
];

describe('help and usage errors of every CLI', () => {
  it('--help of every CLI and subcommand: exit 0, with examples', { timeout: 600_000 }, async () => {
    const results = await pool(
      HELP.map(
        ([cmd, args]) =>
          () =>
            run(cmd, args),
      ),
    );
    HELP.forEach(([cmd, args], i) => {
      expect(results[i]?.code, `${cmd} ${args.join(' ')}`).toBe(0);
      expect(results[i]?.out, `${cmd} ${args.join(' ')}`).toMatch(/Examples:\n {2}\S/);
    });
  });

  it('an unknown option: one line and the usage, exit 2, no stack trace', { timeout: 600_000 }, async () => {
    const results = await pool(
      BAD.map(
        ([cmd, args]) =>
          () =>
            run(cmd, args),
      ),
    );
    BAD.forEach(([cmd, args, want], i) => {
      const r = results[i] as { code: number | null; out: string };
      const text = r.out.replace(/^\n?> .*\n> .*\n\n/, ''); // npm's own "> xiang-iiot@… start" banner
      expect(r.code, `${cmd} ${args.join(' ')}`).toBe(2);
      expect(text, `${cmd} ${args.join(' ')}`).toMatch(want);
      expect(text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
    });
  });

  it('a data command without data says how to point at it, and creates no ./data', async () => {
    const r = await run('npx', [
      'xiang',
      'diagnose',
      '--factory',
      'F1',
      '--from',
      '2025-01-01',
      '--to',
      '2025-01-02',
      '--out',
      'x.html',
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /no platform data in .*xiang-no-such-data-dir.*XIANG_DATA_DIR=\.data\/start\/platform npx xiang diagnose/s,
    );
  });
});

describe('a SIGTERM to npx stops the whole tree', () => {
  it('npx xiang-sim opcua and npx xiang-edge run leave no child and no port', {
    timeout: 600_000,
  }, async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'xiang-npx-'));
    const opcuaPort = await freePort();
    const sim = launch('npx', [
      'xiang-sim',
      'opcua',
      '--scenario',
      'tiny',
      '--port',
      String(opcuaPort),
      '--pki',
      path.join(dir, 'pki'),
    ]);
    running.push(sim);
    await waitFor(() => portFree(opcuaPort).then((free) => !free), 'OPC UA port open', 120_000, 200);

    const healthPort = await freePort();
    const config = path.join(dir, 'agent.yaml');
    await writeFile(
      config,
      YAML.stringify({
        factoryId: 'F1',
        agentId: 'npx-test',
        dataDir: path.join(dir, 'agent'),
        uplink: { url: `mqtt://127.0.0.1:${await freePort()}` }, // no broker: the agent keeps retrying
        health: { port: healthPort },
        devices: [{ id: 'M1', kind: 'meter', assetPath: '' }],
        sources: [
          {
            type: 'opcua',
            name: 'sim',
            endpoint: `opc.tcp://127.0.0.1:${opcuaPort}`,
            nodes: [
              {
                nodeId: 'ns=1;s=M1.activePower',
                deviceId: 'M1',
                key: 'activePower',
                quantity: 'activePower',
                unit: 'kW',
              },
            ],
          },
        ],
      }),
    );
    const agent = launch('npx', ['xiang-edge', 'run', '--config', config]);
    running.push(agent);
    await waitForOutput(agent, /xiang-edge running/, 'agent running', 120_000);
    expect(descendants(agent.pid).length).toBeGreaterThan(0); // npm → sh → node

    for (const [p, port] of [
      [agent, healthPort],
      [sim, opcuaPort],
    ] as const) {
      const { left } = await p.signal('SIGTERM');
      expect(left, 'processes left after SIGTERM to npx').toEqual([]);
      expect(await portFree(port)).toBe(true);
    }
  });
});
