import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** Looks for an executable on PATH and in the sbin folders Debian installs daemons into. */
export function findBinary(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = path.join(d, name);
    if (existsSync(p)) return p;
  }
  return null;
}

export type Daemon = { child: ChildProcess; output: () => string; stop: () => Promise<void> };

/** Spawns a daemon, keeps the last 64 KiB of its output for error messages, and stops it with SIGTERM→SIGKILL. */
export function spawnDaemon(
  bin: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  as?: { uid: number; gid: number },
): Daemon {
  const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'], ...(as ?? {}) });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-65_536);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// Never leave daemons behind when a test worker exits abruptly.
const live = new Set<ChildProcess>();
export function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
}
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});
