import { z } from 'zod';
import type { Rpc } from '../db/rpc.ts';
import type { EngagementEvent } from './events.ts';

/** A signature-verified delivery, ready for the durable inbox. */
export interface InboxDelivery {
  sha256: string;
  rawBody: string;
  eventType: string;
  event: EngagementEvent;
}

const ingestResult = z.object({ stored: z.array(z.string()) });
const applyResult = z
  .object({
    applied: z.number(),
    failed: z.array(z.number()),
    sequential: z.boolean().optional(),
    deferred: z.number().optional(),
  })
  // `sequential` only when true (a batch that fell back to one-by-one application after an error), `deferred` only
  // when some events were left for the next call (the call's time budget ran out).
  .transform(({ sequential, deferred, ...rest }) => ({
    ...rest,
    ...(sequential === true ? { sequential } : {}),
    ...(deferred !== undefined && deferred > 0 ? { deferred } : {}),
  }));
const healthResult = z.object({ ok: z.boolean(), pendingEvents: z.number(), failedEvents: z.number() });
export type InboxHealth = z.infer<typeof healthResult>;
const driftSchema = z.array(
  z.object({ castHash: z.string(), counted: z.array(z.number()), rows: z.array(z.number()) }),
);
export type MetricDrift = z.infer<typeof driftSchema>;

/** The webhook inbox's database operations: commit deliveries, apply them to the metrics, and watch both. */
export interface IngestStore {
  /** Commit deliveries to the inbox once each (by body hash); answers the hashes this call stored. */
  ingestDeliveries(deliveries: InboxDelivery[]): Promise<Set<string>>;
  /** Apply up to `limit` committed deliveries to the metrics; answers how many applied and the ids that failed, and
   * `sequential: true` when the batch was applied one event at a time after an error in the set-based path. With
   * `budgetMs`, the batch's one-by-one events (casts, deletions, profiles) stop once that much time is spent; the
   * rest stay pending and are counted as `deferred`. With `lane`, claims only that lane's events (those whose first
   * user object has a fid with fid mod `lane.of` = `lane.index`; events without one go to lane 0), so appliers of
   * different lanes work at once, sharing only per-cast rows, which a lane locks up front in one order. */
  applyInbox(
    limit: number,
    budgetMs?: number,
    lane?: { index: number; of: number },
  ): Promise<{ applied: number; failed: number[]; sequential?: true; deferred?: number }>;
  /** The database is reachable, and how many inbox rows wait or failed. */
  health(): Promise<InboxHealth>;
  /** Casts whose stored metrics differ from a recount of their engagement rows (empty when consistent). */
  metricDrift(): Promise<MetricDrift>;
  /** Put failed inbox rows back in line; answers how many. */
  retryFailedWebhooks(): Promise<number>;
}

/** The ingest store over any Rpc adapter; results are validated so a misbehaving adapter fails loudly. */
export function createIngestStore(rpc: Rpc): IngestStore {
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
    async applyInbox(limit, budgetMs, lane) {
      const args: Record<string, number> = { p_limit: limit };
      if (budgetMs !== undefined) args.p_budget_ms = Math.ceil(budgetMs);
      if (lane !== undefined && lane.of > 1) {
        args.p_lane = lane.index;
        args.p_lanes = lane.of;
      }
      return applyResult.parse(await rpc.call('apply_webhook_inbox', args));
    },
    async health() {
      return healthResult.parse(await rpc.call('db_health', {}));
    },
    async metricDrift() {
      return driftSchema.parse(await rpc.call('metric_drift', {}));
    },
    async retryFailedWebhooks() {
      return z.number().parse(await rpc.call('retry_failed_webhooks', {}));
    },
  };
}
