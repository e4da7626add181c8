import { describe, expect, it } from 'vitest';
import { resolveCliUser } from './cli-user.js';

const src = (env: Record<string, string> = {}, prompt?: (q: string) => Promise<string>) => ({
  env,
  readFile: (f: string) => {
    if (f === '/secrets/plc') return 'from-file\n';
    throw Object.assign(new Error('x'), { code: 'ENOENT' });
  },
  prompt,
});

describe('browse --user: the password never comes from the command line', () => {
  it('refuses user:password unless the password comes from elsewhere', async () => {
    await expect(resolveCliUser('op:pw', undefined, src())).rejects.toThrow(
      /--user takes the user name only/,
    );
  });

  it('takes it from --password-file, env, or the prompt; the config gets a reference', async () => {
    expect(await resolveCliUser('op', '/secrets/plc', src({ XIANG_OPCUA_PASSWORD: 'env' }))).toEqual({
      identity: { type: 'username', username: 'op', password: 'from-file' },
      inConfig: { type: 'username', username: 'op', password: 'file:/secrets/plc' },
    });
    const env = await resolveCliUser('op', undefined, src({ XIANG_OPCUA_PASSWORD: 'env-pw' }));
    expect(env.identity).toMatchObject({ password: 'env-pw' });
    expect(env.inConfig).toMatchObject({ password: '${XIANG_OPCUA_PASSWORD}' });
    const asked = await resolveCliUser(
      'op',
      undefined,
      src({}, async () => 'typed'),
    );
    expect(asked.identity).toMatchObject({ password: 'typed' });
    expect(asked.inConfig).toMatchObject({ password: '${XIANG_OPCUA_PASSWORD}' });
  });

  it('fails clearly without a terminal, env or file, and on an unreadable file', async () => {
    await expect(resolveCliUser('op', undefined, src())).rejects.toThrow(
      /needs a password: set env XIANG_OPCUA_PASSWORD/,
    );
    await expect(resolveCliUser('op', '/nope', src())).rejects.toThrow(/--password-file \/nope: ENOENT/);
    expect(await resolveCliUser(undefined, undefined, src())).toEqual({
      identity: { type: 'anonymous' },
      inConfig: { type: 'anonymous' },
    });
  });
});
