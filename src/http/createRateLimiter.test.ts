import { describe, expect, it } from 'vitest';
import { clientRateKey, createRateLimiter } from './createRateLimiter.ts';

describe('createRateLimiter', () => {
  const clock = () => {
    let t = 1_000_000;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };

  it('lets a quiet key burst its per-minute budget, then refuses with the seconds until the next request', () => {
    const time = clock();
    const limiter = createRateLimiter({ perMinute: 20, now: time.now });
    for (let i = 0; i < 20; i++) expect(limiter.take('1.2.3.4')).toEqual({ allowed: true });
    // 40 requests in two seconds (the reported attack): the other 20 are refused.
    for (let i = 0; i < 20; i++) {
      time.advance(100);
      expect(limiter.take('1.2.3.4').allowed).toBe(false);
    }
    expect(limiter.take('1.2.3.4')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.take('5.6.7.8')).toEqual({ allowed: true });
  });

  it('refills at perMinute / 60 s: Retry-After is honest', () => {
    const time = clock();
    const limiter = createRateLimiter({ perMinute: 10, now: time.now });
    for (let i = 0; i < 10; i++) limiter.take('buyer');
    const refused = limiter.take('buyer');
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 6 });
    time.advance(5_999);
    expect(limiter.take('buyer').allowed).toBe(false);
    time.advance(1);
    expect(limiter.take('buyer')).toEqual({ allowed: true });
    expect(limiter.take('buyer').allowed).toBe(false);
    time.advance(60_000);
    for (let i = 0; i < 10; i++) expect(limiter.take('buyer').allowed).toBe(true);
    expect(limiter.take('buyer').allowed).toBe(false);
  });

  it('keeps memory bounded when an attacker rotates keys, forgetting the least recently seen first', () => {
    const time = clock();
    const limiter = createRateLimiter({ perMinute: 1, maxKeys: 100, now: time.now });
    expect(limiter.take('victim').allowed).toBe(true);
    expect(limiter.take('victim').allowed).toBe(false);
    for (let i = 0; i < 50; i++) limiter.take(`rotating-${i}`);
    // Seen again, so it is not the oldest: its exhausted budget survives the next 99 new keys.
    expect(limiter.take('victim').allowed).toBe(false);
    for (let i = 50; i < 10_000; i++) {
      expect(limiter.take(`rotating-${i}`).allowed).toBe(true);
      expect(limiter.size()).toBeLessThanOrEqual(100);
    }
    expect(limiter.size()).toBe(100);
    // Forgotten at last: a forgotten key only ever gets a full budget back.
    expect(limiter.take('victim').allowed).toBe(true);
  });

  it('does not let a clock that steps backwards mint tokens, and refuses nonsense settings', () => {
    const time = clock();
    const limiter = createRateLimiter({ perMinute: 1, now: time.now });
    expect(limiter.take('k').allowed).toBe(true);
    time.advance(-3_600_000);
    expect(limiter.take('k').allowed).toBe(false);
    expect(() => createRateLimiter({ perMinute: 0 })).toThrow(RangeError);
    expect(() => createRateLimiter({ perMinute: 1.5 })).toThrow(RangeError);
    expect(() => createRateLimiter({ perMinute: 1, maxKeys: 0 })).toThrow(RangeError);
  });
});

describe('clientRateKey', () => {
  it('keys IPv4 as is, unwraps IPv4-mapped IPv6, and keys IPv6 by its /64 so rotating within it does not help', () => {
    expect(clientRateKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientRateKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientRateKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientRateKey('2001:0DB8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(clientRateKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientRateKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientRateKey('::1')).toBe('0:0:0:0::/64');
  });

  it("puts clients the host cannot name into one shared 'unknown' budget", () => {
    expect(clientRateKey(undefined)).toBe('unknown');
    expect(clientRateKey('  ')).toBe('unknown');
  });
});
