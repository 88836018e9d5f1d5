import { Hono } from 'hono';
import { z } from 'zod';
import { BadRequestError } from '../errors.ts';
import { databaseCall } from '../http/databaseCall.ts';
import type { PerformanceStore } from './createPerformanceStore.ts';
import type { GetPerformanceView, PerformanceView } from './createPerformanceViews.ts';
import { decodeFeedCursor, encodeFeedCursor } from './feedCursor.ts';
import { feedSortSchema } from './types.ts';

const castHashParam = /^0x[0-9a-fA-F]{40}$/;

const feedQuery = z
  .object({
    sort: feedSortSchema.default('recent'),
    limit: z
      .string()
      .regex(/^\d{1,3}$/, 'limit must be an integer from 1 to 100')
      .transform(Number)
      .pipe(
        z.number().min(1, 'limit must be an integer from 1 to 100').max(100, 'limit must be an integer from 1 to 100'),
      )
      .default(20),
    cursor: z.string().optional(),
    artist: z
      .string()
      .regex(/^[1-9]\d{0,15}$/, 'artist must be a positive integer fid')
      .transform(Number)
      .pipe(z.number().max(Number.MAX_SAFE_INTEGER, 'artist must be a positive integer fid'))
      .optional(),
  })
  .strict();

/** The JSON of one performance: the stored performance with, under `coin`, its current price (`priceEth`, ETH per
 * whole coin as a decimal string; null when unknown). */
function performanceJson({ performance, market }: PerformanceView) {
  const { coin } = performance;
  return { ...performance, coin: coin === null ? null : { ...coin, priceEth: market?.priceEth ?? null } };
}

/** Read API: `GET /api/performances/:castHash` renders the one performance view (the frames draw the same), and the
 * keyset-paginated feed `GET /api/performances` lists stored performances (no chain reads per item). */
export function performanceRoutes(
  store: Pick<PerformanceStore, 'listPerformances'>,
  getPerformanceView: GetPerformanceView,
) {
  const app = new Hono();

  app.get('/:castHash', async (c) => {
    const castHash = c.req.param('castHash');
    if (!castHashParam.test(castHash)) throw new BadRequestError('castHash must be 0x followed by 40 hex digits');
    const view = await getPerformanceView(castHash.toLowerCase());
    if (view === null) return c.json({ error: 'performance not found' }, 404);
    return c.json(performanceJson(view));
  });

  app.get('/', async (c) => {
    const parsed = feedQuery.safeParse(c.req.query());
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const message =
        issue?.code === 'unrecognized_keys'
          ? `unknown parameter ${issue.keys.join(', ')}`
          : issue?.path[0] === 'sort'
            ? 'sort must be recent, top or trending'
            : (issue?.message ?? 'invalid query');
      throw new BadRequestError(message);
    }
    const { sort, limit, cursor, artist } = parsed.data;
    const key = cursor === undefined ? null : decodeFeedCursor(cursor, sort);
    if (cursor !== undefined && key === null) throw new BadRequestError(`cursor is not a valid ${sort} cursor`);
    const page = await databaseCall(store.listPerformances(sort, limit, key, artist));
    return c.json({
      items: page.items,
      nextCursor: page.nextCursor === null ? null : encodeFeedCursor(page.nextCursor),
    });
  });

  return app;
}
