import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { BadRequestError, RateLimitedError } from '../errors.ts';
import { silentLogger } from '../support/logger.ts';
import { CoinTooNewError } from '../trading/errors.ts';
import { createErrorHandler } from './onError.ts';

const appThrowing = (error: Error) => {
  const app = new Hono();
  app.onError(createErrorHandler(silentLogger));
  app.all('*', () => {
    throw error;
  });
  return app;
};

describe('createErrorHandler', () => {
  it('answers a coin inside its launch window 409 with Retry-After, on the API and on the frames', async () => {
    const api = await appThrowing(new CoinTooNewError(12)).request('/api/tx/buy', { method: 'POST' });
    expect(api.status).toBe(409);
    expect(api.headers.get('retry-after')).toBe('12');
    expect(await api.json()).toEqual({ error: 'Coin just launched; try again in 12 s' });

    const frame = await appThrowing(new CoinTooNewError(3)).request('/frames/performance/0xab/buy', { method: 'POST' });
    expect(frame.status).toBe(409);
    expect(frame.headers.get('retry-after')).toBe('3');
    expect(await frame.json()).toEqual({ message: 'Coin just launched; try again in 3 s' });
  });

  it('keeps Retry-After on rate limits and leaves it off refusals that do not end by themselves', async () => {
    const limited = await appThrowing(new RateLimitedError('slow down', 30)).request('/api/tx/buy');
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '30']);
    const bad = await appThrowing(new BadRequestError('bad field')).request('/api/tx/buy');
    expect([bad.status, bad.headers.get('retry-after')]).toEqual([400, null]);
  });
});
