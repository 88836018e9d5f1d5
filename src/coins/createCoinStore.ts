import { z } from 'zod';
import type { Rpc } from '../db/rpc.ts';
import {
  type ClaimedJob,
  type CoinConfirmation,
  claimedJobSchema,
  type JobOutcome,
  jobOutcomeSchema,
} from '../viral/types.ts';

/** The coin-creation job's steps, each one recorded before the next (lease, intent, sent, confirmed or released). */
export interface CoinStore {
  /** Lease due coin-creation jobs (FOR UPDATE SKIP LOCKED). */
  claimViralJobs(worker: string, limit: number, leaseSeconds: number): Promise<ClaimedJob[]>;
  /** Extend the worker's unexpired lease on a job by `leaseSeconds` from now (the heartbeat); false when it is lost. */
  renewViralJobLease(job: number, worker: string, leaseSeconds: number): Promise<boolean>;
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
}

/** The coin store over any Rpc adapter; results are validated so a misbehaving adapter fails loudly. */
export function createCoinStore(rpc: Rpc): CoinStore {
  return {
    async claimViralJobs(worker, limit, leaseSeconds) {
      return z
        .array(claimedJobSchema)
        .parse(await rpc.call('claim_viral_jobs', { p_worker: worker, p_limit: limit, p_lease_seconds: leaseSeconds }));
    },
    async renewViralJobLease(job, worker, leaseSeconds) {
      return z
        .boolean()
        .parse(await rpc.call('renew_viral_job_lease', { p_job: job, p_worker: worker, p_seconds: leaseSeconds }));
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
  };
}
