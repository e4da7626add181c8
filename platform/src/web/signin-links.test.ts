import { describe, expect, it } from 'vitest';
import { SignInLinks, signInUrl } from './signin-links.js';

describe('SignInLinks', () => {
  it('a code stands for its token once, then never again', () => {
    const links = new SignInLinks();
    const a = links.mint('tok-a');
    const b = links.mint('tok-b');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[\w-]{32}$/); // 192 bits, base64url: fits the page's #once= pattern
    expect(links.redeem(b)).toBe('tok-b');
    expect(links.redeem(a)).toBe('tok-a');
    expect(links.redeem(a)).toBeNull();
    expect(links.redeem(b)).toBeNull();
    expect(links.redeem('never-minted-code-xxxxxxxx')).toBeNull();
  });

  it('expires after its time to live, and an expired code is spent too', () => {
    let now = 1_000;
    const links = new SignInLinks(60_000, () => now);
    const code = links.mint('tok');
    now += 60_000;
    expect(links.redeem(code)).toBeNull();
    now -= 30_000;
    expect(links.redeem(code)).toBeNull(); // spent by the failed attempt, whatever the clock says
    const fresh = links.mint('tok');
    now += 59_999;
    expect(links.redeem(fresh)).toBe('tok');
  });

  it('keeps at most 16 codes: minting in a loop drops the oldest', () => {
    const links = new SignInLinks();
    const codes = Array.from({ length: 20 }, (_, i) => links.mint(`t${i}`));
    expect(codes.slice(0, 4).map((c) => links.redeem(c))).toEqual([null, null, null, null]);
    expect(codes.slice(4).map((c) => links.redeem(c))).toEqual(codes.slice(4).map((_, i) => `t${i + 4}`));
  });

  it('puts the code in the fragment, which browsers never send to the server', () => {
    expect(signInUrl('http://127.0.0.1:8080', 'abc')).toBe('http://127.0.0.1:8080/#once=abc');
  });
});
