import { HttpRequestError, RpcRequestError } from 'viem';
import { describe, expect, it } from 'vitest';
import { classifyRpcFailure, retryAfterMs } from './classifyRpcFailure.ts';

const http = (status: number, headers: Record<string, string> = {}) =>
  new HttpRequestError({ url: 'http://rpc.invalid', status, headers: new Headers(headers) });
const rpc = (code: number, message: string) =>
  new RpcRequestError({ body: {}, url: 'http://rpc.invalid', error: { code, message } });

describe('classifyRpcFailure', () => {
  it("splits the range on providers' range and result limits", () => {
    for (const error of [
      rpc(-32005, 'Request exceeds defined limit'),
      rpc(-32000, 'query returned more than 10000 results'),
      rpc(-32602, 'block range too large'),
      rpc(-32600, 'exceed maximum block range: 5000'),
      rpc(-32000, 'Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range'),
      rpc(-32614, 'eth_getLogs is limited to a 10,000 range'),
    ]) {
      expect(classifyRpcFailure(error, 500), error.message).toEqual({ kind: 'range' });
    }
  });

  it('retries 429 and 5xx after Retry-After, else after the backoff', () => {
    expect(classifyRpcFailure(http(429, { 'retry-after': '3' }), 500)).toEqual({ kind: 'retry', afterMs: 3000 });
    expect(classifyRpcFailure(http(503), 700)).toEqual({ kind: 'retry', afterMs: 700 });
    expect(classifyRpcFailure(rpc(429, 'Too Many Requests'), 500)).toEqual({ kind: 'retry', afterMs: 500 });
    expect(classifyRpcFailure(rpc(-32000, 'rate limit exceeded: 50 per second'), 500)).toEqual({
      kind: 'retry',
      afterMs: 500,
    });
  });

  it('gives up on anything else', () => {
    expect(classifyRpcFailure(http(400), 500)).toEqual({ kind: 'fatal' });
    expect(classifyRpcFailure(rpc(-32601, 'method not found'), 500)).toEqual({ kind: 'fatal' });
    expect(classifyRpcFailure(new Error('socket hang up'), 500)).toEqual({ kind: 'fatal' });
    expect(classifyRpcFailure('nonsense', 500)).toEqual({ kind: 'fatal' });
  });
});

describe('retryAfterMs', () => {
  const now = () => Date.parse('2026-11-30T12:00:00Z');
  it('reads delay-seconds and HTTP dates, capped at 30 s, and ignores junk', () => {
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs('Mon, 30 Nov 2026 12:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Mon, 30 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('99999999', now)).toBe(30_000);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });
});
