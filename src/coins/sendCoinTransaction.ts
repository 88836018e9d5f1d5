import { getAddress, type Hex, keccak256, type TransactionReceipt } from 'viem';
import type { ClaimedJob } from '../viral/types.ts';
import { type CoinJobContext, type CoinJobOutcome, releaseCoinJob, releaseReverted } from './coinJob.ts';
import { confirmCoinFromReceipt } from './confirmCoinFromReceipt.ts';
import { describeChainError, revertReason } from './describeChainError.ts';
import { requestCreateCall } from './requestCreateCall.ts';

/** Whether the heartbeat found the job's lease lost (read afresh at each step: it changes while the job runs). */
const leaseLost = (ctx: CoinJobContext): boolean => ctx.signal?.aborted === true;

/** Send a job's creation transaction and settle it: calldata from the Zora API (checked), a simulation (a revert is
 * decoded and counted), then the intent (sender, nonce, predicted address, chain) is recorded BEFORE anything is
 * signed, the transaction is sent with exactly that nonce (`reuseNonce`, or the account's pending count for a fresh
 * send), its hash recorded, and its receipt awaited. A crash at any step leaves the job for recovery; a lost lease
 * (ctx.signal aborted) stops it before the intent and before the send. */
export async function sendCoinTransaction(
  job: ClaimedJob,
  ctx: CoinJobContext,
  reuseNonce: number | null,
): Promise<CoinJobOutcome> {
  const { chain, store, workerId: worker } = ctx;
  if (job.performanceDeleted) return releaseCoinJob(job, ctx, { kind: 'failed', error: 'the performance was deleted' });
  if (job.artistWalletAddress === null) {
    return releaseCoinJob(job, ctx, { kind: 'waiting', reason: 'artist has no wallet address' });
  }
  const requested = await requestCreateCall(job, ctx, getAddress(job.artistWalletAddress));
  if (!requested.ok) {
    return releaseCoinJob(job, ctx, {
      kind: requested.permanent === true ? 'failed' : 'retry',
      error: requested.error,
    });
  }
  const { call } = requested;
  const tx = { account: chain.walletClient.account, to: call.to, data: call.data, value: 0n } as const;

  try {
    await chain.publicClient.call(tx);
  } catch (error) {
    const reason = revertReason(error);
    if (reason !== null) return releaseReverted(job, ctx, `Create coin transaction reverted: ${reason}`);
    return releaseCoinJob(job, ctx, { kind: 'retry', error: `RPC call failed: ${describeChainError(error)}` });
  }

  let nonce: number;
  try {
    nonce =
      reuseNonce ?? (await chain.publicClient.getTransactionCount({ address: chain.sender, blockTag: 'pending' }));
  } catch (error) {
    return releaseCoinJob(job, ctx, { kind: 'retry', error: `RPC nonce lookup failed: ${describeChainError(error)}` });
  }

  // The intent is committed before anything is signed: from here on, a crash leaves a submitting job whose
  // sender and nonce tell recovery exactly which transaction slot to inspect on chain.
  if (leaseLost(ctx)) return { kind: 'lease_lost', step: 'intent' };
  const intent = await store.recordCoinIntent(job.id, worker, {
    sender: chain.sender,
    nonce,
    expectedCoinAddress: call.predictedCoinAddress,
    chainId: chain.chainId,
  });
  if (!intent.ok) return { kind: 'lease_lost', step: 'intent' };
  await ctx.faults?.afterIntent?.();
  // The heartbeat found the lease gone (another worker may be recovering the job): never send on a lost lease.
  if (leaseLost(ctx)) return { kind: 'lease_lost', step: 'send' };

  let txHash: Hex;
  try {
    const request = await chain.walletClient.prepareTransactionRequest({
      ...tx,
      nonce,
      chain: chain.walletClient.chain,
    });
    const signed = await chain.walletClient.signTransaction(request);
    txHash = keccak256(signed);
    await chain.walletClient.sendRawTransaction({ serializedTransaction: signed });
  } catch (error) {
    // The job stays submitting (retry_viral_job keeps the state): the next attempt is a recovery that checks the
    // nonce on chain before sending anything again.
    const reason = revertReason(error);
    const message =
      reason === null ? `sending failed: ${describeChainError(error)}` : `Create coin transaction reverted: ${reason}`;
    return reason === null
      ? releaseCoinJob(job, ctx, { kind: 'retry', error: message })
      : releaseReverted(job, ctx, message);
  }
  await ctx.faults?.afterSend?.(txHash);

  const submitted = await store.markCoinSubmitted(job.id, txHash, worker);
  if (!submitted.ok) return { kind: 'lease_lost', step: 'submitted' };
  await ctx.faults?.afterSubmitted?.(txHash);
  ctx.logger.info('coin transaction sent', { job: job.id, castHash: job.castHash, txHash, nonce });

  let receipt: TransactionReceipt;
  try {
    receipt = await chain.publicClient.waitForTransactionReceipt({
      hash: txHash,
      timeout: ctx.receiptTimeoutMs ?? 60_000,
    });
  } catch (error) {
    return releaseCoinJob(job, ctx, {
      kind: 'retry',
      error: `no receipt for ${txHash} yet: ${describeChainError(error)}`,
    });
  }
  await ctx.faults?.afterReceipt?.(receipt);
  return confirmCoinFromReceipt(job, ctx, receipt, false);
}
