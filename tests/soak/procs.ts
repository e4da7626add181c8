import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { track } from '../harness/process.js';

/** Repository root (tests/soak → ../..). */
export const ROOT = path.resolve(import.meta.dirname, '../..');

export const BIN = {
  platform: path.join(ROOT, 'platform/bin/xiang.js'),
  agent: path.join(ROOT, 'edge-agent/bin/xiang-edge.js'),
  sim: path.join(ROOT, 'simulators/bin/xiang-sim.js'),
  /** aedes + platform in one process, wired like `npm start` (tests/soak/embedded-stack.ts). */
  embedded: path.join(ROOT, 'tests/soak/embedded-stack.ts'),
};

const TSX_LOADER = path.join(ROOT, 'node_modules/tsx/dist/esm/index.mjs');

/**
 * One child process of the soak world (a bin entry point run by node itself, so its pid is the real
 * process: SIGKILL is a real crash, SIGSTOP a real freeze). Keeps the last 64 KiB of output, resolves
 * `ready` when a line matches, and is killed with the test worker if that exits abruptly.
 */
export class Proc {
  readonly child: ChildProcess;
  private out = '';
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private lineWaiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];

  constructor(
    readonly name: string,
    script: string,
    args: string[],
    env: NodeJS.ProcessEnv = {},
  ) {
    const execArgs = script.endsWith('.ts') ? ['--import', TSX_LOADER, script, ...args] : [script, ...args];
    this.child = spawn(process.execPath, execArgs, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    track(this.child);
    const onData = (b: Buffer) => {
      this.out = (this.out + b.toString()).slice(-65_536);
      if (this.lineWaiters.length === 0) return;
      this.lineWaiters = this.lineWaiters.filter((w) => {
        const m = this.out.match(w.re);
        if (m) w.resolve(m);
        return !m;
      });
    };
    this.child.stdout?.on('data', onData);
    this.child.stderr?.on('data', onData);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return this.out;
  }

  /** Resolves with the first match of `re` in the output so far or to come; rejects on exit or timeout. */
  async waitFor(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const now = this.out.match(re);
    if (now) return now;
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${this.name}: no /${re.source}/ within ${timeoutMs} ms\n${this.out.slice(-3000)}`));
      }, timeoutMs);
      const w = {
        re,
        resolve: (m: RegExpMatchArray) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      this.lineWaiters.push(w);
      void this.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(
          new Error(
            `${this.name} exited (${code ?? signal}) before /${re.source}/\n${this.out.slice(-3000)}`,
          ),
        );
      });
    });
  }

  /** Sends a signal to this process only (by its pid). */
  signal(sig: NodeJS.Signals): void {
    if (this.alive) this.child.kill(sig);
  }

  /** kill -9 and wait for the exit. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGCONT'); // a stopped process still dies on SIGKILL, but resume first for clarity
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (graceful stop), then SIGKILL after graceMs. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGCONT');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
