import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { modbusSourceSchema } from '../../edge-agent/src/sources/modbus/index.js';
import { socatAvailable } from '../../simulators/src/modbus/index.js';
import { type Launched, launch, REPO, waitForOutput } from '../e2e/processes.js';
import { freePort } from '../harness/ports.js';

/**
 * simulators/README.md "Field buses" → "Modbus slaves" is executable: every command of its fenced `sh` block is
 * run here, in order, as written (`npx X` as node_modules/.bin/X) — the simulators started and probed for readiness, the scans run to
 * completion and their answers checked — with the README's ports and paths mapped to free ports and a temp dir.
 * The simulators are stopped by pid at the end, and nothing may be left behind (socat of `--pty` included).
 */
const README = readFileSync(path.join(REPO, 'simulators/README.md'), 'utf8');

function commands(): string[] {
  const at = README.indexOf('### Modbus slaves');
  const block = /```sh\n([\s\S]*?)```/.exec(README.slice(at));
  if (at < 0 || !block) throw new Error('simulators/README.md: no sh block under "### Modbus slaves"');
  return block[1]!
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
}

/** `npx <bin> …` as npx runs it from the repository: node_modules/.bin/<bin> (without npx's own start-up). */
function npx(args: string[]): Launched {
  return launch(process.execPath, [path.join(REPO, 'node_modules/.bin', args[1]!), ...args.slice(2)]);
}

describe('simulators/README.md: Modbus slaves, as written', () => {
  const started: Launched[] = [];
  let tmp = '';
  afterAll(async () => {
    for (const p of started) if (p.child.exitCode === null) await p.signal('SIGKILL').catch(() => {});
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('every command runs: simulators listen, scans find units 1 and 2, the dead and absent units do not answer', async () => {
    if (!socatAvailable()) {
      if (process.env.CI) throw new Error('socat is required on CI');
      console.warn('SKIP: socat not installed');
      return;
    }
    tmp = await mkdtemp(path.join(os.tmpdir(), 'xiang-modbus-readme-'));
    const map: Record<string, string> = {
      '5020': String(await freePort()),
      '5021': String(await freePort()),
      '/tmp/xiang-rs485': path.join(tmp, 'rs485'),
      'modbus-gateway.yaml': path.join(tmp, 'modbus-gateway.yaml'),
    };
    const cmds = commands();
    const sims: Array<{ endpoints: string[]; dead: string[] }> = [];
    expect(cmds.length).toBeGreaterThanOrEqual(4);
    for (const text of cmds) {
      const args = text.split(/\s+/).map((a) => map[a] ?? a);
      expect(args[0], text).toBe('npx');
      if (args[1] === 'xiang-sim') {
        const p = npx(args);
        started.push(p);
        const after = (flag: string) => (args.includes(flag) ? [args[args.indexOf(flag) + 1]!] : []);
        sims.push({
          endpoints: ['--tcp-port', '--gateway-port', '--pty'].flatMap(after),
          dead: args.flatMap((a, i) => (args[i - 1] === '--dead-unit' ? [a] : [])),
        });
        await waitForOutput(p, /modbus simulator listening/, `${text}: listening`, 60_000);
        if (args.includes('--pty')) await waitForOutput(p, /open the agent end/, `${text}: pty`, 10_000);
        continue;
      }
      expect(args[1], text).toBe('xiang-edge');
      const p = npx(args);
      const code = await Promise.race([
        p.exited,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`${text}: not done within 120 s\n${p.output()}`)), 120_000),
        ),
      ]);
      const out = p.output();
      expect(code, `${text}\n${out}`).toBe(0);
      // The simulators' meters: unit 1 SDM630, unit 2 DTSU666, unit 3 ADW300 unless that simulator has it dead,
      // unit 4 absent.
      const sim = sims.find((x) => x.endpoints.some((e) => args.includes(e)));
      expect(sim, `${text}: which simulator does it ask?`).toBeDefined();
      const expected: Record<number, string> = {
        1: 'eastron-sdm630',
        2: 'chint-dtsu666',
        3: sim!.dead.includes('3') ? 'no answer' : 'acrel-adw300',
        4: 'no answer',
      };
      const range = /--unit 1\.\.(\d)/.exec(args.join(' '));
      expect(range, text).not.toBeNull();
      for (let u = 1; u <= Number(range![1]); u++)
        expect(out, text).toMatch(new RegExp(`^unit ${u}: ${expected[u]}$`, 'm'));
      const outFile = args[args.indexOf('--out') + 1];
      if (args.includes('--out') && outFile) {
        const skeleton = parse(await readFile(outFile, 'utf8')) as { sources: unknown[] };
        const src = modbusSourceSchema.parse(skeleton.sources[0]);
        expect(src.devices.map((d) => [d.unit, d.model])).toEqual([
          [1, 'eastron-sdm630'],
          [2, 'chint-dtsu666'],
        ]);
      }
    }
    // Stopped by pid: exit 0, nothing left behind, the pty link gone with its socat.
    for (const p of started.splice(0)) {
      const r = await p.signal('SIGTERM');
      expect(r.left, 'processes left behind').toEqual([]);
    }
    expect(existsSync(map['/tmp/xiang-rs485']!)).toBe(false);
  }, 300_000);
});
