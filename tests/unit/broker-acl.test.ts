import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  aclFor,
  filterWithin,
  hashPassword,
  maySubscribe,
  stripShare,
  topicMatches,
  verifyPassword,
} from '../../platform/src/broker/acl.js';

/**
 * The embedded broker's ACL rules (platform/src/broker/acl.ts). The property is the security one: a
 * subscription accepted under an ACL filter can never match a topic that filter does not match. The oracle,
 * `matchesByRegex`, is a second, plain implementation of MQTT matching (filter → regular expression).
 */
function matchesByRegex(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && /^[+#]/.test(filter)) return false;
  const re = filter
    .split('/')
    .map((l, i) => {
      if (l === '#') return i === 0 ? '.*' : '(?:/.*)?'; // '#' also matches the parent level
      return `${i === 0 ? '' : '/'}${l === '+' ? '[^/]*' : l}`;
    })
    .join('');
  return new RegExp(`^${re}$`).test(topic);
}

const level = fc.constantFrom('xiang', 'v1', 'F1', 'F2', 'a1', 'a2', 'data', 'cmd', '');
const topic = fc.array(level, { minLength: 1, maxLength: 6 }).map((ls) => ls.join('/'));
const filter = fc
  .tuple(fc.array(fc.oneof(level, fc.constant('+')), { minLength: 0, maxLength: 5 }), fc.boolean())
  .map(([ls, hash]) => [...ls, ...(hash || ls.length === 0 ? ['#'] : [])].join('/'));

describe('broker ACL', () => {
  it('topic matching agrees with a plain regular-expression implementation', () => {
    fc.assert(
      fc.property(filter, topic, (f, t) => {
        expect(topicMatches(f, t)).toBe(matchesByRegex(f, t));
      }),
      { seed: 21, numRuns: 3000 },
    );
  });

  it('a subscription within an ACL filter never matches a topic outside it', () => {
    fc.assert(
      fc.property(
        filter,
        filter,
        fc.array(topic, { minLength: 20, maxLength: 20 }),
        (sub, allowed, topics) => {
          if (!filterWithin(sub, allowed)) return;
          for (const t of topics) if (topicMatches(sub, t)) expect(topicMatches(allowed, t)).toBe(true);
        },
      ),
      { seed: 22, numRuns: 3000 },
    );
  });

  it('confines an agent as platform/docs/mosquitto-acl.md does', () => {
    const agent = { username: 'F1.a1', passwordHash: 'scrypt$x$y', ...aclFor.agent('F1', 'a1') };
    expect(agent.publish).toEqual([
      'xiang/v1/F1/a1/birth',
      'xiang/v1/F1/a1/data',
      'xiang/v1/F1/a1/status',
      'xiang/v1/F1/a1/death',
    ]);
    expect(maySubscribe(agent, 'xiang/v1/F1/a1/cmd')).toBe(true);
    for (const f of ['xiang/#', '#', 'xiang/v1/+/+/cmd', 'xiang/v1/F1/a2/cmd', 'xiang/v1/F1/+/cmd'])
      expect(maySubscribe(agent, f)).toBe(false);
    const platform = { username: 'p', passwordHash: 'scrypt$x$y', ...aclFor.platform() };
    expect(maySubscribe(platform, '$share/xiang/xiang/v1/+/+/+')).toBe(true);
    expect(stripShare('$share/g/xiang/v1/#')).toBe('xiang/v1/#');
    expect(maySubscribe(platform, '#')).toBe(false);
  });

  it('keeps passwords as salted scrypt hashes', async () => {
    const h1 = await hashPassword('s3cret');
    const h2 = await hashPassword('s3cret');
    expect(h1).not.toBe(h2);
    expect(h1).not.toContain('s3cret');
    expect(await verifyPassword('s3cret', h1)).toBe(true);
    expect(await verifyPassword('s3cret!', h1)).toBe(false);
  });
});
