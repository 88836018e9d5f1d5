import { Hono } from 'hono';
import { z } from 'zod';
import { BadRequestError } from '../errors.ts';
import { databaseCall } from '../http/databaseCall.ts';
import { type MarketStore, type TradesCursor, tradesCursorSchema } from './createMarketStore.ts';

const coinParam = /^0x[0-9a-fA-F]{40}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/;

const time = (name: string) =>
  z
    .string()
    .refine((s) => {
      const at = Date.parse(s);
      // Bounded to years PostgreSQL and every client agree on (year 0 parses in JavaScript, not in PostgreSQL).
      if (!ISO_TIME.test(s) || !(at >= 0)) return false;
      // A real calendar day: JavaScript rolls 2026-02-30 over into March.
      const [y, m, d] = s.slice(0, 10).split('-').map(Number) as [number, number, number];
      return new Date(Date.UTC(y, m - 1, d)).getUTCDate() === d;
    }, `${name} must be an ISO 8601 time from 1970 on`)
    .transform((s) => new Date(s))
    .optional();

const candlesQuery = z
  .object({
    interval: z.enum(['1m', '1h', '1d'], { message: 'interval must be 1m, 1h or 1d' }),
    from: time('from'),
    to: time('to'),
    limit: z
      .string()
      .regex(/^\d{1,4}$/, 'limit must be an integer from 1 to 1000')
      .transform(Number)
      .pipe(
        z
          .number()
          .min(1, 'limit must be an integer from 1 to 1000')
          .max(1000, 'limit must be an integer from 1 to 1000'),
      )
      .default(500),
  })
  .strict();

const tradesQuery = z
  .object({
    limit: z
      .string()
      .regex(/^\d{1,3}$/, 'limit must be an integer from 1 to 100')
      .transform(Number)
      .pipe(
        z.number().min(1, 'limit must be an integer from 1 to 100').max(100, 'limit must be an integer from 1 to 100'),
      )
      .default(50),
    cursor: z.string().optional(),
  })
  .strict();

/** Encode a trades keyset position (block, log index) as an opaque URL-safe cursor. */
export function encodeTradesCursor(key: TradesCursor): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Decode a trades cursor; null when malformed. Pure. */
export function decodeTradesCursor(cursor: string): TradesCursor | null {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(cursor)) return null;
  try {
    const parsed = tradesCursorSchema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function parseQuery<T>(schema: z.ZodType<T>, query: Record<string, string>): T {
  const parsed = schema.safeParse(query);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new BadRequestError(
    issue?.code === 'unrecognized_keys'
      ? `unknown parameter ${issue.keys.join(', ')}`
      : (issue?.message ?? 'invalid query'),
  );
}

function coinOf(address: string): string {
  if (!coinParam.test(address)) throw new BadRequestError('address must be 0x followed by 40 hex digits');
  return address.toLowerCase();
}

/** Market reads for charts and trade lists, served from the indexer's tables (no chain reads):
 * `GET /api/coins/:address/candles?interval=1m|1h|1d&from=&to=&limit=` (OHLC in wei per whole coin, oldest first, the
 * newest `limit` in [from, to)) and `GET /api/coins/:address/trades?limit=&cursor=` (newest first, keyset-paged).
 * 400 on bad parameters, 404 for a coin no visible performance has. */
export function marketRoutes(store: Pick<MarketStore, 'coinCandles' | 'coinTrades'>) {
  const app = new Hono();

  app.get('/:address/candles', async (c) => {
    const coin = coinOf(c.req.param('address'));
    const q = parseQuery(candlesQuery, c.req.query());
    if (q.from !== undefined && q.to !== undefined && q.from >= q.to)
      throw new BadRequestError('from must be before to');
    const result = await databaseCall(
      store.coinCandles({ coin, interval: q.interval, from: q.from ?? null, to: q.to ?? null, limit: q.limit }),
    );
    if (result === null) return c.json({ error: 'coin not found' }, 404);
    return c.json(result);
  });

  app.get('/:address/trades', async (c) => {
    const coin = coinOf(c.req.param('address'));
    const q = parseQuery(tradesQuery, c.req.query());
    const cursor = q.cursor === undefined ? null : decodeTradesCursor(q.cursor);
    if (q.cursor !== undefined && cursor === null) throw new BadRequestError('cursor is not a valid trades cursor');
    const page = await databaseCall(store.coinTrades({ coin, limit: q.limit, cursor }));
    if (page === null) return c.json({ error: 'coin not found' }, 404);
    return c.json({ ...page, nextCursor: page.nextCursor === null ? null : encodeTradesCursor(page.nextCursor) });
  });

  return app;
}
