import { z } from 'zod';
import type { Rpc } from '../db/rpc.ts';

const bucketSchema = z.object({
  start: z.string(),
  likes: z.number(),
  recasts: z.number(),
  replies: z.number(),
  views: z.number(),
  buys: z.number(),
  sells: z.number(),
  volumeWei: z.string(),
  holders: z.number(),
});

const performanceAnalyticsSchema = z.object({
  castHash: z.string(),
  title: z.string(),
  bucket: z.enum(['hour', 'day']),
  from: z.string(),
  to: z.string(),
  buckets: z.array(bucketSchema),
  totals: z.record(z.string(), z.unknown()),
  funnel: z.record(z.string(), z.unknown()),
  supporters: z.unknown().optional(),
});

const artistAnalyticsSchema = z.object({
  fid: z.number(),
  bucket: z.enum(['hour', 'day']),
  from: z.string(),
  to: z.string(),
  buckets: z.array(bucketSchema),
  totals: z.record(z.string(), z.unknown()),
  funnel: z.record(z.string(), z.unknown()),
  performances: z.array(z.record(z.string(), z.unknown())),
  earnings: z.unknown().optional(),
});

const pruneResult = z.object({ analyticsEvents: z.number(), inboxRows: z.number(), unlinked: z.number() });

export type AnalyticsBucket = z.infer<typeof bucketSchema>;
export type PerformanceAnalytics = z.infer<typeof performanceAnalyticsSchema>;
export type ArtistAnalytics = z.infer<typeof artistAnalyticsSchema>;
export type PruneRawEventsResult = z.infer<typeof pruneResult>;

/** A time window of analytics buckets: hour or day (UTC), [from, to). */
export interface AnalyticsWindow {
  bucket: 'hour' | 'day';
  from: Date;
  to: Date;
}

/** Reads of the hourly rollups (public.performance_activity) and the retention of raw rows. */
export interface AnalyticsStore {
  /** A visible performance's buckets, totals and funnel; null when there is none. */
  performanceAnalytics(castHash: string, window: AnalyticsWindow): Promise<PerformanceAnalytics | null>;
  /** An artist's buckets summed over their performances, and each performance's totals; null for an unknown fid. */
  artistAnalytics(fid: number, window: AnalyticsWindow): Promise<ArtistAnalytics | null>;
  /** Delete up to `batch` raw analytics rows and applied inbox rows older than the given times. */
  pruneRawEvents(analyticsBefore: Date, inboxBefore: Date, batch: number): Promise<PruneRawEventsResult>;
}

const windowArgs = (w: AnalyticsWindow) => ({
  p_bucket: w.bucket,
  p_from: w.from.toISOString(),
  p_to: w.to.toISOString(),
});

/** The analytics store over one Rpc adapter (supabase/migrations/20261201140000_analytics_rollups.sql). */
export function createAnalyticsStore(rpc: Rpc): AnalyticsStore {
  return {
    async performanceAnalytics(castHash, window) {
      const result = await rpc.call('performance_analytics', { p_cast_hash: castHash, ...windowArgs(window) });
      return result === null ? null : performanceAnalyticsSchema.parse(result);
    },
    async artistAnalytics(fid, window) {
      const result = await rpc.call('artist_analytics', { p_fid: fid, ...windowArgs(window) });
      return result === null ? null : artistAnalyticsSchema.parse(result);
    },
    async pruneRawEvents(analyticsBefore, inboxBefore, batch) {
      return pruneResult.parse(
        await rpc.call('prune_raw_events', {
          p_analytics_before: analyticsBefore.toISOString(),
          p_inbox_before: inboxBefore.toISOString(),
          p_batch: batch,
        }),
      );
    },
  };
}
