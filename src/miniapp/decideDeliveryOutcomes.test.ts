import { describe, expect, it } from 'vitest';
import { decideDeliveryOutcomes, parseRetryAfter } from './decideDeliveryOutcomes.ts';

const now = new Date('2026-11-30T12:00:00Z');
const batch = [
  { id: 1, token: 'a' },
  { id: 2, token: 'b' },
  { id: 3, token: 'c' },
  { id: 4, token: 'd' },
];
const ok = (result: unknown) => ({ kind: 'answered' as const, status: 200, retryAfter: null, body: { result } });

describe('decideDeliveryOutcomes', () => {
  it('sorts a 200 answer per token; an unmentioned token is retried, invalid wins over success', () => {
    expect(
      decideDeliveryOutcomes(
        batch,
        ok({ successfulTokens: ['a', 'b'], invalidTokens: ['b', 'c'], rateLimitedTokens: [] }),
        now,
      ),
    ).toEqual([
      { id: 1, outcome: 'sent' },
      { id: 2, outcome: 'invalid' },
      { id: 3, outcome: 'invalid' },
      { id: 4, outcome: 'retry', error: 'token missing from the answer' },
    ]);
  });

  it('rate-limits tokens the client names, after its Retry-After when given', () => {
    const answer = { ...ok({ successfulTokens: [], invalidTokens: [], rateLimitedTokens: ['a'] }), retryAfter: '120' };
    expect(decideDeliveryOutcomes(batch.slice(0, 1), answer, now)).toEqual([
      { id: 1, outcome: 'rate_limited', retryAfterSeconds: 120 },
    ]);
    expect(
      decideDeliveryOutcomes(batch.slice(0, 1), { kind: 'answered', status: 429, retryAfter: null, body: null }, now),
    ).toEqual([{ id: 1, outcome: 'rate_limited' }]);
  });

  it('retries 5xx, 408, no answer and unreadable 200s; refuses other statuses for good', () => {
    const one = batch.slice(0, 1);
    for (const status of [500, 502, 503, 408]) {
      expect(
        decideDeliveryOutcomes(one, { kind: 'answered', status, retryAfter: null, body: null }, now)[0]?.outcome,
      ).toBe('retry');
    }
    expect(decideDeliveryOutcomes(one, { kind: 'no_answer', error: 'timeout' }, now)).toEqual([
      { id: 1, outcome: 'retry', error: 'timeout' },
    ]);
    expect(decideDeliveryOutcomes(one, ok('garbage'), now)[0]?.outcome).toBe('retry');
    for (const status of [400, 401, 404, 302]) {
      expect(decideDeliveryOutcomes(one, { kind: 'answered', status, retryAfter: null, body: null }, now)).toEqual([
        { id: 1, outcome: 'failed', error: `client answered ${status}` },
      ]);
    }
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds or an HTTP date, bounded to a day', () => {
    expect(parseRetryAfter('30', now)).toBe(30);
    expect(parseRetryAfter('999999', now)).toBe(86_400);
    expect(parseRetryAfter(new Date(now.getTime() + 90_000).toUTCString(), now)).toBe(90);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
