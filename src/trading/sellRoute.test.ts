import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../http/createRateLimiter.ts';
import { createErrorHandler } from '../http/onError.ts';
import { silentLogger } from '../support/logger.ts';
import { UnauthenticatedError } from './errors.ts';
import type { PrepareSellDeps } from './prepareSell.ts';
import { reportTradeRoute } from './reportTradeRoute.ts';
import { sellRoute } from './sellRoute.ts';

/** Deps whose every adapter fails the test if reached: these cases must be refused before any I/O. */
const unreachable = () => {
  throw new Error('reached an adapter');
};
const sellDeps = (perMinute = 100): PrepareSellDeps => ({
  store: { getBuyTarget: unreachable, recordTradeQuote: unreachable },
  wallet: { funds: unreachable, coinBalance: unreachable, allowances: unreachable },
  chainId: 8453,
  slippage: 0.05,
  launchGuardSeconds: 15,
  now: () => new Date(),
  limits: { client: createRateLimiter({ perMinute }), buyer: createRateLimiter({ perMinute: 100 }) },
  sellQuote: unreachable,
  allowedRouters: () => new Set(),
});

function mount(route: Hono, path: string) {
  const app = new Hono();
  app.onError(createErrorHandler(silentLogger));
  app.route(path, route);
  return app;
}

describe('sellRoute', () => {
  it('refuses a body over 16 KiB with 413 and malformed JSON with 400, before any I/O', async () => {
    const app = mount(sellRoute(sellDeps()), '/sell');
    const huge = JSON.stringify({
      castHash: `0x${'1'.repeat(40)}`,
      seller: `0x${'2'.repeat(40)}`,
      pad: 'x'.repeat(17_000),
    });
    expect((await app.request('/sell', { method: 'POST', body: huge })).status).toBe(413);
    expect((await app.request('/sell', { method: 'POST', body: '{"castHash":' })).status).toBe(400);
  });

  it('spends the client budget before reading the body', async () => {
    const app = mount(sellRoute(sellDeps(1)), '/sell');
    expect((await app.request('/sell', { method: 'POST', body: '[]' })).status).toBe(400);
    const limited = await app.request('/sell', { method: 'POST', body: 'x'.repeat(20_000) });
    expect(limited.status).toBe(429);
  });
});

describe('reportTradeRoute', () => {
  const app = mount(
    reportTradeRoute({
      store: {
        getBuyTarget: unreachable,
        recordPendingTrade: unreachable,
        isAddressOfFid: unreachable,
        findQuotedCoin: unreachable,
      },
      chainId: 8453,
      authenticate: async (request) => {
        if (request.headers.get('authorization') !== 'Bearer ok') throw new UnauthenticatedError();
        return { fid: 1 };
      },
      checkAddress: unreachable,
      fetchTransaction: unreachable,
    }),
    '/trades',
  );

  it('answers 401 before reading a body, 413 for a body over 4 KiB, 400 naming the field', async () => {
    expect((await app.request('/trades', { method: 'POST', body: 'x'.repeat(100_000) })).status).toBe(401);
    const ok = { authorization: 'Bearer ok' };
    expect((await app.request('/trades', { method: 'POST', headers: ok, body: 'x'.repeat(5_000) })).status).toBe(413);
    const res = await app.request('/trades', {
      method: 'POST',
      headers: ok,
      body: JSON.stringify({ txHash: `0x${'a'.repeat(64)}`, side: 'hold' }),
    });
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 400,
      body: { error: 'side: must be "buy" or "sell"' },
    });
  });
});
