import { decodeEventLog, encodeAbiParameters, type Hex, keccak256, zeroAddress } from 'viem';
import { SWAPPED_TOPIC, swappedEventAbi, TRANSFER_TOPIC, transferEventAbi } from './coinHookAbi.ts';
import { weiPerCoin } from './priceFromSqrtPrice.ts';
import type { RawLog } from './readLogsAdaptively.ts';

/** A coin the indexer follows: its address, its ETH/coin pool's id and the pool's hook (all lowercase). */
export interface FollowedCoin {
  address: string;
  poolId: string;
  hooks: string;
}

/** A swap as read from the hook's Swapped event. `trader` is null when the hook did not vouch for the swapper (the
 * caller then uses the transaction's sender). */
export interface DecodedSwap {
  coinAddress: string;
  txHash: string;
  logIndex: number;
  blockNumber: number;
  blockHash: string;
  trader: string | null;
  /** The caller of PoolManager.swap (the event's `sender`): the router that executed the swap. */
  router: string;
  side: 'buy' | 'sell';
  coinAmount: bigint;
  ethAmount: bigint;
  priceWei: bigint;
  sqrtPriceX96: bigint;
}

/** An ERC-20 Transfer of a followed coin. */
export interface DecodedTransfer {
  coinAddress: string;
  txHash: string;
  logIndex: number;
  blockNumber: number;
  blockHash: string;
  from: string;
  to: string;
  amount: bigint;
}

export interface DecodedLogs {
  swaps: DecodedSwap[];
  transfers: DecodedTransfer[];
  /** Logs that were not ours or not what they claimed (wrong emitter, pool key not hashing to its id, bad data). */
  ignored: number;
}

const abs = (n: bigint) => (n < 0n ? -n : n);
const poolKeyTypes = [
  { type: 'address' },
  { type: 'address' },
  { type: 'uint24' },
  { type: 'int24' },
  { type: 'address' },
] as const;

/** Turn raw logs into swaps and transfers of the followed coins, trusting nothing a log says about itself: a Swapped
 * counts only when emitted by the hook of the pool its poolKeyHash names, when its pool key hashes to that id and is
 * the coin's ETH/coin key (ETH currency0, the coin currency1, that hook); a Transfer only when emitted by a followed
 * coin. Removed logs are skipped. Pure; output in (block, log index) order. */
export function decodeMarketLogs(logs: readonly RawLog[], coins: readonly FollowedCoin[]): DecodedLogs {
  const byAddress = new Map(coins.map((c) => [c.address, c]));
  const byPool = new Map(coins.map((c) => [c.poolId, c]));
  const swaps: DecodedSwap[] = [];
  const transfers: DecodedTransfer[] = [];
  let ignored = 0;
  const sorted = [...logs].sort((a, b) => {
    const d = Number(BigInt(a.blockNumber) - BigInt(b.blockNumber));
    return d !== 0 ? d : Number(BigInt(a.logIndex) - BigInt(b.logIndex));
  });
  for (const log of sorted) {
    if (log.removed === true) continue;
    const emitter = log.address.toLowerCase();
    const where = {
      txHash: log.transactionHash.toLowerCase(),
      logIndex: Number(BigInt(log.logIndex)),
      blockNumber: Number(BigInt(log.blockNumber)),
      blockHash: log.blockHash.toLowerCase(),
    };
    try {
      if (log.topics[0] === TRANSFER_TOPIC) {
        const coin = byAddress.get(emitter);
        if (coin === undefined) {
          ignored += 1;
          continue;
        }
        const { args } = decodeEventLog({
          abi: transferEventAbi,
          topics: log.topics as [Hex, ...Hex[]],
          data: log.data as Hex,
        });
        transfers.push({
          coinAddress: coin.address,
          ...where,
          from: args.from.toLowerCase(),
          to: args.to.toLowerCase(),
          amount: args.value,
        });
      } else if (log.topics[0] === SWAPPED_TOPIC) {
        const coin = byPool.get((log.topics[3] ?? '').toLowerCase());
        if (coin === undefined || coin.hooks !== emitter) {
          ignored += 1;
          continue;
        }
        const { args } = decodeEventLog({
          abi: swappedEventAbi,
          eventName: 'Swapped',
          topics: log.topics as [Hex, ...Hex[]],
          data: log.data as Hex,
        });
        const key = args.key;
        const keyHash = keccak256(
          encodeAbiParameters(poolKeyTypes, [key.currency0, key.currency1, key.fee, key.tickSpacing, key.hooks]),
        );
        if (
          keyHash !== coin.poolId ||
          key.currency0 !== zeroAddress ||
          key.currency1.toLowerCase() !== coin.address ||
          key.hooks.toLowerCase() !== coin.hooks ||
          args.sqrtPriceX96 === 0n
        ) {
          ignored += 1;
          continue;
        }
        swaps.push({
          coinAddress: coin.address,
          ...where,
          trader: args.isTrustedSwapSenderAddress ? args.swapSender.toLowerCase() : null,
          router: args.sender.toLowerCase(),
          side: args.isCoinBuy ? 'buy' : 'sell',
          coinAmount: abs(args.amount1),
          ethAmount: abs(args.amount0),
          priceWei: weiPerCoin(args.sqrtPriceX96),
          sqrtPriceX96: args.sqrtPriceX96,
        });
      } else {
        ignored += 1;
      }
    } catch {
      ignored += 1;
    }
  }
  return { swaps, transfers, ignored };
}
