import { z } from 'zod';
import type { Rpc } from '../db/rpc.ts';
import type { SwapTransaction } from './createIndexerChain.ts';
import type { DecodedSwap, DecodedTransfer } from './decodeMarketLogs.ts';

const hex = z.string().regex(/^0x[0-9a-fA-F]*$/);

/** A coin as market_state lists it. */
export const marketCoinSchema = z.object({
  coinAddress: z.string(),
  poolId: z.string().nullable(),
  poolKey: z.unknown(),
  createdBlock: z.number().nullable(),
  indexedBlock: z.number().nullable(),
});
export type MarketCoin = z.infer<typeof marketCoinSchema>;

const marketStateSchema = z.object({
  cursor: z.object({ blockNumber: z.number(), blockHash: hex }).nullable(),
  coins: z.array(marketCoinSchema),
});
export type MarketState = z.infer<typeof marketStateSchema>;

const stepOutcomeSchema = z.union([
  z.object({ ok: z.literal(true), trades: z.number(), transfers: z.number(), marketsChanged: z.number() }),
  z.object({ ok: z.literal(false), reason: z.string() }),
]);
export type StepOutcome = z.infer<typeof stepOutcomeSchema>;

const rollbackOutcomeSchema = z.union([
  z.object({ ok: z.literal(true), trades: z.number(), transfers: z.number() }),
  z.object({ ok: z.literal(false), reason: z.string() }),
]);
export type RollbackOutcome = z.infer<typeof rollbackOutcomeSchema>;

/** A swap ready to apply: the decoded swap with its trader settled and its transaction's facts (null: not read). */
export type SwapRow = Omit<DecodedSwap, 'trader'> & { trader: string; transaction: SwapTransaction | null };

/** One indexer step to apply atomically (public.apply_market_step). `chain` is set for a step of the chain cursor
 * (with the cursor it was read at), null for a coin's catch-up; `coins` are the coins stepped with their cursors. */
export interface MarketStep {
  chainId: number;
  holder: string;
  lease: string;
  chain: { expected: number | null } | null;
  coins: { address: string; expected: number | null }[];
  toBlock: number;
  toHash: string;
  toTime: Date;
  blocks: { number: number; hash: string; time: Date }[];
  swaps: SwapRow[];
  transfers: DecodedTransfer[];
}

const candlesSchema = z.object({
  coinAddress: z.string(),
  interval: z.string(),
  candles: z.array(
    z.object({
      start: z.string(),
      openWei: z.string(),
      highWei: z.string(),
      lowWei: z.string(),
      closeWei: z.string(),
      volumeWei: z.string(),
      trades: z.number(),
    }),
  ),
});
export type CoinCandles = z.infer<typeof candlesSchema>;

/** A trades keyset position: block number and log index (bounded so SQL's bigint and integer casts cannot fail). */
export const tradesCursorSchema = z
  .object({
    b: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    l: z
      .number()
      .int()
      .nonnegative()
      .max(2 ** 31 - 1),
  })
  .strict();
export type TradesCursor = z.infer<typeof tradesCursorSchema>;

const tradesPageSchema = z.object({
  coinAddress: z.string(),
  items: z.array(
    z.object({
      txHash: z.string(),
      logIndex: z.number(),
      blockNumber: z.number(),
      blockTime: z.string(),
      trader: z.string(),
      side: z.enum(['buy', 'sell']),
      coinAmount: z.string(),
      ethAmount: z.string(),
      priceWei: z.string(),
    }),
  ),
  nextCursor: tradesCursorSchema.nullable(),
});
export type CoinTradesPage = z.infer<typeof tradesPageSchema>;

