import { createServer, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { listenOnLoopback } from '../support/listenOnLoopback.ts';
import { createZoraQuoter } from './createZoraQuoter.ts';
import type { QuoteRequest } from './types.ts';

/** A local HTTP server speaking Zora's /quote wire format (coins-sdk 0.6.0 PostQuoteResponses / PostQuoteErrors);
 * each test scripts its answer. */
type Answer = { status: number; body: string; headers?: Record<string, string>; hang?: boolean };
const received: { method: string; path: string; headers: IncomingHttpHeaders; body: unknown }[] = [];
let answer: Answer;
let server: { url: string; close(): Promise<void> };

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => ({
  status,
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json', ...headers },
});

const request: QuoteRequest = {
  chainId: 8453,
  coin: `0x${'c'.repeat(40)}`,
  buyer: `0x${'b'.repeat(40)}`,
  amountInWei: 10n ** 16n,
  slippage: 0.05,
};
const okBody = {
  success: true,
  call: { target: `0x${'A'.repeat(40)}`, data: '0x3593564c00', value: '10000000000000000' },
  quote: { amountOut: '123456789012345678901234', slippage: 0.05 },
  trade: { commands: ['0x10'], value: '10000000000000000', inputs: ['0x'] },
};

beforeAll(async () => {
  const http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: text ? JSON.parse(text) : undefined,
      });
      if (answer.hang) return;
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body);
    });
  });
  server = await listenOnLoopback(http);
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => {
  received.length = 0;
  answer = json(200, okBody);
});

