import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Users and topic ACL of the embedded broker — the same model as the Mosquitto ACL in
 * platform/docs/mosquitto-acl.md: each user may publish to and subscribe to a list of topic filters
 * (`+` one level, `#` the rest). Passwords are kept as scrypt hashes (`scrypt$<salt>$<hash>`, base64url).
 */
export const brokerUserSchema = z.object({
  username: z.string().min(1).max(128),
  passwordHash: z.string().regex(/^scrypt\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/, 'expected scrypt$<salt>$<hash>'),
  publish: z.array(z.string().min(1)).default([]),
  subscribe: z.array(z.string().min(1)).default([]),
});
export type BrokerUser = z.infer<typeof brokerUserSchema>;
export const brokerUsersSchema = z.object({ users: z.array(brokerUserSchema) });

const KEY_BYTES = 32;
const scryptAsync = (password: string, salt: Buffer) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, KEY_BYTES, (err, key) => (err ? reject(err) : resolve(key))),
  );

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt);
  return `scrypt$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [, salt, hash] = stored.split('$');
  if (!salt || !hash) return false;
  const want = Buffer.from(hash, 'base64url');
  const got = await scryptAsync(password, Buffer.from(salt, 'base64url'));
  return want.length === got.length && timingSafeEqual(want, got);
}

const levels = (t: string) => t.split('/');

/** Does the concrete topic `topic` match the filter `filter` (MQTT wildcards in the filter only)? */
export function topicMatches(filter: string, topic: string): boolean {
  const f = levels(filter);
  const t = levels(topic);
  // A filter starting with a wildcard does not match $-topics ($SYS…), as MQTT 3.1.1 §4.7.2 says.
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * Is every topic the subscription filter `sub` can match also matched by the ACL filter `allowed`?
 * (`xiang/v1/F1/a/cmd` ⊆ `xiang/v1/+/+/cmd`; `xiang/#` ⊄ `xiang/v1/#`.)
 */
export function filterWithin(sub: string, allowed: string): boolean {
  const s = levels(sub);
  const a = levels(allowed);
  for (let i = 0; i < s.length; i++) {
    const al = a[i];
    if (al === '#') return true;
    if (al === undefined) return false;
    const sl = s[i] as string;
    if (sl === '#') return false; // the subscription reaches deeper than this ACL entry goes
    if (al === '+') continue; // any single level, including a subscription's '+'
    if (sl === '+' || sl !== al) return false;
  }
  return s.length === a.length;
}

/** `$share/<group>/<filter>` is authorised as `<filter>` (as Mosquitto does). */
export function stripShare(filter: string): string {
  const m = /^\$share\/[^/]+\/(.+)$/.exec(filter);
  return m ? (m[1] as string) : filter;
}

export function mayPublish(user: BrokerUser, topic: string): boolean {
  return user.publish.some((f) => topicMatches(f, topic));
}

export function maySubscribe(user: BrokerUser, filter: string): boolean {
  const f = stripShare(filter);
  return user.subscribe.some((a) => filterWithin(f, a));
}

export function mayRead(user: BrokerUser, topic: string): boolean {
  return user.subscribe.some((f) => topicMatches(f, topic));
}

/** The ACL of platform/docs/mosquitto-acl.md: the platform user, and one agent confined to its own topics. */
export const aclFor = {
  platform: (): Pick<BrokerUser, 'publish' | 'subscribe'> => ({
    publish: ['xiang/v1/+/+/cmd'],
    subscribe: ['xiang/v1/#'],
  }),
  agent: (factoryId: string, agentId: string): Pick<BrokerUser, 'publish' | 'subscribe'> => {
    const base = `xiang/v1/${factoryId}/${agentId}`;
    return {
      publish: ['birth', 'data', 'status', 'death'].map((k) => `${base}/${k}`),
      subscribe: [`${base}/cmd`],
    };
  },
  /** Agent user name as in the Mosquitto example: `<factoryId>.<agentId>` (ids never contain a dot). */
  agentUsername: (factoryId: string, agentId: string) => `${factoryId}.${agentId}`,
};
