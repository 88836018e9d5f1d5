import { z } from 'zod';
import type { Rpc } from '../db/rpc.ts';
import { type FeedKey, type FeedSort, feedKeySchema, type Performance, performanceSchema } from './types.ts';

const pageResult = z.object({ items: z.array(performanceSchema), nextCursor: feedKeySchema.nullable() });

/** Reads of performances (metrics, viral explanation, coin) for the API, the frames and the coin metadata. */
export interface PerformanceStore {
  /** One visible performance by cast hash; null when there is none. */
  getPerformance(castHash: string): Promise<Performance | null>;
  /** A page of the feed in `sort` order, after `cursor`; only the artist's performances when `artistFid` is given. */
  listPerformances(
    sort: FeedSort,
    limit: number,
    cursor: FeedKey | null,
    artistFid?: number,
  ): Promise<{
    items: Performance[];
    nextCursor: FeedKey | null;
  }>;
}

/** The performance store over any Rpc adapter; results are validated so a misbehaving adapter fails loudly. */
export function createPerformanceStore(rpc: Rpc): PerformanceStore {
  return {
    async getPerformance(castHash) {
      const result = await rpc.call('get_performance', { p_cast_hash: castHash });
      return result === null ? null : performanceSchema.parse(result);
    },
    async listPerformances(sort, limit, cursor, artistFid) {
      return pageResult.parse(
        await rpc.call('list_performances', {
          p_sort: sort,
          p_limit: limit,
          p_cursor: cursor,
          p_artist: artistFid ?? null,
        }),
      );
    },
  };
}
