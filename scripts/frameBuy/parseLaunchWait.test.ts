import { describe, expect, it } from 'vitest';
import { describeLaunchWait, parseLaunchWait, refusalMessage } from './parseLaunchWait.ts';

const launched = (retryAfter: string | null, body = '{"message":"Coin just launched; try again in 12 s"}') => ({
  status: 409,
  retryAfter,
  body,
});

describe('parseLaunchWait', () => {
  it('waits the Retry-After seconds of the launch-window 409', () => {
    expect(parseLaunchWait(launched('12'))).toBe(12);
    expect(parseLaunchWait(launched(' 7 ', '{"message":"anything"}'))).toBe(7);
  });

  it('falls back to the seconds in the message when there is no usable Retry-After (older servers)', () => {
    expect(parseLaunchWait(launched(null))).toBe(12);
    expect(parseLaunchWait(launched('Wed, 21 Oct 2026 07:28:00 GMT'))).toBe(12);
    expect(parseLaunchWait(launched(null, '{"error":"Coin just launched; try again in 3 s"}'))).toBe(3);
  });

  it('is null for every other refusal: not a 409, or a 409 that says nothing about waiting', () => {
    expect(parseLaunchWait({ status: 429, retryAfter: '30', body: '{"message":"Too many"}' })).toBeNull();
    expect(parseLaunchWait({ status: 503, retryAfter: '5', body: '{"message":"try again in 5 s"}' })).toBeNull();
    expect(parseLaunchWait(launched(null, '{"message":"No coin yet for this performance"}'))).toBeNull();
    expect(parseLaunchWait(launched(null, '{"message":"Frame action already used"}'))).toBeNull();
    expect(parseLaunchWait(launched(null, 'not json'))).toBeNull();
    expect(parseLaunchWait(launched('-3', '{}'))).toBeNull();
  });

  it('never waits longer than ten minutes, whatever the server says', () => {
    expect(parseLaunchWait(launched('999999'))).toBe(600);
    expect(parseLaunchWait(launched(null, '{"message":"try again in 86400 s"}'))).toBe(600);
  });
});

describe('refusalMessage', () => {
  it('reads a frame answer, an API answer, or the first line of anything else', () => {
    expect(refusalMessage('{"message":"m"}')).toBe('m');
    expect(refusalMessage('{"error":"e"}')).toBe('e');
    expect(refusalMessage('<html>\nbody')).toBe('<html>');
    expect(refusalMessage('')).toBe('');
  });
});

describe('describeLaunchWait', () => {
  it('says how old the coin is and how long we wait', () => {
    expect(describeLaunchWait(12, 3.7)).toBe('coin launched 3 s ago; waiting 12 s for the launch window');
    expect(describeLaunchWait(12, null)).toBe('coin just launched; waiting 12 s for the launch window');
    // A server clock ahead of ours makes the age negative: not shown.
    expect(describeLaunchWait(5, -1)).toBe('coin just launched; waiting 5 s for the launch window');
  });
});
