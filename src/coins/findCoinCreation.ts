import { coinFactoryABI } from '@zoralabs/protocol-deployments';
import { getAddress, isAddressEqual, type TransactionReceipt } from 'viem';
import { coinMetadataUrl } from './coinMetadataUrl.ts';
import type { CoinChain } from './createCoinChain.ts';
import type { CreationSearch } from './decideCoinRecovery.ts';

/** Logs are asked for in ranges of this many blocks (public RPCs cap eth_getLogs ranges). */
const LOG_CHUNK = 10_000n;

/** Search the factory's CoinCreatedV4 events with the platform wallet as caller, newest first, over the last
 * `lookbackBlocks` blocks, for this job's coin: matched by the predicted coin address, or by the metadata URI path
 * (unique per performance, whatever PUBLIC_URL was). Answers the receipt of the creating transaction, or the window
 * that was searched in vain. RPC errors are thrown to the caller. */
export async function findCoinCreation(
  chain: Pick<CoinChain, 'publicClient' | 'factory' | 'sender'>,
  job: { castHash: string; expectedCoinAddress: string | null },
  lookbackBlocks: bigint,
): Promise<CreationSearch<TransactionReceipt>> {
  // cacheTime 0: viem caches the block number for a polling interval, which could hide a just-mined creation.
  const latest = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
  const floor = latest > lookbackBlocks ? latest - lookbackBlocks : 0n;
  const uriPath = new URL(coinMetadataUrl('http://x', job.castHash)).pathname;
  const predicted = job.expectedCoinAddress === null ? null : getAddress(job.expectedCoinAddress);
  for (let to = latest; to >= floor; to -= LOG_CHUNK) {
    const from = to - LOG_CHUNK + 1n > floor ? to - LOG_CHUNK + 1n : floor;
    const logs = await chain.publicClient.getContractEvents({
      address: chain.factory,
      abi: coinFactoryABI,
      eventName: 'CoinCreatedV4',
      args: { caller: chain.sender },
      fromBlock: from,
      toBlock: to,
      strict: true,
    });
    const match = logs.find(
      (log) => (predicted !== null && isAddressEqual(log.args.coin, predicted)) || log.args.uri.endsWith(uriPath),
    );
    if (match) {
      return { found: true, receipt: await chain.publicClient.getTransactionReceipt({ hash: match.transactionHash }) };
    }
    if (from === floor) break;
  }
  return { found: false, from: floor, to: latest };
}
