import { getAddress, type Hex, type TransactionReceipt, TransactionReceiptNotFoundError } from 'viem';
import type { ClaimedJob } from '../viral/types.ts';
import { type CoinJobContext, type CoinJobOutcome, DEFAULT_LOOKBACK_BLOCKS, releaseCoinJob } from './coinJob.ts';
import { confirmCoinFromReceipt } from './confirmCoinFromReceipt.ts';
import { type CoinRecoveryFacts, type CoinRecoveryQuestion, decideCoinRecovery } from './decideCoinRecovery.ts';
import { describeChainError } from './describeChainError.ts';
import { findCoinCreation } from './findCoinCreation.ts';
import { sendCoinTransaction } from './sendCoinTransaction.ts';

type Facts = CoinRecoveryFacts<TransactionReceipt>;

/** Look one fact up on chain (the I/O behind decideCoinRecovery's questions). */
async function gather(job: ClaimedJob, ctx: CoinJobContext, facts: Facts, fact: CoinRecoveryQuestion): Promise<Facts> {
  const { publicClient } = ctx.chain;
  const address = ctx.chain.sender;
  switch (fact) {
    case 'recordedReceipt': {
      const receipt = await publicClient.getTransactionReceipt({ hash: job.txHash as Hex }).catch((error: unknown) => {
        if (error instanceof TransactionReceiptNotFoundError) return null;
        throw error;
      });
      return { ...facts, recordedReceipt: receipt };
    }
    case 'nonces': {
      const latest = await publicClient.getTransactionCount({ address, blockTag: 'latest' });
      const pending = await publicClient.getTransactionCount({ address, blockTag: 'pending' });
      return { ...facts, nonces: { latest, pending } };
    }
    case 'creation':
      return { ...facts, creation: await findCoinCreation(ctx.chain, job, facts.lookbackBlocks) };
    case 'predictedCoinHasCode': {
      const code = await publicClient.getCode({ address: getAddress(job.expectedCoinAddress as string) });
      return { ...facts, predictedCoinHasCode: code !== undefined && code !== '0x' };
    }
    case 'nonceBeforeSearch': {
      const from = facts.creation?.found === false ? facts.creation.from : 0n;
      // Historical state: a node that pruned it cannot answer, which the decision treats as "cannot tell".
      const count = await publicClient
        .getTransactionCount({ address, blockNumber: from - 1n })
        .catch(() => 'unavailable' as const);
      return { ...facts, nonceBeforeSearch: count };
    }
  }
}

/** Recover a job that may already have sent its transaction: ask the chain what decideCoinRecovery needs, one fact
 * at a time, then carry out its decision (confirm, send with the same or a fresh nonce, or release the job with the
 * reason). Nothing is sent before the decision says so. */
export async function recoverCoinJob(job: ClaimedJob, ctx: CoinJobContext): Promise<CoinJobOutcome> {
  let facts: Facts = {
    intent: {
      sender: job.senderAddress,
      nonce: job.nonce,
      predictedCoinAddress: job.expectedCoinAddress,
      chainId: job.chainId,
      txHash: job.txHash,
    },
    configured: { sender: ctx.chain.sender, chainId: ctx.chain.chainId },
    lookbackBlocks: ctx.lookbackBlocks ?? DEFAULT_LOOKBACK_BLOCKS,
  };
  for (;;) {
    const decision = decideCoinRecovery(facts);
    switch (decision.kind) {
      case 'ask':
        try {
          facts = await gather(job, ctx, facts, decision.fact);
        } catch (error) {
          facts = { ...facts, rpcError: describeChainError(error) };
        }
        continue;
      case 'confirm':
        return confirmCoinFromReceipt(job, ctx, decision.receipt, true);
      case 'resend':
        return sendCoinTransaction(job, ctx, decision.nonce);
      case 'send_fresh':
        ctx.logger.info('coin job sends a fresh transaction', { job: job.id, reason: decision.reason });
        return sendCoinTransaction(job, ctx, null);
      case 'wait':
        return releaseCoinJob(job, ctx, { kind: 'retry', error: decision.reason });
      case 'retry_later':
        return releaseCoinJob(job, ctx, { kind: 'retry', error: decision.error });
      case 'misconfigured':
        return releaseCoinJob(job, ctx, { kind: 'waiting', reason: decision.reason });
      case 'fail':
        return releaseCoinJob(job, ctx, { kind: 'failed', error: decision.reason });
    }
  }
}
