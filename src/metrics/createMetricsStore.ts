import { z } from 'zod';
import type { Rpc } from '../db/rpc.ts';

const counts = z.record(z.string(), z.number());
const snapshotResult = z.object({
  inboxPending: z.number(),
  inboxFailed: z.number(),
  oldestPendingSeconds: z.number().nullable(),
  viralQueue: counts,
  trades: counts,
});

/** The database's side of the metrics, read on scrape: inbox depth and apply lag, coin jobs and trades by state. */
export type MetricsSnapshot = z.infer<typeof snapshotResult>;

export interface MetricsStore {
  snapshot(): Promise<MetricsSnapshot>;
}

/** The metrics store over one Rpc adapter (public.metrics_snapshot, supabase/migrations/20261130191000_metrics.sql). */
export function createMetricsStore(rpc: Rpc): MetricsStore {
  return {
    async snapshot() {
      return snapshotResult.parse(await rpc.call('metrics_snapshot', {}));
    },
  };
}
