import type { ClaimedTrade, IndexedTradeSwap, TradeSettlement } from './types.ts';

/** Policy of the indexed decision: the routers a trade may go through on the trade's chain. */
export interface IndexedSettlementPolicy {
  allowedRouters: ReadonlySet<string>;
}

/** Decide a reported trade from its indexed swap (the indexer is the source of truth once it saw the swap), with the
 * receipt path's rules (decideTradeSettlement) applied to the indexed facts: the transaction was sent by the trader,
 * to an allowed router; a buy's coins are the coin's indexed transfers to the buyer in that transaction (its ETH the
 * transaction's value), a sell's coins the transfers out of the seller and its ETH what the pool paid that router
 * (Swapped events whose sender is the transaction's target). "Reverted" needs no check: a reverted transaction emits
 * no Swapped event, so an indexed swap proves success. The quote is linked only when the indexed calldata hash is the
 * quote's. Answers null when the index cannot decide, and the receipt path then settles the trade: no swap of that
 * coin indexed in that transaction (not seen yet, or the report names another coin: the receipt path fails it), or a
 * swap indexed before the indexer kept the transaction's sender, target and calldata hash (a rule would have nothing
 * to check). Pure. */
export function decideIndexedSettlement(
  trade: ClaimedTrade,
  indexed: IndexedTradeSwap | null,
  policy: IndexedSettlementPolicy,
): TradeSettlement | null {
  if (indexed === null || !indexed.complete || indexed.txFrom === null || indexed.txInputHash === null) return null;
  const blockNumber = BigInt(indexed.blockNumber);
  const quoteMatches = trade.quote !== null && indexed.txInputHash === trade.quote.calldataHash.toLowerCase();
  const quoteId = quoteMatches && trade.quote !== null ? trade.quote.id : null;
  const fail = (reason: string): TradeSettlement => ({
    status: 'failed',
    reason,
    blockNumber,
    quoteId,
    source: 'index',
  });

  if (indexed.txFrom !== trade.buyer.toLowerCase()) return fail('sent by another address');
  if (indexed.txTo === null || !policy.allowedRouters.has(indexed.txTo)) {
    return fail('not a buy through an allowed router');
  }
  if (trade.side === 'sell') {
    const coinsIn = BigInt(indexed.coinsFromTrader);
    if (coinsIn === 0n) return fail('no coins sold');
    const ethOut = BigInt(indexed.ethToRouter);
    if (ethOut <= 0n) return fail('no ETH received');
    return { status: 'confirmed', blockNumber, amountOut: ethOut, amountInWei: coinsIn, quoteId, source: 'index' };
  }
  const coinsOut = BigInt(indexed.coinsToTrader);
  if (coinsOut === 0n) return fail('no coins received');
  const value = BigInt(indexed.txValue ?? '0');
  return {
    status: 'confirmed',
    blockNumber,
    amountOut: coinsOut,
    ...(value > 0n ? { amountInWei: value } : {}),
    quoteId,
    source: 'index',
  };
}
