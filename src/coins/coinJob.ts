import type { Address, Hex, TransactionReceipt } from 'viem';
import { zeroAddress } from 'viem';
import type { Logger } from '../support/logger.ts';
import type { ClaimedJob } from '../viral/types.ts';
import type { IntendedCoin } from './checkCreateCall.ts';
import { coinMetadataUrl } from './coinMetadataUrl.ts';
import type { CoinChain } from './createCoinChain.ts';
import type { CoinStore } from './createCoinStore.ts';
import { deriveCoinSymbol } from './deriveCoinSymbol.ts';

/** Crash injection for tests: each hook runs right after its step and may throw to simulate the process dying
 * there (the worker then leaves the job leased, exactly as a crash would). */
export interface CoinFaults {
  afterIntent?: () => void | Promise<void>;
  afterSend?: (txHash: Hex) => void | Promise<void>;
  afterSubmitted?: (txHash: Hex) => void | Promise<void>;
  afterReceipt?: (receipt: TransactionReceipt) => void | Promise<void>;
}

/** Everything createPerformanceCoin works with; the chain holds the platform wallet. */
export interface CoinJobContext {
  store: CoinStore;
  logger: Logger;
  chain: CoinChain;
  workerId: string;
  /** Base URL of this server: the coin's metadata URI is coinMetadataUrl(publicUrl, castHash). */
  publicUrl: string;
  faults?: CoinFaults;
  /** Aborted when the job's lease is lost (holdLease): nothing more may be sent or recorded for it. */
  signal?: AbortSignal;
  /** Reverts are retried with backoff until the job has this many attempts, then it fails permanently. Default 5. */
  maxRevertAttempts?: number;
  /** How long to wait for a receipt before releasing the job for recovery (ms). Default 60 000. */
  receiptTimeoutMs?: number;
  /** How far back recovery looks for the job's CoinCreatedV4 event (blocks). Default 200 000 (~4.6 days on Base). */
  lookbackBlocks?: bigint;
  /** How long a job waits for something outside our control (an artist wallet), in seconds. Default 600. */
  waitSeconds?: number;
}

/** What happened to a job in one run. */
export type CoinJobOutcome =
  | { kind: 'confirmed'; coinAddress: Address; txHash: Hex; recovered: boolean }
  | { kind: 'retry'; error: string }
  | { kind: 'waiting'; reason: string }
  | { kind: 'failed'; error: string }
  | { kind: 'lease_lost'; step: string };

/** An outcome that hands the job back to the queue. */
export type CoinJobRelease = Exclude<CoinJobOutcome, { kind: 'confirmed' } | { kind: 'lease_lost' }>;

export const DEFAULT_LOOKBACK_BLOCKS = 200_000n;

/** Hand the job back through retry_viral_job: a wait (no attempt counted), a backoff retry, or a permanent failure. */
export async function releaseCoinJob(
  job: ClaimedJob,
  ctx: CoinJobContext,
  outcome: CoinJobRelease,
): Promise<CoinJobOutcome> {
  const worker = ctx.workerId;
  const result =
    outcome.kind === 'waiting'
      ? await ctx.store.retryViralJob(job.id, outcome.reason, { waitSeconds: ctx.waitSeconds ?? 600, worker })
      : await ctx.store.retryViralJob(job.id, outcome.error, { permanent: outcome.kind === 'failed', worker });
  if (!result.ok) return { kind: 'lease_lost', step: 'release' };
  const level = outcome.kind === 'waiting' ? 'info' : 'warn';
  ctx.logger[level]('coin job released', { job: job.id, castHash: job.castHash, ...outcome });
  return outcome;
}

/** A revert is retried (the API's next calldata may differ) until maxRevertAttempts, then fails for good. */
export function releaseReverted(job: ClaimedJob, ctx: CoinJobContext, message: string): Promise<CoinJobOutcome> {
  const permanent = job.attempts + 1 >= (ctx.maxRevertAttempts ?? 5);
  return releaseCoinJob(job, ctx, permanent ? { kind: 'failed', error: message } : { kind: 'retry', error: message });
}

/** The coin a job asks for: name, symbol and metadata URI derived from the performance, the artist as payout
 * recipient, the platform wallet as sole owner, and the configured platform referrer (or none). Both the creation
 * call and the mined event are checked against it. */
export function intendedCoin(job: ClaimedJob, ctx: CoinJobContext, artist: Address): IntendedCoin {
  return {
    payoutRecipient: artist,
    // coins-sdk makes `creator` the only owner unless additionalOwners is sent, and we send none.
    owners: [ctx.chain.sender],
    uri: coinMetadataUrl(ctx.publicUrl, job.castHash),
    name: job.title.trim() || `GigaVibe ${job.castHash.slice(0, 10)}`,
    symbol: deriveCoinSymbol(job.title, job.castHash),
    platformReferrer: ctx.chain.platformReferrer ?? zeroAddress,
  };
}
