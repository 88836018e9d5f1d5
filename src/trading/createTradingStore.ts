import { z } from 'zod';
import type { Rpc } from '../db/rpc.ts';
import {
  type BuyTarget,
  buyTargetSchema,
  type ClaimedRecheck,
  type ClaimedTrade,
  claimedRecheckSchema,
  claimedTradeSchema,
  type IndexedTradeSwap,
  indexedTradeSwapSchema,
  type PendingTradeOutcome,
  type PendingTradeReport,
  pendingTradeOutcomeSchema,
  type ReceiptRecheck,
  type Trade,
  type TradeQuoteRecord,
  type TradeSettlement,
  tradeSchema,
} from './types.ts';

/** Buying and reported trades: what a buy targets, its quotes, the reports and their confirmation. */
export interface TradingStore {
  /** A performance and its coin, for buying; null when the cast is not a performance. */
  getBuyTarget(castHash: string): Promise<BuyTarget | null>;
  /** Remember a buy transaction handed to a wallet; returns the quote id (an identical recent quote's, if any). */
  recordTradeQuote(quote: TradeQuoteRecord): Promise<number>;
  /** Delete quotes created before `before` that no trade links to; answers how many went. */
  pruneTradeQuotes(before: Date): Promise<number>;
  /** Record a reported buy once per (chain, tx hash, reported buyer), or refuse it (too many unconfirmed reports of
   * the fid or buyer; another fid reported it first). */
  recordPendingTrade(report: PendingTradeReport): Promise<PendingTradeOutcome>;
  /** Whether the identity bridge knows `address` as the fid's custody, verified or primary Ethereum address. */
  isAddressOfFid(fid: number, address: string): Promise<boolean>;
  /** Lease due pending trades (FOR UPDATE SKIP LOCKED). */
  claimPendingTrades(worker: string, limit: number, leaseSeconds: number): Promise<ClaimedTrade[]>;
  /** Extend the worker's unexpired leases on these trades by `leaseSeconds` from now (the heartbeat); false when one
   * still pending is lost. */
  renewTradeLease(worker: string, ids: readonly number[], leaseSeconds: number): Promise<boolean>;
  /** Confirm, fail or reschedule a leased trade; answers the resulting status ('not_owner' if the lease was lost). */
  settleTrade(id: number, worker: string, settlement: TradeSettlement): Promise<string>;
  /** Lease due re-checks of provisional receipt confirmations (FOR UPDATE SKIP LOCKED). */
  claimReceiptRechecks(worker: string, limit: number, leaseSeconds: number): Promise<ClaimedRecheck[]>;
  /** The heartbeat of a re-check batch; false when one still leased is lost. */
  renewReceiptRecheckLease(worker: string, ids: readonly number[], leaseSeconds: number): Promise<boolean>;
  /** Apply a re-check of a leased provisional confirmation; answers the outcome applied ('final', 'provisional',
   * 'reorged', 'retry') or what another writer made of the trade first ('pending', 'index', 'failed', 'final',
   * 'not_owner', 'missing'). */
  settleReceiptRecheck(id: number, worker: string, recheck: ReceiptRecheck): Promise<string>;
  /** The indexed swap of a trade's transaction and coin, with the trader's indexed transfers; null when the indexer
   * has not seen one. */
  getIndexedTradeSwap(trade: {
    chainId: number;
    txHash: string;
    coinAddress: string;
    buyer: string;
  }): Promise<IndexedTradeSwap | null>;
  /** One reported trade by chain and transaction hash. */
  getTrade(chainId: number, txHash: string): Promise<Trade | null>;
  /** The coin of the newest quote handed to `buyer` with exactly this calldata hash, or null. */
  findQuotedCoin(chainId: number, buyer: string, calldataHash: string): Promise<string | null>;
}

