import { z } from 'zod';

/** Subjects one stream connection follows, lowercased and without duplicates. */
export interface StreamSubscription {
  coins: string[];
  performances: string[];
  trades: string[];
}

/** Most subjects of each kind per connection: a page of the feed (its coins and performances) and a few trades. */
export const STREAM_LIMITS = { coins: 50, performances: 50, trades: 20 } as const;

const list = (what: string, pattern: RegExp, hint: string, max: number) =>
  z
    .string()
    .max(max * 67, `${what}: at most ${max}`)
    .transform((s) => s.split(','))
    .pipe(
      z
        .array(z.string().regex(pattern, `${what}: each must be ${hint}`))
        .max(max, `${what}: at most ${max}`)
        .transform((items) => [...new Set(items.map((i) => i.toLowerCase()))]),
    )
    .optional();

const querySchema = z.strictObject(
  {
    coins: list('coins', /^0x[0-9a-fA-F]{40}$/, 'a coin address (0x and 40 hex digits)', STREAM_LIMITS.coins),
    performances: list(
      'performances',
      /^0x[0-9a-fA-F]{40}$/,
      'a cast hash (0x and 40 hex digits)',
      STREAM_LIMITS.performances,
    ),
    trades: list('trades', /^0x[0-9a-fA-F]{64}$/, 'a transaction hash (0x and 64 hex digits)', STREAM_LIMITS.trades),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? `unknown parameter ${issue.keys.join(', ').slice(0, 64)}` : undefined,
  },
);

/** Parse `GET /api/stream`'s query: `coins`, `performances` and `trades`, each given at most once as a comma-separated
 * list, at least one subject in all. Every parameter seen once or more comes in as an array (c.req.queries()), so a
 * repeated one is refused rather than silently half-read. Answers the subscription or a short reason. Pure. */
export function parseStreamQuery(
  queries: Record<string, string[]>,
): { ok: true; subscription: StreamSubscription } | { ok: false; error: string } {
  const single: Record<string, string> = {};
  for (const [key, values] of Object.entries(queries)) {
    if (values.length !== 1 || values[0] === undefined)
      return { ok: false, error: `${key.slice(0, 32)}: give it once` };
    single[key] = values[0];
  }
  const parsed = querySchema.safeParse(single);
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0]?.message ?? 'bad query' };
  const subscription = {
    coins: parsed.data.coins ?? [],
    performances: parsed.data.performances ?? [],
    trades: parsed.data.trades ?? [],
  };
  if (subscription.coins.length + subscription.performances.length + subscription.trades.length === 0) {
    return { ok: false, error: 'name at least one of coins, performances, trades' };
  }
  return { ok: true, subscription };
}
