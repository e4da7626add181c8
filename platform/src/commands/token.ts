import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ADMIN_TOKEN_FILE, TokenStore } from '../auth/tokens.js';
import { ConfigError, loadConfig } from '../config/load.js';
import { openPlatformDb } from '../registry/db.js';
import { noDataHint } from './data-command.js';
import { type CliCommand, EXIT, oneLine } from './types.js';

const USAGE = 'xiang token admin [--reset] [--config platform.yaml]';

const TOKEN_HELP = `${USAGE}

管理员令牌：再次显示平台生成的管理员令牌，或作废并重新生成。
Prints the generated admin token of a data directory again (the database keeps only its SHA-256; the
operator's copy is <dataDir>/${ADMIN_TOKEN_FILE}, mode 0600). --reset replaces it: the old token stops working
at once, also on a running platform, and the new one is printed and kept. A token configured with
XIANG_ADMIN_TOKEN is the operator's own and is not shown.

Examples:
  XIANG_DATA_DIR=.data/start/platform npx xiang token admin
  XIANG_DATA_DIR=.data/start/platform npx xiang token admin --reset
  npx xiang token admin --config platform.yaml`;

/** `xiang token admin [--reset]`: the admin token of a data directory, again or anew. */
export const tokenCommand: CliCommand = {
  name: 'token',
  summary: '管理员令牌（显示或重置） · Show or reset the admin token',
  usage: USAGE,
  help: TOKEN_HELP,
  async run(argv, io) {
    let values: { reset?: boolean; config?: string };
    try {
      const r = parseArgs({
        args: argv,
        options: { reset: { type: 'boolean' }, config: { type: 'string', short: 'c' } },
        strict: true,
        allowPositionals: true,
      });
      if (r.positionals.length !== 1 || r.positionals[0] !== 'admin')
        throw new Error(`expected "admin", got "${r.positionals.join(' ')}"`);
      values = r.values;
    } catch (e) {
      io.err(`xiang token: ${oneLine(e)}\nusage: ${USAGE}`);
      return EXIT.usage;
    }
    let dataDir: string;
    try {
      dataDir = loadConfig({ file: values.config }).dataDir;
    } catch (e) {
      io.err(e instanceof ConfigError ? e.message : `xiang token: ${oneLine(e)}`);
      return EXIT.usage;
    }
    if (!existsSync(path.join(dataDir, 'platform.db'))) {
      io.err(noDataHint('token admin', dataDir));
      return EXIT.failed;
    }
    const file = path.join(dataDir, ADMIN_TOKEN_FILE);
    const db = openPlatformDb(path.join(dataDir, 'platform.db'));
    try {
      const tokens = new TokenStore(db);
      if (values.reset) {
        io.out(tokens.resetAdmin(file, Date.now(), 'xiang token admin --reset'));
        io.err(`new admin token kept in ${file}; the previous one no longer works`);
        return EXIT.ok;
      }
      const kept = tokens.keptAdminToken(file);
      if (kept) {
        io.out(kept);
        return EXIT.ok;
      }
      io.err(
        `xiang token: no valid generated admin token in ${file} ` +
          `(never generated, configured with XIANG_ADMIN_TOKEN, or replaced); \`${USAGE.replace(' [--reset]', ' --reset')}\` makes a new one`,
      );
      return EXIT.failed;
    } finally {
      db.close();
    }
  },
};
