import { getAddress, type TransactionReceipt } from 'viem';
import type { ClaimedJob } from '../viral/types.ts';
import { loadZoraSdk } from '../zora/configureZoraApi.ts';
import { checkCoinCreated } from './checkCoinCreated.ts';
import { type CoinJobContext, type CoinJobOutcome, intendedCoin, releaseCoinJob, releaseReverted } from './coinJob.ts';
import { revertReason } from './describeChainError.ts';

/** Settle a job from a mined receipt of its transaction: a revert is decoded (by replaying the call one block
 * earlier) and counted as a revert; a success must carry a CoinCreatedV4 event that checkCoinCreated accepts against
 * the intended coin, and only then is the coin recorded (confirm_coin). */
export async function confirmCoinFromReceipt(
  job: ClaimedJob,
  ctx: CoinJobContext,
  receipt: TransactionReceipt,
  recovered: boolean,
): Promise<CoinJobOutcome> {
  const { chain } = ctx;
  if (receipt.status !== 'success') {
    let reason = 'no reason given';
    try {
      const tx = await chain.publicClient.getTransaction({ hash: receipt.transactionHash });
      await chain.publicClient.call({
        account: tx.from,
        to: tx.to,
        data: tx.input,
        value: tx.value,
        blockNumber: receipt.blockNumber - 1n,
      });
    } catch (error) {
      reason = revertReason(error) ?? reason;
    }
    return releaseReverted(job, ctx, `Create coin transaction ${receipt.transactionHash} reverted: ${reason}`);
  }
  const { getCoinCreateFromLogs } = await loadZoraSdk();
  const deployment = getCoinCreateFromLogs(receipt);
  if (!deployment) {
    return releaseCoinJob(job, ctx, {
      kind: 'retry',
      error: `transaction ${receipt.transactionHash} succeeded without a CoinCreatedV4 event`,
    });
  }
  // Recorded only if the chain says the coin is the one we asked for (see checkCoinCreated).
  if (job.artistWalletAddress === null) {
    return releaseCoinJob(job, ctx, {
      kind: 'failed',
      error: `coin ${deployment.coin} created, but the artist has no wallet address to check its payout recipient against`,
    });
  }
  const matches = checkCoinCreated(deployment, {
    ...intendedCoin(job, ctx, getAddress(job.artistWalletAddress)),
    caller: chain.sender,
  });
  if (!matches.ok) {
    return releaseCoinJob(job, ctx, {
      kind: 'failed',
      error: `coin ${deployment.coin} (tx ${receipt.transactionHash}) not recorded: ${matches.reason}`,
    });
  }
  const block = await chain.publicClient.getBlock({ blockNumber: receipt.blockNumber });
  const confirmed = await ctx.store.confirmCoin(
    job.id,
    {
      coinAddress: deployment.coin,
      symbol: deployment.symbol,
      name: deployment.name,
      txHash: receipt.transactionHash,
      blockNumber: receipt.blockNumber,
      poolKey: {
        currency0: deployment.poolKey.currency0,
        currency1: deployment.poolKey.currency1,
        fee: deployment.poolKey.fee,
        tickSpacing: deployment.poolKey.tickSpacing,
        hooks: deployment.poolKey.hooks,
      },
      poolId: deployment.poolKeyHash,
      createdAt: new Date(Number(block.timestamp) * 1000),
    },
    ctx.workerId,
  );
  if (!confirmed.ok) return { kind: 'lease_lost', step: 'confirm' };
  ctx.logger.info('coin confirmed', {
    job: job.id,
    castHash: job.castHash,
    coin: deployment.coin,
    txHash: receipt.transactionHash,
    recovered,
  });
  return { kind: 'confirmed', coinAddress: deployment.coin, txHash: receipt.transactionHash, recovered };
}
