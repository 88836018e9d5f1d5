import { z } from 'zod';

const address = z.string().regex(/^0x[0-9a-f]{40}$/);
const wei = z.string().regex(/^\d+$/);

/** The performance a buy is for, and its coin when one exists (public.get_buy_target). */
export const buyTargetSchema = z.object({
  castHash: z.string(),
  performanceId: z.string(),
  title: z.string(),
  deleted: z.boolean(),
  coin: z
    .object({
      address,
      chainId: z.number().int(),
      symbol: z.string(),
      name: z.string(),
      poolId: z.string().nullable(),
      poolKey: z.unknown().nullable(),
      createdAt: z.string(),
    })
    .nullable(),
});
export type BuyTarget = z.infer<typeof buyTargetSchema>;

/** Which way a trade goes: ETH -> coin, or coin -> ETH. */
export type TradeSide = 'buy' | 'sell';
const side = z.enum(['buy', 'sell']);

/** A buy or sell transaction we built and handed to a wallet (public.record_trade_quote). For a sell,
 * `amountInWei` is the raw coin amount sold and the outs are wei. */
export interface TradeQuoteRecord {
  source: 'frame' | 'api';
  /** Absent: a buy. */
  side?: TradeSide;
  fid: number | null;
  chainId: number;
  buyer: string;
  coinAddress: string;
  router: string;
  calldataHash: string;
  amountInWei: bigint;
  expectedOut: bigint;
  minOut: bigint;
}

/** A trade the client reported after signing (public.record_pending_trade). */
export interface PendingTradeReport {
  source: 'frame' | 'api';
  /** Absent: a buy. */
  side?: TradeSide;
  chainId: number;
  txHash: string;
  fid: number | null;
  buyer: string;
  coinAddress: string;
}

export const recordedTradeSchema = z.object({
  recorded: z.literal(true),
  id: z.number(),
  status: z.enum(['pending', 'confirmed', 'failed']),
  created: z.boolean(),
  buyer: address,
  coinAddress: address,
  amountInWei: wei.nullable(),
  expectedOut: wei.nullable(),
  txHash: z.string(),
  side,
});
export type RecordedTrade = z.infer<typeof recordedTradeSchema>;

/** A report public.record_pending_trade refused: the fid or the buyer already has `limit` unconfirmed reports, or
 * another fid reported this (chain, tx, buyer) first and keeps it. */
export const refusedTradeReportSchema = z.object({
  recorded: z.literal(false),
  reason: z.enum(['fid_limit', 'buyer_limit', 'other_fid']),
  limit: z.number().optional(),
});
export type RefusedTradeReport = z.infer<typeof refusedTradeReportSchema>;

/** What recording a reported buy did: the trade (new or already recorded), or why it was refused. */
export const pendingTradeOutcomeSchema = z.discriminatedUnion('recorded', [
  recordedTradeSchema,
  refusedTradeReportSchema,
]);
export type PendingTradeOutcome = z.infer<typeof pendingTradeOutcomeSchema>;

/** A pending trade leased by the confirmer (public.claim_pending_trades). */
export const claimedTradeSchema = z.object({
  id: z.number(),
  chainId: z.number(),
  txHash: z.string(),
  buyer: address,
  coinAddress: address,
  side,
  /** The coin's Uniswap v4 pool id (performance_coins.pool_id), null when unknown. */
  poolId: z.string().nullable(),
  amountInWei: wei.nullable(),
  attempts: z.number(),
  createdAt: z.string(),
  /** When a reorg last put the trade back to pending (index_correction.reorgedAt); the give-up windows count from
   * the later of this and createdAt. */
  reorgedAt: z.string().nullable().optional(),
  quote: z
    .object({
      id: z.number(),
      router: address,
      calldataHash: z.string(),
      amountInWei: wei,
      expectedOut: wei,
      minOut: wei,
    })
    .nullable(),
});
export type ClaimedTrade = z.infer<typeof claimedTradeSchema>;

const blockHash = z.string().regex(/^0x[0-9a-f]{64}$/);

/** A provisional receipt confirmation leased for a re-check (public.claim_receipt_rechecks): its transaction, the
 * block the receipt was in (its hash null for a confirmation kept before hashes were), and how many re-checks it has
 * had, this one included. */
export const claimedRecheckSchema = z.object({
  id: z.number(),
  chainId: z.number(),
  txHash: z.string(),
  blockNumber: z.number().int().nonnegative(),
  blockHash: blockHash.nullable(),
  checks: z.number().int().positive(),
});
export type ClaimedRecheck = z.infer<typeof claimedRecheckSchema>;

