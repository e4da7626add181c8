import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../harness/ports.js';
import { track } from '../harness/process.js';

/**
 * Processes as a user starts them (`npm start`, `npx xiang-edge …`), found and checked through /proc —
 * never by name: several engineers run the same binaries on this machine.
 */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Every live descendant of `pid` (children, grandchildren, …), read from /proc/<pid>/stat. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid …" — comm may contain spaces and parentheses: split after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
  }
  const out: number[] = [];
  const todo = [pid];
  while (todo.length > 0) {
    for (const c of children.get(todo.pop() as number) ?? []) {
      out.push(c);
      todo.push(c);
    }
  }
  return out;
}

export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'; // a zombie has exited
  } catch {
    return false;
  }
}

/** SIGKILL, for clean-up after a failed test (a process already gone is fine). */
export function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** "pid: command line" of a live process (for a failure message). */
export function describeProcess(pid: number): string {
  try {
    return `${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()}`;
  } catch {
    return `${pid}: (gone)`;
  }
}

export async function portFree(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    sock.once('connect', () => {
      sock.destroy();
      resolve(false);
    });
    sock.once('error', () => resolve(true));
  });
}

export type Launched = {
  child: ChildProcess;
  pid: number;
  output: () => string;
  exited: Promise<number | null>;
  /** Sends `signal` to the top process only; resolves with its exit code and the descendants left alive. */
  signal(sig: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; left: string[] }>;
};

/** Spawns a command the way a user types it (cwd = the repository), output kept for assertions. */
export function launch(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Launched {
  const child = spawn(cmd, args, {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let out = '';
  child.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pid = child.pid as number;
  return {
    child,
    pid,
    output: () => out,
    exited,
    async signal(sig, timeoutMs = 45_000) {
      const before = descendants(pid);
      process.kill(pid, sig);
      const code = await Promise.race([
        exited,
        new Promise<null>((_, reject) =>
          setTimeout(
            () => reject(new Error(`${cmd} did not exit within ${timeoutMs} ms of ${sig}`)),
            timeoutMs,
          ),
        ),
      ]);
      // Orphans may take a moment to notice (they poll their parent); bounded wait, then report who is left.
      await waitFor(() => before.every((p) => !alive(p)), 'no descendant left', 30_000, 100).catch(() => {});
      return { code, left: before.filter(alive).map(describeProcess) };
    },
  };
}

/** Waits until the output matches `re` (or the process exits first: then throws with its output). */
export async function waitForOutput(
  p: Launched,
  re: RegExp,
  what: string,
  timeoutMs = 240_000,
): Promise<RegExpMatchArray> {
  let exitedWith: number | null | undefined;
  void p.exited.then((c) => {
    exitedWith = c;
  });
  const m = await waitFor(
    () => {
      if (exitedWith !== undefined) throw new Error(`exited with ${exitedWith}:\n${p.output().slice(-3000)}`);
      return re.exec(p.output());
    },
    what,
    timeoutMs,
    100,
  ).catch((e: Error) => {
    throw new Error(`${e.message}\n--- output ---\n${p.output().slice(-3000)}`);
  });
  return m;
}
