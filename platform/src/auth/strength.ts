/**
 * Minimum strength of a configured token (XIANG_ADMIN_TOKEN / adminToken). Generated tokens carry 256 random
 * bits; a configured one is whatever the operator typed, so it is checked for what a guess would exploit:
 * length, variety, repetition and runs. The estimate is an upper bound (Shannon entropy of its own characters
 * times its length); a token below MIN_BITS is refused with the reason.
 */
export const MIN_TOKEN_LENGTH = 24;
export const MIN_TOKEN_BITS = 96;
const MIN_DISTINCT = 10;

/** Upper-bound entropy estimate in bits: length × Shannon entropy of the character distribution. */
export function estimatedBits(token: string): number {
  const chars = [...token];
  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) perChar -= (n / chars.length) * Math.log2(n / chars.length);
  return perChar * chars.length;
}

/** Why a configured token is too weak, or null when it is acceptable. */
export function tokenWeakness(token: string): string | null {
  const chars = [...token];
  if (chars.length < MIN_TOKEN_LENGTH)
    return `expected at least ${MIN_TOKEN_LENGTH} characters, got ${chars.length} (use a random token, e.g. \`openssl rand -base64 32\`)`;
  const distinct = new Set(chars).size;
  if (distinct < MIN_DISTINCT)
    return `only ${distinct} different characters (need ${MIN_DISTINCT}): repeated characters are guessable; use a random token, e.g. \`openssl rand -base64 32\``;
  // Steps of 0 or ±1 between neighbours ("aaaa", "abcd", "4321"): a keyboard walk, not randomness.
  let runs = 0;
  for (let i = 1; i < chars.length; i++)
    if (Math.abs(chars[i]!.codePointAt(0)! - chars[i - 1]!.codePointAt(0)!) <= 1) runs++;
  if (runs * 2 >= chars.length - 1)
    return 'mostly repeated or consecutive characters (like "abcdef" or "111222"); use a random token, e.g. `openssl rand -base64 32`';
  const bits = Math.floor(estimatedBits(token));
  if (bits < MIN_TOKEN_BITS)
    return `about ${bits} bits of entropy at most (need ${MIN_TOKEN_BITS}); make it longer and random, e.g. \`openssl rand -base64 32\``;
  return null;
}
