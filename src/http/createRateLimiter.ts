import { RateLimitedError } from '../errors.ts';
/** What a limiter answers for one request: go ahead, or wait this many whole seconds (for Retry-After). */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** A per-key request budget held in this process's (or Worker isolate's) memory. */
export interface RateLimiter {
  /** Spend one request of `key`'s budget, if it has one left. */
  take(key: string): RateDecision;
  /** Keys currently remembered (at most maxKeys). */
  size(): number;
}

export interface RateLimiterOptions {
  /** Requests a key may make per minute; also the burst a quiet key may spend at once. */
  perMinute: number;
  /** Most keys remembered; past it the least recently seen key is forgotten, so memory stays bounded when an
   * attacker rotates keys. Forgetting a key only ever gives it a full budget back, never less. */
  maxKeys?: number;
  /** Milliseconds clock (tests inject one). */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Default key cap: ~10,000 small entries is well under a few MiB. */
export const DEFAULT_MAX_KEYS = 10_000;

/** A token bucket per key: `perMinute` tokens, refilled continuously at perMinute / 60 s; a request spends one.
 * Kept in a Map in least-recently-seen order and capped at `maxKeys`. Pure apart from the injected clock. */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const capacity = options.perMinute;
  if (!(Number.isInteger(capacity) && capacity >= 1)) throw new RangeError('perMinute must be a positive integer');
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  if (!(Number.isInteger(maxKeys) && maxKeys >= 1)) throw new RangeError('maxKeys must be a positive integer');
  const now = options.now ?? Date.now;
  const perMs = capacity / 60_000;
  const buckets = new Map<string, Bucket>();

  return {
    take(key) {
      const at = now();
      const seen = buckets.get(key);
      const tokens =
        seen === undefined ? capacity : Math.min(capacity, seen.tokens + Math.max(0, at - seen.at) * perMs);
      buckets.delete(key);
      if (seen === undefined && buckets.size >= maxKeys) {
        const oldest = buckets.keys().next();
        if (oldest.done !== true) buckets.delete(oldest.value);
      }
      if (tokens >= 1) {
        buckets.set(key, { tokens: tokens - 1, at });
        return { allowed: true };
      }
      buckets.set(key, { tokens, at });
      // The epsilon keeps float noise (0.9999… refilled) from adding a whole second.
      const seconds = Math.ceil((1 - tokens) / perMs / 1000 - 1e-9);
      return { allowed: false, retryAfterSeconds: Math.max(1, seconds) };
    },
    size: () => buckets.size,
  };
}

/** The rate-limit key of a client's network address: an IPv4 address as is (IPv4-mapped IPv6 unwrapped), an IPv6
 * address by its /64 prefix (one subscriber usually holds a whole /64, so per-address keys would be free to rotate),
 * and 'unknown' when the host cannot tell (then every such client shares one budget). Pure. */
export function clientRateKey(address: string | undefined): string {
  const a = (address ?? '').trim().toLowerCase().replace(/%.*$/, '');
  if (a === '') return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(a);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (!a.includes(':')) return a;
  const [head = '', tail] = a.split('::');
  const front = head === '' ? [] : head.split(':');
  const back = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(Math.max(0, 8 - front.length - back.length)).fill('0');
  const groups = [...front, ...zeros, ...back].slice(0, 4).map((g) => g.replace(/^0+(?=.)/, ''));
  return `${groups.join(':')}::/64`;
}

/** Spend one request of each key's budget, or refuse with 429 naming `what` and the seconds to wait (the longest of
 * them); no limiter, no limit. */
export function enforceRateLimit(limiter: RateLimiter | undefined, what: string, keys: readonly string[]): void {
  if (limiter === undefined) return;
  let wait = 0;
  for (const key of keys) {
    const decision = limiter.take(key);
    if (!decision.allowed) wait = Math.max(wait, decision.retryAfterSeconds);
  }
  if (wait > 0) throw new RateLimitedError(`Too many ${what}; try again in ${wait} s`, wait);
}
