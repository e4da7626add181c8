import { readFileSync } from 'node:fs';

/**
 * InfluxDB 1.x credentials (auth-enabled = true): a user and its password — from the URL, the options, or a
 * file (`passwordFile`, first line). Nothing here ever quotes the password; errors name where it came from.
 */
export type InfluxCredentials = { username: string; password: string } | null;

/** Refused credentials at start: a setting to fix, not an outage to wait out (the platform does not start). */
export class InfluxAuthError extends Error {
  override name = 'InfluxAuthError';
}

export function influxCredentials(o: {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  passwordFile?: string | undefined;
}): InfluxCredentials {
  const u = new URL(o.url);
  const username = o.username ?? (u.username ? decodeURIComponent(u.username) : undefined);
  let password = o.password ?? (u.password ? decodeURIComponent(u.password) : undefined);
  if (o.passwordFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(o.passwordFile, 'utf8');
    } catch (e) {
      throw new InfluxAuthError(
        `store.influx.passwordFile: cannot read ${o.passwordFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    password = text.split(/\r?\n/)[0] ?? '';
    if (password === '') throw new InfluxAuthError(`store.influx.passwordFile: ${o.passwordFile} is empty`);
  }
  if (username === undefined) {
    if (password !== undefined)
      throw new InfluxAuthError('store.influx: a password is set but no username (store.influx.username)');
    return null;
  }
  return { username, password: password ?? '' };
}

/** HTTP status of an error of the `influx` client (RequestError carries the response), else undefined. */
export function influxStatus(e: unknown): number | undefined {
  const res = (e as { res?: { statusCode?: unknown } } | null)?.res;
  return typeof res?.statusCode === 'number' ? res.statusCode : undefined;
}

/** The specific startup error for a 401/403 from InfluxDB, naming the user and where to fix it. */
export function authRefused(url: string, creds: InfluxCredentials, status: number): InfluxAuthError {
  const u = new URL(url);
  const where = `${u.protocol}//${u.host}`;
  const fix =
    'set store.influx.username with store.influx.password or passwordFile ' +
    '(XIANG_INFLUX_USERNAME, XIANG_INFLUX_PASSWORD or XIANG_INFLUX_PASSWORD_FILE)';
  if (!creds)
    return new InfluxAuthError(
      `InfluxDB at ${where} requires authentication (HTTP ${status}) and no credentials are configured: ${fix}`,
    );
  return new InfluxAuthError(
    status === 403
      ? `InfluxDB at ${where}: user "${creds.username}" lacks the privileges the platform needs (HTTP 403: it creates the database and its retention policies, which takes an admin user)`
      : `InfluxDB at ${where} refused the credentials of user "${creds.username}" (HTTP 401: wrong user or password): ${fix}`,
  );
}
