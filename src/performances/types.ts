import { z } from 'zod';
import { coinSchema, viralSchema } from '../viral/types.ts';

/** A performance as the read API serves it (built by public.performance_json in SQL). */
export const performanceSchema = z.object({
  castHash: z.string(),
  title: z.string(),
  text: z.string(),
  audio: z.object({ url: z.string(), mimeType: z.string().nullable() }).nullable(),
  channelUrl: z.string().nullable(),
  artist: z.object({
    fid: z.number(),
    username: z.string().nullable(),
    displayName: z.string().nullable(),
    pfpUrl: z.string().nullable(),
    walletAddress: z.string().nullable(),
  }),
  metrics: z.object({ likes: z.number(), recasts: z.number(), replies: z.number(), views: z.number() }),
  createdAt: z.string(),
  viral: viralSchema,
  coin: coinSchema,
  /** Only in the trending feed: the points it ranks by (public.trending_points). */
  trending: z.object({ points: z.number() }).optional(),
});
export type Performance = z.infer<typeof performanceSchema>;

export const feedSortSchema = z.enum(['recent', 'top', 'trending']);
export type FeedSort = z.infer<typeof feedSortSchema>;

/** Keyset position: recent feeds use (t = cast time, h = hash), top feeds (s = engagement, h = hash), trending feeds
 * (g = trending points as a decimal string, a = the minute the listing ranks as of, h = hash). */
export const feedKeySchema = z.union([
  z.object({ t: z.string(), h: z.string() }).strict(),
  z.object({ s: z.number().int().nonnegative(), h: z.string() }).strict(),
  z.object({ g: z.string(), a: z.string(), h: z.string() }).strict(),
]);
export type FeedKey = z.infer<typeof feedKeySchema>;
