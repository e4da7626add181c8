import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';

/**
 * One writer per data directory. The time-series store and the registry are SQLite files that only one
 * process may write at a time without `database is locked` (a long merge or rollup refresh of one process
 * makes the other's write transaction fail at once in WAL mode). So:
 *  - a serving platform (`xiang serve`, `npm start`) announces itself in <dataDir>/run/server-<pid>.json
 *    (with its API URL once it listens); the CLI then does its work through that server's API;
 *  - a CLI command with no server running takes <dataDir>/run/cli.lock for its duration and says so; a
 *    server that starts meanwhile waits for it (several servers may share a directory: shared-subscription
 *    scale-out, each its own entry).
 * Each side announces itself before it looks for the other, so at least one of two racing processes sees the
 * other. A file whose pid is no longer alive is stale and ignored (then removed).
 */
export const RUN_DIR = 'run';
const CLI_LOCK = 'cli.lock';

export type ServerEntry = { pid: number; url: string | null; startedAtMs: number; file: string };
export type CliLockEntry = { pid: number; command: string; startedAtMs: number };

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null; // being written, or removed meanwhile
  }
}

function writeExclusive(file: string, body: unknown): boolean {
  mkdirSync(path.dirname(file), { recursive: true });
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, `${JSON.stringify(body)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Platforms serving this data directory now (stale entries are removed). */
export function liveServers(dataDir: string): ServerEntry[] {
  const dir = path.join(dataDir, RUN_DIR);
  if (!existsSync(dir)) return [];
  const out: ServerEntry[] = [];
  for (const name of readdirSync(dir)) {
    if (!/^server-\d+\.json$/.test(name)) continue;
    const file = path.join(dir, name);
    const e = readJson<Omit<ServerEntry, 'file'>>(file);
    if (e && alive(e.pid)) out.push({ ...e, file });
    else if (e) rmSync(file, { force: true });
  }
  return out;
}

/** The CLI command holding the data directory, if one does (a stale lock is removed). */
export function cliLockHolder(dataDir: string): CliLockEntry | null {
  const file = path.join(dataDir, RUN_DIR, CLI_LOCK);
  const e = readJson<CliLockEntry>(file);
  if (!e) return null;
  if (alive(e.pid) && e.pid !== process.pid) return e;
  if (e.pid !== process.pid) rmSync(file, { force: true });
  return null;
}

export type ServerLease = { publish(url: string): void; release(): void };

/**
 * Announces a starting server, then waits while a CLI command holds the directory (bounded; progress through
 * `say`). Call before the platform opens its files; `publish` the URL once it listens; `release` at stop.
 */
export async function announceServer(
  dataDir: string,
  say: (line: string) => void,
  opts: { timeoutMs?: number; pollMs?: number } = {},
): Promise<ServerLease> {
  const file = path.join(dataDir, RUN_DIR, `server-${process.pid}.json`);
  const startedAtMs = Date.now();
  rmSync(file, { force: true });
  writeExclusive(file, { pid: process.pid, url: null, startedAtMs });
  const lease: ServerLease = {
    publish: (url) => {
      rmSync(file, { force: true });
      writeExclusive(file, { pid: process.pid, url, startedAtMs });
    },
    release: () => rmSync(file, { force: true }),
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 15 * 60_000);
  let told = false;
  for (let holder = cliLockHolder(dataDir); holder; holder = cliLockHolder(dataDir)) {
    if (!told) {
      say(`waiting for \`xiang ${holder.command}\` (pid ${holder.pid}) to finish with ${dataDir}…`);
      told = true;
    }
    if (Date.now() > deadline) {
      lease.release();
      throw new Error(
        `${dataDir} is still held by \`xiang ${holder.command}\` (pid ${holder.pid}); stop it and start again`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
  }
  return lease;
}

export type CliAccess =
  | { kind: 'server'; server: ServerEntry & { url: string } }
  | { kind: 'locked'; release: () => void };

/**
 * How a CLI command may touch the data directory: through a serving platform's API, or under the CLI lock.
 * Waits briefly for a server that announced itself but does not listen yet, and for another CLI command.
 */
export async function cliAccess(
  dataDir: string,
  command: string,
  say: (line: string) => void,
  opts: { timeoutMs?: number; pollMs?: number } = {},
): Promise<CliAccess> {
  const lockFile = path.join(dataDir, RUN_DIR, CLI_LOCK);
  const deadline = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
  const pause = () => new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
  let told = '';
  const tell = (line: string) => {
    if (told !== line) say(line);
    told = line;
  };
  for (;;) {
    const locked = writeExclusive(lockFile, { pid: process.pid, command, startedAtMs: Date.now() });
    const servers = liveServers(dataDir);
    if (servers.length > 0) {
      if (locked) rmSync(lockFile, { force: true });
      const ready = servers.find((s): s is ServerEntry & { url: string } => s.url !== null);
      if (ready) return { kind: 'server', server: ready };
      tell(`waiting for the platform starting on ${dataDir} (pid ${servers[0]?.pid}) to listen…`);
    } else if (locked) {
      return { kind: 'locked', release: () => rmSync(lockFile, { force: true }) };
    } else {
      const holder = cliLockHolder(dataDir);
      if (holder)
        tell(`waiting for \`xiang ${holder.command}\` (pid ${holder.pid}) to finish with ${dataDir}…`);
    }
    if (Date.now() > deadline) throw new Error(`${dataDir} stayed busy; try again later`);
    await pause();
  }
}
