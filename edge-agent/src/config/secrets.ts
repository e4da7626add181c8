import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Secrets stay out of the YAML file: every secret field (MQTT and OPC UA usernames and passwords, TLS key
 * passphrases) may be written as
 *   password: ${XIANG_UPLINK_PASSWORD}        the environment variable's value (`$${` writes a literal `${`)
 *   password: file:/run/secrets/uplink        the file's content, one trailing newline removed
 * A relative `file:` path is relative to the config file. A missing variable or file is an error naming the
 * config path, so the agent never starts with an empty password.
 */
export const SECRET_FIELDS: ReadonlySet<string> = new Set(['username', 'password', 'passphrase']);

export type SecretSources = {
  env: NodeJS.ProcessEnv;
  /** Reads a `file:` secret (tests map paths; the agent reads the file system). */
  readFile: (absPath: string) => string;
  baseDir: string;
};

export const systemSecretSources = (baseDir: string, env = process.env): SecretSources => ({
  env,
  baseDir,
  readFile: (p) => readFileSync(p, 'utf8'),
});

const VAR = /\$(\$?)\{([^}]*)\}/g;

function resolveOne(value: string, at: string, src: SecretSources, issues: string[]): string {
  if (value.startsWith('file:')) {
    const file = path.resolve(src.baseDir, value.slice('file:'.length));
    try {
      return src.readFile(file).replace(/\r?\n$/, '');
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      issues.push(`${at}: cannot read secret file ${file} (${why})`);
      return '';
    }
  }
  return value.replace(VAR, (whole, escaped: string, name: string) => {
    if (escaped) return whole.slice(1);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      issues.push(`${at}: "\${${name}}" is not a valid environment variable name`);
      return '';
    }
    const v = src.env[name];
    if (v === undefined) issues.push(`${at}: environment variable ${name} is not set`);
    return v ?? '';
  });
}

/**
 * Returns a copy of the parsed config with every secret field resolved; `issues` lists each reference that
 * could not be resolved, as `uplink.password: environment variable X is not set`.
 */
export function resolveSecrets(raw: unknown, src: SecretSources): { value: unknown; issues: string[] } {
  const issues: string[] = [];
  const walk = (node: unknown, at: string): unknown => {
    if (Array.isArray(node)) return node.map((v, i) => walk(v, `${at}[${i}]`));
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      const p = at ? `${at}.${k}` : k;
      out[k] = SECRET_FIELDS.has(k) && typeof v === 'string' ? resolveOne(v, p, src, issues) : walk(v, p);
    }
    return out;
  };
  return { value: walk(raw, ''), issues };
}
