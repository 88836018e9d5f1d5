import type { Logger } from '../support/logger.ts';
import type { AnalyticsStore } from './createAnalyticsStore.ts';

/** Retention of raw rows: how old they may get, and how much one run deletes at most. */
export interface RawEventRetention {
  analyticsDays: number;
  inboxDays: number;
  batch?: number;
  maxBatchesPerRun?: number;
}

const DAY_MS = 86_400_000;

/** Delete raw analytics rows and applied inbox rows past their retention, in batches (short transactions, so ingest
 * is never blocked long), until a batch finds less than it may delete, the run's budget is spent or the job is
 * stopped. Rollups and counters are untouched. Answers the totals deleted. */
export async function pruneRawEvents(
  store: Pick<AnalyticsStore, 'pruneRawEvents'>,
  retention: RawEventRetention,
  options: { now?: Date; signal?: AbortSignal; logger?: Logger } = {},
): Promise<{ analyticsEvents: number; inboxRows: number }> {
  const now = options.now ?? new Date();
  const batch = retention.batch ?? 5000;
  const maxBatches = retention.maxBatchesPerRun ?? 40;
  const analyticsBefore = new Date(now.getTime() - retention.analyticsDays * DAY_MS);
  const inboxBefore = new Date(now.getTime() - retention.inboxDays * DAY_MS);
  const total = { analyticsEvents: 0, inboxRows: 0 };
  for (let i = 0; i < maxBatches && options.signal?.aborted !== true; i++) {
    const deleted = await store.pruneRawEvents(analyticsBefore, inboxBefore, batch);
    total.analyticsEvents += deleted.analyticsEvents;
    total.inboxRows += deleted.inboxRows;
    if (deleted.analyticsEvents < batch && deleted.inboxRows < batch) break;
  }
  if (total.analyticsEvents > 0 || total.inboxRows > 0) options.logger?.info('raw events pruned', total);
  return total;
}
