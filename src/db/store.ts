import { z } from 'zod';
import {
  type FrameActionOutcome,
  type FrameActionRecord,
  type FrameViewRecord,
  frameActionOutcomeSchema,
} from '../farcaster/frameActionRecord.ts';
import {
  type FeedKey,
  type FeedSort,
  feedKeySchema,
  type Performance,
  performanceSchema,
} from '../performances/types.ts';
import {
  type BuyTarget,
  buyTargetSchema,
  type ClaimedTrade,
  claimedTradeSchema,
  type PendingTradeOutcome,
  type PendingTradeReport,
  pendingTradeOutcomeSchema,
  type Trade,
  type TradeQuoteRecord,
  type TradeSettlement,
  tradeSchema,
} from '../trading/types.ts';
import {
  type ClaimedJob,
  type CoinConfirmation,
  claimedJobSchema,
  type JobOutcome,
  type JobStatus,
  jobOutcomeSchema,
  type QueueItem,
  queueItemSchema,
  type ViralParams,
  viralParamsSchema,
} from '../viral/types.ts';
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
const sweepResult = z.object({ checked: z.number(), enqueued: z.number() });
export type SweepResult = z.infer<typeof sweepResult>;
const queuePage = z.object({ items: z.array(queueItemSchema), nextCursor: z.number().nullable() });
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
  /** Periodic viral detection over every candidate performance. */
  sweepViral(now?: Date): Promise<SweepResult>;
  /** Incremental viral detection for one performance; true when this call created its job. */
  checkViral(castHash: string, now?: Date): Promise<boolean>;
  /** Apply config overrides of the viral parameters (recorded only when they change something). */
  applyViralConfig(threshold: number | null): Promise<ViralParams>;
  /** Change viral parameters; the change is recorded with the actor. */
  setViralParams(patch: Partial<Omit<ViralParams, 'updated_by' | 'updated_at'>>, actor: string): Promise<ViralParams>;
  /** Lease due coin-creation jobs (FOR UPDATE SKIP LOCKED). */
  claimViralJobs(worker: string, limit: number, leaseSeconds: number): Promise<ClaimedJob[]>;
  /** Record the coin-creation intent before sending the transaction. */
  recordCoinIntent(
    job: number,
    worker: string,
    intent: { sender: string; nonce: number | null; expectedCoinAddress: string | null; chainId: number },
  ): Promise<JobOutcome>;
  /** Record the hash of the sent transaction. */
  markCoinSubmitted(job: number, txHash: string, worker?: string): Promise<JobOutcome>;
  /** Atomically record the confirmed coin, analytics event and coin_created notification (idempotent). */
  confirmCoin(job: number, coin: CoinConfirmation, worker?: string): Promise<JobOutcome>;
  /** Release a job after a failure: backoff retry, a wait with a reason, or permanent failure. */
  retryViralJob(
    job: number,
    error: string,
    options?: { permanent?: boolean; waitSeconds?: number; worker?: string },
  ): Promise<JobOutcome>;
  /** A page of the queue for the admin route, newest first. */
  listViralQueue(
    status: JobStatus | null,
    limit: number,
    cursor: number | null,
  ): Promise<{ items: QueueItem[]; nextCursor: number | null }>;
  /** Accept a verified frame action once (replay registry, analytics, first-time viewer -> views metric). */
  recordFrameAction(action: FrameActionRecord): Promise<FrameActionOutcome>;
  /** Log unsigned frame/image GETs (analytics only). */
  recordFrameViews(views: FrameViewRecord[]): Promise<number>;
  /** Drop replay-registry rows received before `before`. */
  pruneFrameActions(before: Date): Promise<number>;
  /** A performance and its coin, for buying; null when the cast is not a performance. */
  getBuyTarget(castHash: string): Promise<BuyTarget | null>;
  /** Remember a buy transaction handed to a wallet; returns the quote id (an identical recent quote's, if any). */
  recordTradeQuote(quote: TradeQuoteRecord): Promise<number>;
  /** Delete quotes created before `before` that no trade links to; answers how many went. */
  pruneTradeQuotes(before: Date): Promise<number>;
  /** Record a reported buy once per (chain, tx hash, reported buyer), or refuse it (too many unconfirmed reports of
   * the fid or buyer; another fid reported it first). */
  recordPendingTrade(report: PendingTradeReport): Promise<PendingTradeOutcome>;
  /** Whether the identity bridge knows `address` as the fid's custody, verified or primary Ethereum address. */
  isAddressOfFid(fid: number, address: string): Promise<boolean>;
  /** Lease due pending trades (FOR UPDATE SKIP LOCKED). */
  claimPendingTrades(worker: string, limit: number, leaseSeconds: number): Promise<ClaimedTrade[]>;
  /** Confirm, fail or reschedule a leased trade; answers the resulting status ('not_owner' if the lease was lost). */
  settleTrade(id: number, worker: string, settlement: TradeSettlement): Promise<string>;
  /** One reported trade by chain and transaction hash. */
  getTrade(chainId: number, txHash: string): Promise<Trade | null>;
  /** Take an exclusive background job's lease for `seconds`; true when `holder` now holds it. */
  claimJobLease(name: string, holder: string, seconds: number): Promise<boolean>;
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
    async sweepViral(now) {
      return sweepResult.parse(await rpc.call('sweep_viral', now ? { p_now: now.toISOString() } : {}));
    },
    async checkViral(castHash, now) {
      return z
        .boolean()
        .parse(await rpc.call('check_viral', { p_cast_hash: castHash, ...(now ? { p_now: now.toISOString() } : {}) }));
    },
    async applyViralConfig(threshold) {
      return viralParamsSchema.parse(await rpc.call('apply_viral_config', { p_threshold: threshold }));
    },
    async setViralParams(patch, actor) {
      return viralParamsSchema.parse(await rpc.call('set_viral_params', { p_patch: patch, p_actor: actor }));
    },
    async claimViralJobs(worker, limit, leaseSeconds) {
      return z
        .array(claimedJobSchema)
        .parse(await rpc.call('claim_viral_jobs', { p_worker: worker, p_limit: limit, p_lease_seconds: leaseSeconds }));
    },
    async recordCoinIntent(job, worker, intent) {
      return jobOutcomeSchema.parse(
        await rpc.call('record_coin_intent', {
          p_job: job,
          p_worker: worker,
          p_sender: intent.sender,
          p_nonce: intent.nonce,
          p_expected_coin_address: intent.expectedCoinAddress,
          p_chain_id: intent.chainId,
        }),
      );
    },
    async markCoinSubmitted(job, txHash, worker) {
      return jobOutcomeSchema.parse(
        await rpc.call('mark_coin_submitted', { p_job: job, p_tx_hash: txHash, p_worker: worker ?? null }),
      );
    },
    async confirmCoin(job, coin, worker) {
      return jobOutcomeSchema.parse(
        await rpc.call('confirm_coin', {
          p_job: job,
          p_coin_address: coin.coinAddress,
          p_symbol: coin.symbol,
          p_name: coin.name,
          p_tx_hash: coin.txHash,
          p_block: coin.blockNumber === null ? null : coin.blockNumber.toString(),
          p_pool_key: coin.poolKey,
          p_pool_id: coin.poolId,
          p_created_at: coin.createdAt.toISOString(),
          p_worker: worker ?? null,
        }),
      );
    },
    async retryViralJob(job, error, options = {}) {
      return jobOutcomeSchema.parse(
        await rpc.call('retry_viral_job', {
          p_job: job,
          p_error: error,
          p_permanent: options.permanent ?? false,
          p_wait_seconds: options.waitSeconds ?? null,
          p_worker: options.worker ?? null,
        }),
      );
    },
    async listViralQueue(status, limit, cursor) {
      return queuePage.parse(
        await rpc.call('list_viral_queue', { p_status: status, p_limit: limit, p_cursor: cursor }),
      );
    },
    async recordFrameAction(action) {
      return frameActionOutcomeSchema.parse(
        await rpc.call('record_frame_action', {
          p_action: {
            messageHash: action.messageHash,
            fid: action.fid,
            castHash: action.castHash,
            action: action.action,
            buttonIndex: action.buttonIndex,
            signedAt: action.signedAt.toISOString(),
            data: action.data ?? {},
          },
        }),
      );
    },
    async recordFrameViews(views) {
      if (views.length === 0) return 0;
      return z.number().parse(
        await rpc.call('record_frame_views', {
          p_views: views.map((v) => ({
            castHash: v.castHash,
            kind: v.kind,
            at: v.at.toISOString(),
            count: v.count ?? 1,
          })),
        }),
      );
    },
    async claimJobLease(name, holder, seconds) {
      return z
        .boolean()
        .parse(await rpc.call('claim_job_lease', { p_name: name, p_holder: holder, p_seconds: seconds }));
    },
    async pruneFrameActions(before) {
      return z.number().parse(await rpc.call('prune_frame_actions', { p_before: before.toISOString() }));
    },
    async getBuyTarget(castHash) {
      const result = await rpc.call('get_buy_target', { p_cast_hash: castHash });
      return result === null ? null : buyTargetSchema.parse(result);
    },
    async recordTradeQuote(quote) {
      return z.coerce.number().parse(
        await rpc.call('record_trade_quote', {
          p_quote: {
            ...quote,
            amountInWei: quote.amountInWei.toString(),
            expectedOut: quote.expectedOut.toString(),
            minOut: quote.minOut.toString(),
          },
        }),
      );
    },
    async pruneTradeQuotes(before) {
      return z.number().parse(await rpc.call('prune_trade_quotes', { p_older_than: before.toISOString() }));
    },
    async recordPendingTrade(report) {
      return pendingTradeOutcomeSchema.parse(await rpc.call('record_pending_trade', { p_trade: report }));
    },
    async isAddressOfFid(fid, address) {
      return z.boolean().parse(await rpc.call('is_address_of_fid', { p_fid: fid, p_address: address }));
    },
    async claimPendingTrades(worker, limit, leaseSeconds) {
      return z
        .array(claimedTradeSchema)
        .parse(
          await rpc.call('claim_pending_trades', { p_worker: worker, p_limit: limit, p_lease_seconds: leaseSeconds }),
        );
    },
    async settleTrade(id, worker, settlement) {
      const result =
        settlement.status === 'pending'
          ? { status: 'pending', retrySeconds: settlement.retrySeconds }
          : {
              ...settlement,
              blockNumber: settlement.blockNumber?.toString() ?? null,
              ...(settlement.status === 'confirmed'
                ? {
                    amountOut: settlement.amountOut.toString(),
                    amountInWei: settlement.amountInWei?.toString() ?? null,
                  }
                : {}),
            };
      return z.string().parse(await rpc.call('settle_trade', { p_id: id, p_worker: worker, p_result: result }));
    },
    async getTrade(chainId, txHash) {
      const result = await rpc.call('get_trade', { p_chain_id: chainId, p_tx_hash: txHash });
      return result === null ? null : tradeSchema.parse(result);
    },
    close: () => rpc.close(),
  };
}
