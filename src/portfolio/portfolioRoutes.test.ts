import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../http/createRateLimiter.ts';
import { createErrorHandler } from '../http/onError.ts';
import { silentLogger } from '../support/logger.ts';
import type { HoldingsReader } from './createHoldingsReader.ts';
import type { PortfolioStore } from './createPortfolioStore.ts';
import { MAX_FID_ADDRESSES, portfolioRoutes } from './portfolioRoutes.ts';

const many = Array.from({ length: 40 }, (_, i) => `0x${i.toString(16).padStart(40, '0')}`);

function setup(perMinute: number) {
  const asked: (readonly string[])[] = [];
  const store: PortfolioStore = {
    getPortfolioCoins: async (_chainId, addresses) => {
      asked.push(addresses);
      return [];
    },
    getFidAddresses: async (fid) => (fid === 7 ? many : null),
  };
  const readHoldings: HoldingsReader = async () => ({ blockNumber: 5n, balances: new Map(), sqrtPrices: new Map() });
  const app = new Hono();
  app.onError(createErrorHandler(silentLogger));
  app.route('/api', portfolioRoutes({ store, chainId: 8453, readHoldings, limiter: createRateLimiter({ perMinute }) }));
  app.get('/api/other', (c) => c.json({ ok: true }));
  return { app, asked };
}

describe('portfolioRoutes', () => {
  it('meters portfolio reads per client (429 + Retry-After), and no other /api route', async () => {
    const { app } = setup(1);
    expect((await app.request(`/api/portfolio/${many[0]}`)).status).toBe(200);
    const limited = await app.request(`/api/users/7/portfolio`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    for (let i = 0; i < 3; i += 1) expect((await app.request('/api/other')).status).toBe(200);
  });

  it("reads at most MAX_FID_ADDRESSES of a fid's addresses", async () => {
    const { app, asked } = setup(100);
    const res = await app.request('/api/users/7/portfolio');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { addresses: string[] }).addresses).toHaveLength(MAX_FID_ADDRESSES);
    expect(asked[0]).toHaveLength(MAX_FID_ADDRESSES);
  });
});
