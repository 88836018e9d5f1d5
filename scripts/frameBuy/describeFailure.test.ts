import { HttpRequestError } from 'viem';
import { describe, expect, it } from 'vitest';
import { describeFailure, RefusedError } from './describeFailure.ts';

describe('describeFailure', () => {
  it("says a server refusal in one line with the server's short message", () => {
    const refused = new RefusedError('POST /frames/performance/0xab/buy', {
      status: 409,
      retryAfter: null,
      body: '{"message":"No coin yet for this performance"}',
    });
    expect(describeFailure(refused)).toBe(
      'POST /frames/performance/0xab/buy answered 409: No coin yet for this performance',
    );
    expect(refused.status).toBe(409);
  });

  it("uses viem's short message, never its multi-line details with the request", () => {
    const error = new HttpRequestError({ url: 'http://127.0.0.1:8545/secret-key', body: { method: 'eth_call' } });
    const line = describeFailure(error);
    expect(line).toBe('HTTP request failed.');
    expect(line).not.toContain('secret-key');
  });

  it('adds the cause of a bare "fetch failed", and keeps to the first line', () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: new Error('connect ECONNREFUSED 127.0.0.1:8787'),
    });
    expect(describeFailure(refused)).toBe('fetch failed (connect ECONNREFUSED 127.0.0.1:8787)');
    expect(describeFailure(new Error('first\n    at stack'))).toBe('first');
    expect(describeFailure('plain')).toBe('plain');
  });
});
