import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { UserIdentityConfig } from './schema.js';

/** Where `xiang-edge browse --user <name>` takes the password from when no --password-file is given. */
export const OPCUA_PASSWORD_ENV = 'XIANG_OPCUA_PASSWORD';

export type CliUser = {
  /** What the browse session logs in with. */
  identity: UserIdentityConfig;
  /** What the config skeleton says: a reference (`${XIANG_OPCUA_PASSWORD}` or `file:<path>`), never the password. */
  inConfig: UserIdentityConfig;
};

export type PasswordSources = {
  env: NodeJS.ProcessEnv;
  readFile: (file: string) => string;
  /** Asks on the terminal without echo; undefined where there is no terminal. */
  prompt?: ((question: string) => Promise<string>) | undefined;
};

/**
 * `--user <name>` with the password from `--password-file`, env XIANG_OPCUA_PASSWORD or a terminal prompt —
 * never from the command line, where every user of the host can read it (ps, /proc/<pid>/cmdline).
 */
export async function resolveCliUser(
  user: string | undefined,
  passwordFile: string | undefined,
  src: PasswordSources,
): Promise<CliUser> {
  if (user === undefined) {
    if (passwordFile !== undefined) throw new Error('--password-file needs --user <name>');
    return { identity: { type: 'anonymous' }, inConfig: { type: 'anonymous' } };
  }
  const envPassword = src.env[OPCUA_PASSWORD_ENV];
  if (user.includes(':') && passwordFile === undefined && envPassword === undefined) {
    throw new Error(
      '--user takes the user name only: a password on the command line is visible to every user of this host. ' +
        `Give it in env ${OPCUA_PASSWORD_ENV}, with --password-file <file>, or type it at the prompt`,
    );
  }
  if (user.length === 0) throw new Error('--user expects a user name');
  const named = (password: string, ref: string): CliUser => ({
    identity: { type: 'username', username: user, password },
    inConfig: { type: 'username', username: user, password: ref },
  });
  if (passwordFile !== undefined) {
    const abs = path.resolve(passwordFile);
    let text: string;
    try {
      text = src.readFile(abs);
    } catch (e) {
      throw new Error(`--password-file ${abs}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return named(text.replace(/\r?\n$/, ''), `file:${abs}`);
  }
  if (envPassword !== undefined) return named(envPassword, `\${${OPCUA_PASSWORD_ENV}}`);
  if (!src.prompt) {
    throw new Error(
      `--user ${user} needs a password: set env ${OPCUA_PASSWORD_ENV}, pass --password-file <file>, or run on a terminal to be asked`,
    );
  }
  return named(await src.prompt(`OPC UA password for ${user}: `), `\${${OPCUA_PASSWORD_ENV}}`);
}

/** Reads a line from the terminal without echoing it (Enter ends, Ctrl-C aborts). */
export function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(text);
    };
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new Error('aborted'));
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else text += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** The password sources of a CLI process: its environment, the file system, a prompt where stdin is a terminal. */
export const processPasswordSources = (): PasswordSources => ({
  env: process.env,
  readFile: (f) => readFileSync(f, 'utf8'),
  prompt: process.stdin.isTTY ? promptHidden : undefined,
});
