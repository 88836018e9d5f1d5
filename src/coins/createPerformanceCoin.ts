import type { ClaimedJob } from '../viral/types.ts';
import type { CoinJobContext, CoinJobOutcome } from './coinJob.ts';
import { recoverCoinJob } from './recoverCoinJob.ts';
import { sendCoinTransaction } from './sendCoinTransaction.ts';

export type { CoinFaults, CoinJobContext, CoinJobOutcome } from './coinJob.ts';

/** Create the Zora content coin of one claimed job, exactly once: a fresh job gets calldata from coins-sdk, records
 * its intent (sender, nonce, predicted address) before sending, sends with that exact nonce, and confirms from the
 * CoinCreatedV4 log (sendCoinTransaction); a recovery job is first looked up on chain (recoverCoinJob, deciding with
 * decideCoinRecovery). Expected failures are released through retry_viral_job; an unexpected throw leaves the job
 * leased for recovery. */
export function createPerformanceCoin(job: ClaimedJob, ctx: CoinJobContext): Promise<CoinJobOutcome> {
  return job.recovery ? recoverCoinJob(job, ctx) : sendCoinTransaction(job, ctx, null);
}
