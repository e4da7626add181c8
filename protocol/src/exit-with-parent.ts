import { readFileSync } from 'node:fs';

/**
 * `npx xiang-edge …` runs as npm → `sh -c xiang-edge …` → node. A SIGTERM to npm is forwarded to the shell,
 * which dies without passing it on, and node is left running (holding its ports) under init; a SIGKILL to npm
 * leaves the shell too. So a CLI started by npm watches its parent — and, when that parent is npm's shell, the
 * shell's parent: once either is gone (re-parented), the CLI sends itself the SIGTERM it should have got and
 * stops as it would on Ctrl-C. Started any other way (systemd, a shell, nohup) nothing is watched: there the
 * parent's death is not a request to stop.
 */
function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null; // gone, or no /proc (not Linux)
  }
}

function isShell(pid: number): boolean {
  try {
    return /^(sh|dash|bash)$/.test(readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
  } catch {
    return false;
  }
}

export function exitWithParent(opts: { intervalMs?: number; env?: NodeJS.ProcessEnv } = {}): () => void {
  const env = opts.env ?? process.env;
  const viaNpm = env.npm_command !== undefined || env.npm_lifecycle_event !== undefined;
  if (!viaNpm) return () => {};
  const parent = process.ppid;
  const grandparent = isShell(parent) ? parentOf(parent) : null;
  const timer = setInterval(() => {
    const orphaned = process.ppid !== parent || (grandparent !== null && parentOf(parent) !== grandparent);
    if (!orphaned) return;
    clearInterval(timer);
    process.kill(process.pid, 'SIGTERM');
  }, opts.intervalMs ?? 500);
  timer.unref();
  return () => clearInterval(timer);
}
