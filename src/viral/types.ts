import { z } from 'zod';

/** One signal's part of the viral score: its exact count and what it contributed after weighting and decay. */
export const viralComponentSchema = z.object({ count: z.number(), contribution: z.number() });

/** Where a performance stands: below the threshold, queued for a coin, being coined, coined, or failed. */
export const viralStatusSchema = z.enum(['tracking', 'queued', 'creating', 'coined', 'failed']);
export type ViralStatus = z.infer<typeof viralStatusSchema>;

/** The `viral` field of a performance (built by public.viral_json in SQL). */
export const viralSchema = z.object({
  score: z.number(),
  threshold: z.number(),
  components: z.object({
    likes: viralComponentSchema,
    recasts: viralComponentSchema,
    replies: viralComponentSchema,
    views: viralComponentSchema,
    uniqueEngagers: viralComponentSchema,
  }),
  minUniqueEngagers: z.number(),
  halfLifeHours: z.number(),
  status: viralStatusSchema,
});
export type Viral = z.infer<typeof viralSchema>;

/** The live market of a coin, as the chain indexer keeps it on performance_coins. */
export const coinMarketSchema = z.object({
  priceWei: z.string().nullable(),
  price: z.string().nullable(),
  marketCapWei: z.string().nullable(),
  volume24hWei: z.string().nullable(),
  change24h: z.number().nullable(),
  holders: z.number().nullable(),
  lastTradeAt: z.string().nullable(),
  blockNumber: z.number(),
});

/** The `coin` field of a performance: null until its Zora coin is confirmed. */
export const coinSchema = z
  .object({
    address: z.string(),
    symbol: z.string(),
    name: z.string(),
    txHash: z.string(),
    poolId: z.string().nullable(),
    createdAt: z.string(),
    /** The indexed market (src/market): amounts as decimal strings; null until the indexer reached the coin. */
    market: coinMarketSchema.nullable().optional(),
  })
  .nullable();

/** Job states of public.viral_queue. */
export const jobStatusSchema = z.enum(['pending', 'submitting', 'submitted', 'confirmed', 'failed']);
export type JobStatus = z.infer<typeof jobStatusSchema>;

/** A job leased by claim_viral_jobs; recovery is true when a transaction may already have been sent. */
export const claimedJobSchema = z.object({
  id: z.number(),
  status: jobStatusSchema,
  recovery: z.boolean(),
  performanceId: z.string(),
  castHash: z.string(),
  title: z.string(),
  artistFid: z.number(),
  artistWalletAddress: z.string().nullable(),
  performanceDeleted: z.boolean(),
  attempts: z.number(),
  leaseUntil: z.string(),
  lastError: z.string().nullable(),
  senderAddress: z.string().nullable(),
  nonce: z.number().nullable(),
  expectedCoinAddress: z.string().nullable(),
  chainId: z.number().nullable(),
  txHash: z.string().nullable(),
});
export type ClaimedJob = z.infer<typeof claimedJobSchema>;

/** A queue row as the admin route lists it. */
export const queueItemSchema = z.object({
  id: z.number(),
  castHash: z.string(),
  title: z.string(),
  status: jobStatusSchema,
  detectionScore: z.number(),
  attempts: z.number(),
  nextAttemptAt: z.string(),
  lastError: z.string().nullable(),
  waitReason: z.string().nullable(),
  claimedBy: z.string().nullable(),
  leaseUntil: z.string().nullable(),
  senderAddress: z.string().nullable(),
  nonce: z.number().nullable(),
  expectedCoinAddress: z.string().nullable(),
  chainId: z.number().nullable(),
  txHash: z.string().nullable(),
  coinAddress: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type QueueItem = z.infer<typeof queueItemSchema>;

/** A queue operation's outcome: done, or refused with a reason (lease lost, wrong state). */
export const jobOutcomeSchema = z.union([
  z.object({ ok: z.literal(true) }).passthrough(),
  z.object({ ok: z.literal(false), reason: z.string() }),
]);
export type JobOutcome = z.infer<typeof jobOutcomeSchema>;

/** The current viral parameters (public.viral_params). */
export const viralParamsSchema = z.object({
  like_weight: z.number(),
  recast_weight: z.number(),
  reply_weight: z.number(),
  view_weight: z.number(),
  engager_weight: z.number(),
  half_life_hours: z.number(),
  threshold: z.number(),
  min_unique_engagers: z.number(),
  min_age_seconds: z.number(),
  full_quality_score: z.number(),
  unknown_quality_weight: z.number(),
  updated_by: z.string(),
  updated_at: z.string(),
});
export type ViralParams = z.infer<typeof viralParamsSchema>;

/** What the worker confirms once it has read the CoinCreatedV4 event. */
export interface CoinConfirmation {
  coinAddress: string;
  symbol: string;
  name: string;
  txHash: string;
  blockNumber: bigint | number | null;
  poolKey: Record<string, unknown> | null;
  poolId: string | null;
  createdAt: Date;
}
