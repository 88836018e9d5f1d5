import { Hono } from 'hono';
import { BadRequestError } from '../errors.ts';
import { databaseCall } from '../http/databaseCall.ts';
import type { PerformanceStore } from '../performances/createPerformanceStore.ts';
import { buildCoinMetadata } from './buildCoinMetadata.ts';

const castHashParam = /^0x[0-9a-fA-F]{40}$/;

/** `GET /:castHash/coin-metadata.json` (mounted under /api/performances): the coin metadata of a performance, with a
 * Content-Type of exactly `application/json`, because @zoralabs/coins-sdk rejects any other value, a charset
 * suffix included. 404 for unknown and deleted performances. */
export function coinMetadataRoute(store: Pick<PerformanceStore, 'getPerformance'>) {
  const app = new Hono();
  app.get('/:castHash/coin-metadata.json', async (c) => {
    const castHash = c.req.param('castHash');
    if (!castHashParam.test(castHash)) throw new BadRequestError('castHash must be 0x followed by 40 hex digits');
    const performance = await databaseCall(store.getPerformance(castHash.toLowerCase()));
    if (performance === null) return c.json({ error: 'performance not found' }, 404);
    const metadata = buildCoinMetadata({
      castHash: performance.castHash,
      title: performance.title,
      text: performance.text,
      artistName: performance.artist.displayName ?? performance.artist.username,
      artistPfpUrl: performance.artist.pfpUrl,
      audioUrl: performance.audio?.url ?? null,
      audioMimeType: performance.audio?.mimeType ?? null,
      artistUsername: performance.artist.username,
    });
    return c.body(JSON.stringify(metadata), 200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'public, max-age=300',
    });
  });
  return app;
}
