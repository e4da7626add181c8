/**
 * `npx xiang-edge …` runs as npm → `sh -c xiang-edge …` → node. A SIGTERM to npm is forwarded to the shell,
 * which dies without passing it on, and node is left running (holding its ports) under init. So a CLI started
 * by npm watches its parent: once it is gone (the process was re-parented), the CLI gets the SIGTERM it
 * should have got and stops as it would on Ctrl-C. Started any other way (systemd, a shell, nohup) nothing
 * is watched: there the parent's death is not a request to stop.
 */
export function exitWithParent(opts: { intervalMs?: number; env?: NodeJS.ProcessEnv } = {}): () => void {
  const env = opts.env ?? process.env;
  const viaNpm = env.npm_command !== undefined || env.npm_lifecycle_event !== undefined;
  if (!viaNpm) return () => {};
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    process.kill(process.pid, 'SIGTERM');
  }, opts.intervalMs ?? 500);
  timer.unref();
  return () => clearInterval(timer);
}