describe('createZoraQuoter', () => {
  it('POSTs /quote for ETH -> coin with the API key actually sent, and parses the call', async () => {
    const quote = createZoraQuoter({ apiBaseUrl: server.url, apiKey: 'secret-key', timeoutMs: 2000 });
    expect(await quote(request)).toEqual({
      kind: 'ok',
      target: `0x${'a'.repeat(40)}`,
      data: '0x3593564c00',
      value: 10n ** 16n,
      amountOut: 123456789012345678901234n,
      permitsCount: 0,
    });
    expect(received).toHaveLength(1);
    const [sent] = received;
    expect(sent?.method).toBe('POST');
    expect(sent?.path).toBe('/quote');
    expect(sent?.headers['api-key']).toBe('secret-key');
    expect(sent?.headers['content-type']).toMatch(/^application\/json/);
    expect(sent?.body).toEqual({
      tokenIn: { type: 'eth' },
      tokenOut: { type: 'erc20', address: request.coin },
      amountIn: '10000000000000000',
      slippage: 0.05,
      chainId: 8453,
      sender: request.buyer,
      recipient: request.buyer,
    });
  });

  it('sends no api-key header when no key is configured', async () => {
    const quote = createZoraQuoter({ apiBaseUrl: `${server.url}/`, timeoutMs: 2000 });
    expect((await quote(request)).kind).toBe('ok');
    expect(received[0]?.headers['api-key']).toBeUndefined();
    expect(received[0]?.path).toBe('/quote');
  });

  it('counts permits, so the builder can refuse them', async () => {
    answer = json(200, {
      ...okBody,
      permits: [
        {
          signature: '0x',
          permit: { details: { token: request.coin, amount: '1', expiration: 1, nonce: 0 }, spender: request.coin },
        },
      ],
    });
    const quote = createZoraQuoter({ apiBaseUrl: server.url, apiKey: 'k', timeoutMs: 2000 });
    expect(await quote(request)).toMatchObject({ kind: 'ok', permitsCount: 1 });
  });

  it("maps 422 LIQUIDITY to liquidity, other 400/422 (the trader's problem) to rejected, our key refused to unavailable", async () => {
    const quote = createZoraQuoter({ apiBaseUrl: server.url, apiKey: 'k', timeoutMs: 2000 });
    answer = json(422, { success: 'false', error: 'Insufficient liquidity', errorType: 'LIQUIDITY' });
    expect(await quote(request)).toEqual({
      kind: 'liquidity',
      detail: 'Zora /quote answered 422: Insufficient liquidity',
    });
    answer = json(422, { success: 'false', error: 'odd', errorType: 'UNKNOWN' });
    expect(await quote(request)).toMatchObject({ kind: 'rejected', status: 422 });
    answer = json(400, { error: 'Insufficient balance\u0000<b>' });
    expect(await quote(request)).toMatchObject({ kind: 'rejected', status: 400, reason: 'Insufficient balance <b>' });
    answer = json(401, { error: 'invalid api key' });
    expect(await quote(request)).toMatchObject({ kind: 'unavailable' });
    answer = json(403, { error: 'forbidden' });
    expect(await quote(request)).toMatchObject({ kind: 'unavailable' });
  });

  it('asks for coin -> ETH with the seller as sender and recipient', async () => {
    const quote = createZoraQuoter({ apiBaseUrl: server.url, apiKey: 'k', timeoutMs: 2000 });
    answer = json(200, {
      success: true,
      call: { target: request.coin, data: '0x1234', value: '0' },
      quote: { amountOut: '77', slippage: 0.05 },
    });
    expect(
      await quote.sell({ chainId: 8453, coin: request.coin, seller: request.buyer, amountIn: 5n, slippage: 0.05 }),
    ).toMatchObject({ kind: 'ok', amountOut: 77n, value: 0n });
    expect(received.at(-1)?.body).toMatchObject({
      tokenIn: { type: 'erc20', address: request.coin },
      tokenOut: { type: 'eth' },
      amountIn: '5',
      sender: request.buyer,
      recipient: request.buyer,
    });
  });

  it('maps 5xx and 429 to unavailable, keeping a numeric Retry-After', async () => {
    const quote = createZoraQuoter({ apiBaseUrl: server.url, apiKey: 'k', timeoutMs: 2000 });
    answer = json(500, { success: 'false', error: 'boom', errorType: 'UNKNOWN' });
    expect(await quote(request)).toEqual({ kind: 'unavailable', detail: 'Zora /quote answered 500: boom' });
    answer = json(503, 'down', { 'retry-after': 'Wed, 21 Oct 2099 07:28:00 GMT' });
    expect(await quote(request)).toEqual({ kind: 'unavailable', detail: 'Zora /quote answered 503' });
    answer = json(429, { error: 'slow down' }, { 'retry-after': '12' });
    expect(await quote(request)).toMatchObject({ kind: 'unavailable', retryAfterSeconds: 12 });
    answer = json(429, { error: 'slow down' }, { 'retry-after': '86400' });
    expect(await quote(request)).toMatchObject({ kind: 'unavailable', retryAfterSeconds: 300 });
  });

  it('maps malformed 200 bodies to unavailable', async () => {
    const quote = createZoraQuoter({ apiBaseUrl: server.url, apiKey: 'k', timeoutMs: 2000 });
    const bodies: Answer[] = [
      { status: 200, body: '{"call":', headers: { 'content-type': 'application/json' } },
      json(200, { success: true }),
      json(200, { ...okBody, call: { ...okBody.call, target: 'not an address' } }),
      json(200, { ...okBody, call: { ...okBody.call, value: '-1' } }),
      json(200, { ...okBody, call: { ...okBody.call, data: '0x123' } }),
      json(200, { ...okBody, quote: { amountOut: 1.5 } }),
      json(200, [okBody]),
      { status: 200, body: 'hello', headers: { 'content-type': 'text/plain' } },
      { status: 200, body: '', headers: { 'content-length': '0' } },
    ];
    for (const body of bodies) {
      answer = body;
      expect(await quote(request)).toMatchObject({ kind: 'unavailable' });
    }
  });

  it('gives up after the timeout', async () => {
    answer = { ...json(200, okBody), hang: true };
    const quote = createZoraQuoter({ apiBaseUrl: server.url, apiKey: 'k', timeoutMs: 300 });
    const started = performance.now();
    expect(await quote(request)).toEqual({ kind: 'unavailable', detail: 'Zora /quote timed out after 300 ms' });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1500);
  });

  it('maps a refused connection to unavailable', async () => {
    const quote = createZoraQuoter({ apiBaseUrl: 'http://127.0.0.1:9', apiKey: 'k', timeoutMs: 2000 });
    expect(await quote(request)).toMatchObject({ kind: 'unavailable', detail: expect.stringMatching(/failed/) });
  });

  it("refuses to be built against other Zora API settings than coin creation's in the same process", async () => {
    vi.resetModules();
    const { configureZoraApi, ZoraApiConflictError } = await import('../zora/configureZoraApi.ts');
    const fresh = await import('./createZoraQuoter.ts');
    configureZoraApi('coins', { baseUrl: server.url, apiKey: 'coin-key' });
    expect(() => fresh.createZoraQuoter({ apiBaseUrl: server.url, apiKey: 'other-key' })).toThrow(ZoraApiConflictError);
    const quote = fresh.createZoraQuoter({ apiBaseUrl: server.url, apiKey: 'coin-key', timeoutMs: 2000 });
    expect((await quote(request)).kind).toBe('ok');
    expect(received.at(-1)?.headers['api-key']).toBe('coin-key');
  });
});
