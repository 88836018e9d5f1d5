import { type Hex, hexToBigInt, keccak256, pad, slice, toEventSelector } from 'viem';
import type { ClaimedTrade, TradeSettlement } from './types.ts';

/** ERC-20 `Transfer(address indexed from, address indexed to, uint256 value)`. */
const TRANSFER_TOPIC = toEventSelector('Transfer(address,address,uint256)');
/** Uniswap v4 PoolManager `Swap(bytes32 indexed id, address indexed sender, int128 amount0, int128 amount1, uint160
 * sqrtPriceX96, uint128 liquidity, int24 tick, uint24 fee)`; amounts are the swapper's (positive: paid out to it). */
const SWAP_TOPIC = toEventSelector('Swap(bytes32,address,int128,int128,uint160,uint128,int24,uint24)');

/** What the chain said about a reported trade (null: not found yet). */
export interface TradeOnChain {
  receipt: {
    status: 'success' | 'reverted';
    blockNumber: bigint;
    /** The receipt's block: kept with a confirmation, which stays provisional until a re-check finds it final. */
    blockHash?: string;
    logs: readonly { address: string; topics: readonly Hex[]; data: Hex }[];
  } | null;
  transaction: { from: string; to: string | null; value: bigint; input: Hex } | null;
}

/** Policy of the decision. */
export interface TradeSettlementPolicy {
  allowedRouters: ReadonlySet<string>;
  nowMs: number;
  /** A transaction the node has seen but that is still not mined this long after it was reported is failed as
   * 'not mined' (a low fee can keep a real one waiting for minutes). */
  giveUpAfterSeconds: number;
  /** A hash the node has never seen (neither mined nor waiting) this long after it was reported is failed as
   * 'not found': a real transaction is visible within seconds of being sent, so a made-up hash must not keep the
   * confirmer busy for the half hour a slow real one gets. */
  notFoundGiveUpSeconds: number;
  /** Delay before looking again at a transaction that is not mined yet. */
  retrySeconds: number;
  /** The Uniswap v4 PoolManager whose Swap event tells a sell's ETH out; unset: sells fail as 'pool unknown'. */
  poolManager?: string;
}

/** Decide a reported buy from its receipt and transaction, trusting nothing the client said but the hash: a hash the
 * node never saw fails within minutes ('not found'), a seen one may wait for the longer mining window; then it must be
 * mined, sent by the buyer, to an allowed router, successful, and deliver the coin to the buyer (the sum of the
 * coin's Transfer logs to the buyer in that receipt is the amount out). The quote is linked only when the mined
 * calldata is exactly the quoted one (keccak256 match). Pure. */
export function decideTradeSettlement(
  trade: ClaimedTrade,
  chain: TradeOnChain,
  policy: TradeSettlementPolicy,
): TradeSettlement {
  const { receipt, transaction } = chain;
  if (receipt === null || transaction === null) {
    // From the report, or from the reorg that last put the trade back to pending: a transaction the reorg dropped
    // gets the same windows to be mined again as a new report.
    const since = Math.max(Date.parse(trade.createdAt), trade.reorgedAt ? Date.parse(trade.reorgedAt) : 0);
    const ageSeconds = (policy.nowMs - since) / 1000;
    if (receipt === null && transaction === null && ageSeconds > policy.notFoundGiveUpSeconds) {
      return { status: 'failed', reason: 'not found' };
    }
    if (receipt === null && ageSeconds > policy.giveUpAfterSeconds) return { status: 'failed', reason: 'not mined' };
    return { status: 'pending', retrySeconds: policy.retrySeconds };
  }
  const blockNumber = receipt.blockNumber;
  const quoteMatches =
    trade.quote !== null && keccak256(transaction.input).toLowerCase() === trade.quote.calldataHash.toLowerCase();
  const quoteId = { quoteId: quoteMatches && trade.quote !== null ? trade.quote.id : null };
  const fail = (reason: string): TradeSettlement => ({ status: 'failed', reason, blockNumber, ...quoteId });

  const buyer = trade.buyer.toLowerCase();
  if (transaction.from.toLowerCase() !== buyer) return fail('sent by another address');
  if (transaction.to === null || !policy.allowedRouters.has(transaction.to.toLowerCase())) {
    return fail('not a buy through an allowed router');
  }
  if (receipt.status !== 'success') return fail('reverted');
  if (trade.side === 'sell') return settleSell(trade, receipt, transaction.to.toLowerCase(), policy, fail, quoteId);

  const coin = trade.coinAddress.toLowerCase();
  const toBuyer = pad(buyer as Hex).toLowerCase();
  let amountOut = 0n;
  for (const log of receipt.logs) {
    if (
      log.address.toLowerCase() === coin &&
      log.topics.length === 3 &&
      log.topics[0]?.toLowerCase() === TRANSFER_TOPIC &&
      log.topics[2]?.toLowerCase() === toBuyer &&
      log.data.length === 66
    ) {
      amountOut += hexToBigInt(log.data);
    }
  }
  if (amountOut === 0n) return fail('no coins received');
  return {
    status: 'confirmed',
    blockNumber,
    amountOut,
    ...(transaction.value > 0n ? { amountInWei: transaction.value } : {}),
    ...quoteId,
    ...blockHashOf(receipt),
  };
}

