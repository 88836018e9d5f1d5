import { z } from 'zod';
import {
  type FeedKey,
  type FeedSort,
  feedKeySchema,
  type Performance,
  performanceSchema,
} from '../performances/types.ts';
import type { EngagementEvent } from '../webhooks/events.ts';
import type { Rpc } from './rpc.ts';

/** A signature-verified delivery, ready for the durable inbox. */
export interface InboxDelivery {
  sha256: string;
  rawBody: string;
  eventType: string;
  event: EngagementEvent;
}

const ingestResult = z.object({ stored: z.array(z.string()) });
const applyResult = z.object({ applied: z.number(), failed: z.array(z.number()) });
const healthResult = z.object({ ok: z.boolean(), pendingEvents: z.number(), failedEvents: z.number() });
const pageResult = z.object({ items: z.array(performanceSchema), nextCursor: feedKeySchema.nullable() });
const countsSchema = z.object({ castHash: z.string(), likes: z.number(), recasts: z.number(), replies: z.number() });
export type CastCounts = z.infer<typeof countsSchema>;
const driftSchema = z.array(
  z.object({ castHash: z.string(), counted: z.array(z.number()), rows: z.array(z.number()) }),
);

/** Every database operation the app performs, each one SQL function (supabase/migrations), whatever the adapter. */
export interface Store {
  ingestDeliveries(deliveries: InboxDelivery[]): Promise<Set<string>>;
  applyInbox(limit: number): Promise<{ applied: number; failed: number[] }>;
  getPerformance(castHash: string): Promise<Performance | null>;
  listPerformances(
    sort: FeedSort,
    limit: number,
    cursor: FeedKey | null,
  ): Promise<{
    items: Performance[];
    nextCursor: FeedKey | null;
  }>;
  health(): Promise<z.infer<typeof healthResult>>;
  reconcileCandidates(since: Date, after: string | null, limit: number): Promise<CastCounts[]>;
  recordMetricCorrections(reports: CastCounts[]): Promise<{ checked: number; corrected: number }>;
  metricDrift(): Promise<z.infer<typeof driftSchema>>;
  retryFailedWebhooks(): Promise<number>;
  close(): Promise<void>;
}

/** Build the typed store over any Rpc adapter; results are validated so a misbehaving adapter fails loudly. */
export function createStore(rpc: Rpc): Store {
  return {
    async ingestDeliveries(deliveries) {
      const result = ingestResult.parse(
        await rpc.call('ingest_webhook_events', {
          p_deliveries: deliveries.map((d) => ({
            sha256: d.sha256,
            raw_body: d.rawBody,
            event_type: d.eventType,
            event: d.event,
            verified: true,
          })),
        }),
      );
      return new Set(result.stored);
    },
    async applyInbox(limit) {
      return applyResult.parse(await rpc.call('apply_webhook_inbox', { p_limit: limit }));
    },
    async getPerformance(castHash) {
      const result = await rpc.call('get_performance', { p_cast_hash: castHash });
      return result === null ? null : performanceSchema.parse(result);
    },
    async listPerformances(sort, limit, cursor) {
      return pageResult.parse(await rpc.call('list_performances', { p_sort: sort, p_limit: limit, p_cursor: cursor }));
    },
    async health() {
      return healthResult.parse(await rpc.call('db_health', {}));
    },
    async reconcileCandidates(since, after, limit) {
      return z
        .array(countsSchema)
        .parse(
          await rpc.call('reconcile_candidates', { p_since: since.toISOString(), p_after: after, p_limit: limit }),
        );
    },
    async recordMetricCorrections(reports) {
      return z
        .object({ checked: z.number(), corrected: z.number() })
        .parse(await rpc.call('record_metric_corrections', { p_reports: reports }));
    },
    async metricDrift() {
      return driftSchema.parse(await rpc.call('metric_drift', {}));
    },
    async retryFailedWebhooks() {
      return z.number().parse(await rpc.call('retry_failed_webhooks', {}));
    },
    close: () => rpc.close(),
  };
}