/** What a re-check of a provisional receipt confirmation found (public.settle_receipt_recheck): the receipt still in
 * the confirmation's block (final once deep enough, else provisional and read again later), gone or in another block
 * (the trade goes back to pending), or nothing to act on (an RPC error, an answer that cannot be trusted). */
export type ReceiptRecheck =
  | { outcome: 'final'; blockHash: string; blockNumber: bigint }
  | { outcome: 'provisional'; blockHash: string; blockNumber: bigint; retrySeconds: number }
  | { outcome: 'reorged'; receipt: { blockNumber: bigint; blockHash: string } | null }
  | { outcome: 'retry'; retrySeconds: number; reason: string };

/** Where a settlement comes from: the transaction receipt (the default) or the indexed swap (public.coin_trades). */
export type SettlementSource = 'receipt' | 'index';

/** What the confirmer learned from the chain about one trade. */
export type TradeSettlement =
  | {
      status: 'confirmed';
      blockNumber: bigint;
      amountOut: bigint;
      amountInWei?: bigint;
      quoteId?: number | null;
      source?: SettlementSource;
      /** The receipt's block hash (a receipt confirmation): the re-check compares the receipt's block with it. */
      blockHash?: string;
      /** Seconds until a receipt confirmation's first re-check (settle_trade's default: 5). */
      recheckSeconds?: number;
    }
  | { status: 'failed'; reason: string; blockNumber?: bigint; quoteId?: number | null; source?: SettlementSource }
  | { status: 'pending'; retrySeconds: number };

const amount = z.string().regex(/^-?\d+$/);

/** The indexed swap of a reported trade's (chain, tx, coin) (public.indexed_trade_swap): the transaction's facts as
 * the indexer kept them, the coins the trader received and sent in it (indexed transfers) and the ETH the pool paid
 * the transaction's router. `complete` is false when a swap row predates the transaction facts. */
export const indexedTradeSwapSchema = z.object({
  blockNumber: z.number().int().nonnegative(),
  swaps: z.number().int().positive(),
  complete: z.boolean(),
  txFrom: address.nullable(),
  txTo: address.nullable(),
  txValue: wei.nullable(),
  txInputHash: z
    .string()
    .regex(/^0x[0-9a-f]{64}$/)
    .nullable(),
  coinsToTrader: wei,
  coinsFromTrader: wei,
  ethToRouter: amount,
});
export type IndexedTradeSwap = z.infer<typeof indexedTradeSwapSchema>;

export const tradeSchema = z.object({
  id: z.number(),
  status: z.enum(['pending', 'confirmed', 'failed']),
  txHash: z.string(),
  buyer: address,
  coinAddress: address,
  amountInWei: wei.nullable(),
  expectedOut: wei.nullable(),
  amountOut: wei.nullable(),
  failureReason: z.string().nullable(),
  blockNumber: z.number().nullable(),
  source: z.enum(['frame', 'api']),
  fid: z.number().nullable(),
  createdAt: z.string(),
  settledAt: z.string().nullable(),
  side,
});
export type Trade = z.infer<typeof tradeSchema>;

/** What a buy quote is asked for: spend exactly `amountInWei` of ETH on `coin`, sent by and delivered to `buyer`. */
export interface QuoteRequest {
  chainId: number;
  coin: `0x${string}`;
  buyer: `0x${string}`;
  amountInWei: bigint;
  /** Fraction of the expected output the buyer accepts to lose (0.05 = 5%). */
  slippage: number;
}

/** A quote's outcome: the call to hand to the wallet, or why there is none. `detail` is for logs only (it may hold
 * upstream text) and never reaches a client. */
export type QuoteOutcome =
  | { kind: 'ok'; target: `0x${string}`; data: `0x${string}`; value: bigint; amountOut: bigint; permitsCount: number }
  | { kind: 'liquidity'; detail: string }
  | { kind: 'rejected'; status: number; detail: string; reason?: string }
  | { kind: 'unavailable'; detail: string; retryAfterSeconds?: number };

/** Asks a quote service (Zora's POST /quote) for an ETH -> coin buy. */
export type Quoter = (request: QuoteRequest) => Promise<QuoteOutcome>;

/** What a sell quote is asked for: sell exactly `amountIn` raw units of `coin` for ETH, sent by and paid to
 * `seller`. */
export interface SellQuoteRequest {
  chainId: number;
  coin: `0x${string}`;
  seller: `0x${string}`;
  amountIn: bigint;
  /** Fraction of the expected ETH the seller accepts to lose. */
  slippage: number;
}

/** Asks a quote service (Zora's POST /quote) for a coin -> ETH sell; `amountOut` of the outcome is wei. */
export type SellQuoter = (request: SellQuoteRequest) => Promise<QuoteOutcome>;
