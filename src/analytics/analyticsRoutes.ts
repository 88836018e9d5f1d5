import { Hono } from 'hono';
import { BadRequestError } from '../errors.ts';
import { databaseCall } from '../http/databaseCall.ts';
import type { AnalyticsStore, AnalyticsWindow } from './createAnalyticsStore.ts';
import { parseAnalyticsWindow } from './parseAnalyticsWindow.ts';

const castHashParam = /^0x[0-9a-fA-F]{40}$/;
const fidParam = /^[1-9]\d{0,15}$/;

function windowOf(query: Record<string, string>): AnalyticsWindow {
  const parsed = parseAnalyticsWindow(query, new Date());
  if (!parsed.ok) throw new BadRequestError(parsed.message);
  return parsed.window;
}

/** `GET /api/performances/:castHash/analytics` (mounted under /api/performances) from the hourly rollups. */
export function performanceAnalyticsRoute(store: Pick<AnalyticsStore, 'performanceAnalytics'>) {
  const app = new Hono();
  app.get('/:castHash/analytics', async (c) => {
    const castHash = c.req.param('castHash');
    if (!castHashParam.test(castHash)) throw new BadRequestError('castHash must be 0x followed by 40 hex digits');
    const window = windowOf(c.req.query());
    const result = await databaseCall(store.performanceAnalytics(castHash.toLowerCase(), window));
    if (result === null) return c.json({ error: 'performance not found' }, 404);
    return c.json(result);
  });
  return app;
}

/** `GET /api/artists/:fid/analytics` (mounted under /api/artists): an artist's performances summed. */
export function artistAnalyticsRoute(store: Pick<AnalyticsStore, 'artistAnalytics'>) {
  const app = new Hono();
  app.get('/:fid/analytics', async (c) => {
    const fid = c.req.param('fid');
    if (!fidParam.test(fid) || !Number.isSafeInteger(Number(fid))) {
      throw new BadRequestError('fid must be a positive integer');
    }
    const window = windowOf(c.req.query());
    const result = await databaseCall(store.artistAnalytics(Number(fid), window));
    if (result === null) return c.json({ error: 'artist not found' }, 404);
    return c.json(result);
  });
  return app;
}