/** A mined, successful sell through an allowed router: the coins are the coin's Transfers out of the seller in the
 * receipt, the ETH is what the PoolManager paid the router in that coin's pool (its Swap events with the router as
 * sender, amount0 = native ETH, positive when paid out); the router is allowlisted and its calldata was checked to
 * send that ETH to the seller. Both must be positive. */
function settleSell(
  trade: ClaimedTrade,
  receipt: NonNullable<TradeOnChain['receipt']>,
  router: string,
  policy: TradeSettlementPolicy,
  fail: (reason: string) => TradeSettlement,
  quoteId: { quoteId: number | null },
): TradeSettlement {
  const coin = trade.coinAddress.toLowerCase();
  const fromSeller = pad(trade.buyer.toLowerCase() as Hex).toLowerCase();
  let coinsIn = 0n;
  for (const log of receipt.logs) {
    if (
      log.address.toLowerCase() === coin &&
      log.topics.length === 3 &&
      log.topics[0]?.toLowerCase() === TRANSFER_TOPIC &&
      log.topics[1]?.toLowerCase() === fromSeller &&
      log.data.length === 66
    ) {
      coinsIn += hexToBigInt(log.data);
    }
  }
  if (coinsIn === 0n) return fail('no coins sold');
  const poolManager = policy.poolManager?.toLowerCase();
  const poolId = trade.poolId?.toLowerCase();
  if (poolManager === undefined || poolId === undefined) return fail('pool unknown');
  const byRouter = pad(router as Hex).toLowerCase();
  let ethOut = 0n;
  for (const log of receipt.logs) {
    if (
      log.address.toLowerCase() === poolManager &&
      log.topics.length === 3 &&
      log.topics[0]?.toLowerCase() === SWAP_TOPIC &&
      log.topics[1]?.toLowerCase() === poolId &&
      log.topics[2]?.toLowerCase() === byRouter &&
      log.data.length === 2 + 64 * 6
    ) {
      ethOut += hexToBigInt(slice(log.data, 0, 32), { signed: true });
    }
  }
  if (ethOut <= 0n) return fail('no ETH received');
  return {
    status: 'confirmed',
    blockNumber: receipt.blockNumber,
    amountOut: ethOut,
    amountInWei: coinsIn,
    ...quoteId,
    ...blockHashOf(receipt),
  };
}

/** The receipt's block hash for a confirmation, lowercase (absent when the caller did not pass one). */
function blockHashOf(receipt: NonNullable<TradeOnChain['receipt']>): { blockHash?: string } {
  return receipt.blockHash === undefined ? {} : { blockHash: receipt.blockHash.toLowerCase() };
}