/** The market's data: what the indexer follows, its steps and rollbacks, and the reads for charts and trades. */
export interface MarketStore {
  marketState(chainId: number): Promise<MarketState>;
  /** Stored hashes of applied blocks at or below `below`, newest first. */
  recentBlocks(chainId: number, below: number, limit: number): Promise<{ number: number; hash: string }[]>;
  applyStep(step: MarketStep): Promise<StepOutcome>;
  rollback(chainId: number, holder: string, lease: string, fork: number): Promise<RollbackOutcome>;
  /** Heartbeat of the indexer's lease (public.renew_job_lease). */
  renewJobLease(name: string, holder: string, seconds: number): Promise<boolean>;
  /** Candles of a visible coin; null for an unknown coin. */
  coinCandles(query: {
    coin: string;
    interval: '1m' | '1h' | '1d';
    from: Date | null;
    to: Date | null;
    limit: number;
  }): Promise<CoinCandles | null>;
  /** A page of a visible coin's trades, newest first; null for an unknown coin. */
  coinTrades(query: { coin: string; limit: number; cursor: TradesCursor | null }): Promise<CoinTradesPage | null>;
}

/** The market store over any Rpc adapter; results are validated so a misbehaving adapter fails loudly. */
export function createMarketStore(rpc: Rpc): MarketStore {
  return {
    async marketState(chainId) {
      return marketStateSchema.parse(await rpc.call('market_state', { p_chain_id: chainId }));
    },
    async recentBlocks(chainId, below, limit) {
      return z
        .array(z.object({ number: z.number(), hash: z.string() }))
        .parse(await rpc.call('market_recent_blocks', { p_chain_id: chainId, p_below: below, p_limit: limit }));
    },
    async applyStep(step) {
      const batch = {
        chainId: step.chainId,
        holder: step.holder,
        lease: step.lease,
        chain: step.chain,
        coins: step.coins,
        toBlock: step.toBlock,
        toHash: step.toHash,
        toTime: step.toTime.toISOString(),
        blocks: step.blocks.map((b) => ({ number: b.number, hash: b.hash, time: b.time.toISOString() })),
        trades: step.swaps.map((s) => ({
          coinAddress: s.coinAddress,
          txHash: s.txHash,
          logIndex: s.logIndex,
          blockNumber: s.blockNumber,
          blockHash: s.blockHash,
          trader: s.trader,
          side: s.side,
          coinAmount: s.coinAmount.toString(),
          ethAmount: s.ethAmount.toString(),
          priceWei: s.priceWei.toString(),
          sqrtPriceX96: s.sqrtPriceX96.toString(),
          router: s.router,
          txFrom: s.transaction?.from ?? null,
          txTo: s.transaction?.to ?? null,
          txValue: s.transaction?.value.toString() ?? null,
          txInputHash: s.transaction?.inputHash ?? null,
        })),
        transfers: step.transfers.map((t) => ({
          coinAddress: t.coinAddress,
          txHash: t.txHash,
          logIndex: t.logIndex,
          blockNumber: t.blockNumber,
          blockHash: t.blockHash,
          from: t.from,
          to: t.to,
          amount: t.amount.toString(),
        })),
      };
      return stepOutcomeSchema.parse(await rpc.call('apply_indexed_step', { p_batch: batch }));
    },
    async rollback(chainId, holder, lease, fork) {
      return rollbackOutcomeSchema.parse(
        await rpc.call('rollback_market', { p_chain_id: chainId, p_holder: holder, p_lease: lease, p_fork: fork }),
      );
    },
    async renewJobLease(name, holder, seconds) {
      return z
        .boolean()
        .parse(await rpc.call('renew_job_lease', { p_name: name, p_holder: holder, p_seconds: seconds }));
    },
    async coinCandles(query) {
      const result = await rpc.call('coin_candles_page', {
        p_coin: query.coin,
        p_interval: query.interval,
        p_from: query.from?.toISOString() ?? null,
        p_to: query.to?.toISOString() ?? null,
        p_limit: query.limit,
      });
      return result === null ? null : candlesSchema.parse(result);
    },
    async coinTrades(query) {
      const result = await rpc.call('coin_trades_page', {
        p_coin: query.coin,
        p_limit: query.limit,
        p_cursor: query.cursor,
      });
      return result === null ? null : tradesPageSchema.parse(result);
    },
  };
}
