import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ADMIN_TOKEN_FILE } from '../auth/tokens.js';
import type { PlatformConfig } from '../config/schema.js';
import { cliAccess } from './data-dir-lock.js';
import { type FactoryData, stepPrinter, withFactoryData } from './factory-data.js';
import { postJson, type RemoteTls, UntrustedPlatformError } from './remote.js';
import { type CliIo, EXIT } from './types.js';

/** A file a data command produces; the CLI process writes it (relative paths are relative to its cwd). */
export type OutputFile = { path: string; content: string };
export type DataCommandResult = { code: number; files: OutputFile[] };

/**
 * The part of `xiang diagnose` / `xiang grade` that reads and writes the platform's data. It runs in exactly
 * one process per data directory: the CLI itself under the data-directory lock, or — when a platform serves the
 * directory — inside that platform, called through `POST /api/v1/cli/{command}` (data-dir-lock.ts says why).
 * It reads no file and writes none: inputs travel in `args` (JSON), outputs come back as `files`.
 */
export type DataCommand<A> = {
  name: string;
  execute(args: A, data: FactoryData, io: CliIo): Promise<DataCommandResult>;
};

export const CLI_API_PATH = '/api/v1/cli';

/** What to tell someone whose data directory holds no platform data (no database yet). */
export function noDataHint(command: string, dataDir: string): string {
  return (
    `xiang ${command}: no platform data in ${dataDir} (no platform.db). Point the CLI at a data directory with ` +
    'XIANG_DATA_DIR=<dir> or --config <platform.yaml> (dataDir); `npm start` keeps its data in .data/start/platform, ' +
    `e.g. XIANG_DATA_DIR=.data/start/platform npx xiang ${command} …`
  );
}

function writeOutputs(files: OutputFile[]): void {
  for (const f of files) {
    mkdirSync(path.dirname(path.resolve(f.path)), { recursive: true });
    writeFileSync(f.path, f.content);
  }
}

/** Runs a data command against the configured data directory: through its serving platform, or locked. */
export async function runDataCommand<A>(
  cmd: DataCommand<A>,
  config: PlatformConfig,
  factoryId: string,
  args: A,
  io: CliIo,
  tls: RemoteTls = {},
): Promise<number> {
  if (!existsSync(path.join(config.dataDir, 'platform.db'))) {
    io.err(noDataHint(cmd.name, config.dataDir));
    return EXIT.failed;
  }
  const step = stepPrinter(io, Date.now());
  const access = await cliAccess(config.dataDir, cmd.name, step);
  if (access.kind === 'server') {
    step(
      `a platform serves ${config.dataDir} (pid ${access.server.pid}): running there, through ${access.server.url}`,
    );
    return runRemote(cmd.name, access.server.url, adminToken(config), factoryId, args, io, tls);
  }
  step(`locked ${config.dataDir} for this command (no platform is serving it; one started now waits)`);
  try {
    return await withFactoryData(cmd.name, config, factoryId, io, async (data) => {
      const r = await cmd.execute(args, data, io);
      writeOutputs(r.files);
      return r.code;
    });
  } finally {
    access.release();
  }
}

function adminToken(config: PlatformConfig): string | null {
  if (config.adminToken) return config.adminToken;
  const file = path.join(config.dataDir, ADMIN_TOKEN_FILE);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
}

/** One line of the NDJSON answer of `POST /api/v1/cli/{command}`. */
export type RemoteLine = { err: string } | { out: string } | { file: OutputFile } | { exit: number };

async function runRemote(
  name: string,
  url: string,
  token: string | null,
  factoryId: string,
  args: unknown,
  io: CliIo,
  tls: RemoteTls,
): Promise<number> {
  if (!token) {
    io.err(
      `xiang ${name}: the serving platform needs an admin token: set XIANG_ADMIN_TOKEN (no ${ADMIN_TOKEN_FILE} file)`,
    );
    return EXIT.failed;
  }
  let res: Awaited<ReturnType<typeof postJson>>;
  try {
    res = await postJson(
      `${url}${CLI_API_PATH}/${name}`,
      { authorization: `Bearer ${token}` },
      { factoryId, args },
      tls,
    );
  } catch (e) {
    if (!(e instanceof UntrustedPlatformError)) throw e;
    io.err(`xiang ${name}: ${e.message}`);
    return EXIT.failed;
  }
  if (res.status < 200 || res.status >= 300) {
    const text = await res.text();
    const p = ((): { detail?: string } => {
      try {
        return JSON.parse(text) as { detail?: string };
      } catch {
        return {};
      }
    })();
    io.err(`xiang ${name}: the serving platform answered ${res.status}: ${p.detail ?? text.slice(0, 200)}`);
    return EXIT.failed;
  }
  let code: number = EXIT.failed;
  let rest = '';
  const files: OutputFile[] = [];
  const handle = (line: string) => {
    if (!line.trim()) return;
    const m = JSON.parse(line) as RemoteLine;
    if ('err' in m) io.err(m.err);
    else if ('out' in m) io.out(m.out);
    else if ('file' in m) files.push(m.file);
    else code = m.exit;
  };
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    rest += decoder.decode(chunk as Uint8Array, { stream: true });
    const lines = rest.split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) handle(l);
  }
  handle(rest);
  writeOutputs(files);
  return code;
}