/** The trading store over any Rpc adapter; results are validated so a misbehaving adapter fails loudly. */
export function createTradingStore(rpc: Rpc): TradingStore {
  return {
    async getBuyTarget(castHash) {
      const result = await rpc.call('get_buy_target', { p_cast_hash: castHash });
      return result === null ? null : buyTargetSchema.parse(result);
    },
    async recordTradeQuote(quote) {
      return z.coerce.number().parse(
        await rpc.call('record_trade_quote', {
          p_quote: {
            side: 'buy',
            ...quote,
            amountInWei: quote.amountInWei.toString(),
            expectedOut: quote.expectedOut.toString(),
            minOut: quote.minOut.toString(),
          },
        }),
      );
    },
    async pruneTradeQuotes(before) {
      return z.number().parse(await rpc.call('prune_trade_quotes', { p_older_than: before.toISOString() }));
    },
    async recordPendingTrade(report) {
      return pendingTradeOutcomeSchema.parse(await rpc.call('record_pending_trade', { p_trade: report }));
    },
    async isAddressOfFid(fid, address) {
      return z.boolean().parse(await rpc.call('is_address_of_fid', { p_fid: fid, p_address: address }));
    },
    async claimPendingTrades(worker, limit, leaseSeconds) {
      return z
        .array(claimedTradeSchema)
        .parse(
          await rpc.call('claim_pending_trades', { p_worker: worker, p_limit: limit, p_lease_seconds: leaseSeconds }),
        );
    },
    async renewTradeLease(worker, ids, leaseSeconds) {
      return z
        .boolean()
        .parse(await rpc.call('renew_trade_lease', { p_worker: worker, p_ids: ids, p_seconds: leaseSeconds }));
    },
    async settleTrade(id, worker, settlement) {
      const result =
        settlement.status === 'pending'
          ? { status: 'pending', retrySeconds: settlement.retrySeconds }
          : {
              ...settlement,
              blockNumber: settlement.blockNumber?.toString() ?? null,
              ...(settlement.status === 'confirmed'
                ? {
                    amountOut: settlement.amountOut.toString(),
                    amountInWei: settlement.amountInWei?.toString() ?? null,
                  }
                : {}),
            };
      return z.string().parse(await rpc.call('settle_trade', { p_id: id, p_worker: worker, p_result: result }));
    },
    async claimReceiptRechecks(worker, limit, leaseSeconds) {
      return z
        .array(claimedRecheckSchema)
        .parse(
          await rpc.call('claim_receipt_rechecks', { p_worker: worker, p_limit: limit, p_lease_seconds: leaseSeconds }),
        );
    },
    async renewReceiptRecheckLease(worker, ids, leaseSeconds) {
      return z
        .boolean()
        .parse(
          await rpc.call('renew_receipt_recheck_lease', { p_worker: worker, p_ids: ids, p_seconds: leaseSeconds }),
        );
    },
    async settleReceiptRecheck(id, worker, recheck) {
      const result =
        recheck.outcome === 'reorged'
          ? {
              outcome: 'reorged',
              receipt:
                recheck.receipt === null
                  ? null
                  : { blockNumber: recheck.receipt.blockNumber.toString(), blockHash: recheck.receipt.blockHash },
            }
          : recheck.outcome === 'retry'
            ? recheck
            : { ...recheck, blockNumber: recheck.blockNumber.toString() };
      return z
        .string()
        .parse(await rpc.call('settle_receipt_recheck', { p_id: id, p_worker: worker, p_result: result }));
    },
    async findQuotedCoin(chainId, buyer, calldataHash) {
      return z
        .string()
        .regex(/^0x[0-9a-f]{40}$/)
        .nullable()
        .parse(
          await rpc.call('find_quoted_coin', { p_chain_id: chainId, p_buyer: buyer, p_calldata_hash: calldataHash }),
        );
    },
    async getIndexedTradeSwap(trade) {
      const result = await rpc.call('indexed_trade_swap', {
        p_chain_id: trade.chainId,
        p_tx_hash: trade.txHash,
        p_coin: trade.coinAddress,
        p_trader: trade.buyer,
      });
      return result === null ? null : indexedTradeSwapSchema.parse(result);
    },
    async getTrade(chainId, txHash) {
      const result = await rpc.call('get_trade', { p_chain_id: chainId, p_tx_hash: txHash });
      return result === null ? null : tradeSchema.parse(result);
    },
  };
}
