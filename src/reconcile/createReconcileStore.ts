import { z } from 'zod';
import type { Rpc } from '../db/rpc.ts';

const countsSchema = z.object({ castHash: z.string(), likes: z.number(), recasts: z.number(), replies: z.number() });
export type CastCounts = z.infer<typeof countsSchema>;
const correctionsResult = z.object({ checked: z.number(), corrected: z.number() });

/** What metric reconciliation reads and writes: our counts of recent casts, and corrections from another source. */
export interface ReconcileStore {
  /** Our counts of performances cast since `since`, in hash order after `after`. */
  reconcileCandidates(since: Date, after: string | null, limit: number): Promise<CastCounts[]>;
  /** Record another source's counts; answers how many were checked and how many corrected a metric. */
  recordMetricCorrections(reports: CastCounts[]): Promise<{ checked: number; corrected: number }>;
}

/** The reconcile store over any Rpc adapter; results are validated so a misbehaving adapter fails loudly. */
export function createReconcileStore(rpc: Rpc): ReconcileStore {
  return {
    async reconcileCandidates(since, after, limit) {
      return z
        .array(countsSchema)
        .parse(
          await rpc.call('reconcile_candidates', { p_since: since.toISOString(), p_after: after, p_limit: limit }),
        );
    },
    async recordMetricCorrections(reports) {
      return correctionsResult.parse(await rpc.call('record_metric_corrections', { p_reports: reports }));
    },
  };
}
