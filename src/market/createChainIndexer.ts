import { z } from 'zod';
import { BaseError } from '../errors.ts';
import { holdLease } from '../jobs/holdLease.ts';
import type { JobLeases } from '../jobs/job.ts';
import type { Logger } from '../support/logger.ts';
import { SWAPPED_TOPIC, TRANSFER_TOPIC } from './coinHookAbi.ts';
import type { BlockHeader, IndexerChain, SwapTransaction } from './createIndexerChain.ts';
import type { MarketCoin, MarketStore, SwapRow } from './createMarketStore.ts';
import { decodeMarketLogs, type FollowedCoin } from './decodeMarketLogs.ts';
import { type RawLog, readLogsAdaptively } from './readLogsAdaptively.ts';

/** The job's name, also the name of its lease in public.job_leases. */
export const CHAIN_INDEXER_JOB = 'chain-indexer';

export interface ChainIndexerOptions {
  chainId: number;
  chain: IndexerChain;
  store: MarketStore;
  leases: JobLeases;
  logger: Logger;
  /** This instance's name in the lease. */
  holder: string;
  /** Blocks behind the head a block must be before it is applied (0: apply the head). */
  confirmations: number;
  /** Most blocks one step reads (shrinks while the provider refuses ranges, grows back after). */
  blockRange: number;
  /** Lease length; renewed every third of it while the indexer works, so a dead leader is replaced within it. */
  leaseSeconds?: number;
  /** Most steps one run takes (a Worker's cron tick: a bounded advance). Default 50. */
  maxStepsPerRun?: number;
  /** eth_getLogs retry backoff without Retry-After (ms). */
  backoffMs?: number;
}

/** What one step did. */
export type StepResult =
  | { kind: 'applied'; scope: 'chain' | 'catch-up'; from: number; to: number; trades: number; transfers: number }
  | { kind: 'rolled-back'; fork: number; trades: number; transfers: number }
  | { kind: 'refused'; reason: string }
  | { kind: 'idle' };

export interface RunSummary {
  leader: boolean;
  steps: StepResult[];
}

export interface ChainIndexer {
  /** Take (or keep) the lease, then step until caught up, the step budget is spent or `signal` aborts. */
  runOnce(signal?: AbortSignal): Promise<RunSummary>;
  /** One step under a lease the caller holds (tests). */
  step(signal?: AbortSignal): Promise<StepResult>;
}

/** The chain moved under a read (a block's hash changed between two reads); the step is dropped and retried. */
export class ReorgDuringReadError extends BaseError {
  override name = 'Market.ReorgDuringReadError';
}

/** A reorg reached below every block hash the indexer kept: it cannot tell what to undo. */
export class DeepReorgError extends BaseError {
  override name = 'Market.DeepReorgError';
}

const poolKeySchema = z.object({
  currency0: z.string(),
  currency1: z.string(),
  fee: z.number(),
  tickSpacing: z.number(),
  hooks: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
});
const ZERO = '0x0000000000000000000000000000000000000000';
const FILTER_CHUNK = 100;
const FORK_SEARCH_LIMIT = 1000;

/** A followed coin from its stored pool (ETH-backed v4 pools only: the price math needs ETH as currency0), or null. */
function followedOf(coin: MarketCoin): FollowedCoin | null {
  const key = poolKeySchema.safeParse(coin.poolKey);
  if (!key.success || coin.poolId === null) return null;
  if (key.data.currency0.toLowerCase() !== ZERO || key.data.currency1.toLowerCase() !== coin.coinAddress) return null;
  return { address: coin.coinAddress, poolId: coin.poolId.toLowerCase(), hooks: key.data.hooks.toLowerCase() };
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/**
 * The chain indexer: follows the configured chain from a cursor in the database and turns the coin hook's Swapped
 * events and the coins' Transfers into trades, balances, candles and market columns. A step reads one block range
 * at most `confirmations` behind the head (eth_getLogs split on range limits, retried on 429/5xx), checks that the
 * blocks it read are still the chain's, and applies it in one transaction fenced by the lease and by the cursor it
 * started from, so a second instance can neither apply a range twice nor skip one. Before each step the cursor's
 * block hash is compared with the chain; on a mismatch the newest stored block still on the chain is the fork, and
 * everything above it is rolled back and read again. Coins confirmed after the cursor passed their creation block
 * catch up on their own cursor before joining. Zora hook and events: https://docs.zora.co/coins/contracts/hook
 */
export function createChainIndexer(options: ChainIndexerOptions): ChainIndexer {
  const { chainId, chain, store, logger, holder } = options;
  const leaseSeconds = options.leaseSeconds ?? 6;
  const maxSteps = options.maxStepsPerRun ?? 50;
  const maxRange = Math.max(1, options.blockRange);
  let range = maxRange;

  const header = async (number: number): Promise<BlockHeader> => {
    const block = await chain.block(BigInt(number));
    if (block === null) throw new ReorgDuringReadError(`block ${number} is not on the chain any more`);
    return block;
  };

  const readLogs = async (coins: readonly FollowedCoin[], from: number, to: number, signal?: AbortSignal) => {
    const filters: { address: string[]; topics: (string | string[] | null)[] }[] = [];
    for (const group of chunks(coins, FILTER_CHUNK)) {
      const hooks = [...new Set(group.map((c) => c.hooks).filter((h) => h !== ZERO))];
      if (hooks.length > 0) {
        filters.push({ address: hooks, topics: [SWAPPED_TOPIC, null, null, group.map((c) => c.poolId)] });
      }
      filters.push({ address: group.map((c) => c.address), topics: [TRANSFER_TOPIC] });
    }
    let split = false;
    const logs: RawLog[] = [];
    for (const filter of filters) {
      logs.push(
        ...(await readLogsAdaptively(
          (fromBlock, toBlock) => chain.logs({ ...filter, fromBlock, toBlock }),
          BigInt(from),
          BigInt(to),
          {
            ...(signal === undefined ? {} : { signal }),
            ...(options.backoffMs === undefined ? {} : { backoffMs: options.backoffMs }),
            onSplit: (size) => {
              split = true;
              range = Math.max(1, Math.min(range, Number(size)));
            },
          },
        )),
      );
    }
    if (!split) range = Math.min(maxRange, range * 2);
    return logs;
  };

  const applyRange = async (
    coins: readonly FollowedCoin[],
    stepped: { address: string; expected: number | null }[],
    chainCursor: { expected: number | null } | null,
    from: number,
    to: number,
    signal?: AbortSignal,
  ): Promise<StepResult> => {
    const end = await header(to);
    const logs = coins.length === 0 ? [] : await readLogs(coins, from, to, signal);
    const decoded = decodeMarketLogs(logs, coins);
    if (decoded.ignored > 0) logger.warn('indexer ignored logs that were not our coins', { ignored: decoded.ignored });
    const numbers = [
      ...new Set([...decoded.swaps, ...decoded.transfers].map((l) => l.blockNumber).filter((n) => n !== to)),
    ];
    const headers = new Map<number, BlockHeader>([[to, await header(to)]]);
    for (const [i, h] of (await mapLimited(numbers, 50, header)).entries()) headers.set(numbers[i] as number, h);
    if (headers.get(to)?.hash !== end.hash) throw new ReorgDuringReadError(`block ${to} changed during the read`);
    for (const log of [...decoded.swaps, ...decoded.transfers]) {
      if (headers.get(log.blockNumber)?.hash !== log.blockHash) {
        throw new ReorgDuringReadError(`block ${log.blockNumber} changed during the read`);
      }
    }
    // Every swap's transaction: its sender is the trader when the hook did not vouch for one, and the trade
    // confirmer settles reported trades from these facts (sender, router, value, calldata hash) without a receipt.
    const hashes = [...new Set(decoded.swaps.map((s) => s.txHash))];
    const transactions = new Map<string, SwapTransaction>();
    for (const [i, tx] of (await mapLimited(hashes, 50, (hash) => chain.transaction(hash))).entries()) {
      transactions.set(hashes[i] as string, tx);
    }
    const swaps: SwapRow[] = decoded.swaps.map((s) => {
      const tx = transactions.get(s.txHash);
      return { ...s, trader: s.trader ?? tx?.from ?? ZERO, transaction: tx ?? null };
    });
    signal?.throwIfAborted();
    const outcome = await store.applyStep({
      chainId,
      holder,
      lease: CHAIN_INDEXER_JOB,
      chain: chainCursor,
      coins: stepped,
      toBlock: to,
      toHash: end.hash,
      toTime: new Date(Number(end.timestamp) * 1000),
      blocks: [...headers.values()].map((h) => ({
        number: Number(h.number),
        hash: h.hash,
        time: new Date(Number(h.timestamp) * 1000),
      })),
      swaps,
      transfers: decoded.transfers,
    });
    if (!outcome.ok) return { kind: 'refused', reason: outcome.reason };
    return {
      kind: 'applied',
      scope: chainCursor === null ? 'catch-up' : 'chain',
      from,
      to,
      trades: outcome.trades,
      transfers: outcome.transfers,
    };
  };

  const rollBack = async (cursorBlock: number): Promise<StepResult> => {
    const stored = await store.recentBlocks(chainId, cursorBlock - 1, FORK_SEARCH_LIMIT);
    let fork: number | null = null;
    for (const block of stored) {
      const onChain = await chain.block(BigInt(block.number));
      if (onChain !== null && onChain.hash === block.hash.toLowerCase()) {
        fork = block.number;
        break;
      }
    }
    if (fork === null) {
      throw new DeepReorgError(
        `no stored block below ${cursorBlock} is still on the chain; the market needs a reindex`,
      );
    }
    const outcome = await store.rollback(chainId, holder, CHAIN_INDEXER_JOB, fork);
    if (!outcome.ok) return { kind: 'refused', reason: outcome.reason };
    logger.warn('chain reorg: market rolled back', { chainId, fork, from: cursorBlock, ...outcome });
    return { kind: 'rolled-back', fork, trades: outcome.trades, transfers: outcome.transfers };
  };

  const step = async (signal?: AbortSignal): Promise<StepResult> => {
    const state = await store.marketState(chainId);
    const head = Number(await chain.blockNumber());
    const safe = head - options.confirmations;
    const cursor = state.cursor;
    if (cursor !== null) {
      const onChain = await chain.block(BigInt(cursor.blockNumber));
      if (onChain === null || onChain.hash !== cursor.blockHash.toLowerCase()) return rollBack(cursor.blockNumber);
    }
    const last = cursor?.blockNumber ?? null;
    const coins = state.coins
      .map((coin) => ({ coin, followed: followedOf(coin) }))
      .filter((c): c is { coin: MarketCoin; followed: FollowedCoin } => c.followed !== null);
    const inStep = coins.filter(
      ({ coin }) =>
        last === null || coin.indexedBlock === last || (coin.indexedBlock === null && (coin.createdBlock ?? 0) > last),
    );
    const from = last === null ? Math.min(...inStep.map(({ coin }) => coin.createdBlock ?? 0)) : last + 1;
    if ((last !== null || inStep.length > 0) && from <= safe) {
      const to = Math.min(safe, from + range - 1);
      return applyRange(
        inStep.map((c) => c.followed),
        inStep.map(({ coin }) => ({ address: coin.coinAddress, expected: coin.indexedBlock })),
        { expected: last },
        from,
        to,
        signal,
      );
    }
    if (last === null) return { kind: 'idle' };
    const lagging = coins
      .filter(({ coin }) => !inStep.some((c) => c.coin === coin))
      .map((c) => ({
        ...c,
        start: c.coin.indexedBlock === null ? (c.coin.createdBlock ?? 0) : c.coin.indexedBlock + 1,
      }))
      .filter((c) => c.start <= last);
    if (lagging.length === 0) return { kind: 'idle' };
    const start = Math.min(...lagging.map((c) => c.start));
    const group = lagging.filter((c) => c.start === start);
    const to = Math.min(last, start + range - 1);
    return applyRange(
      group.map((c) => c.followed),
      group.map(({ coin }) => ({ address: coin.coinAddress, expected: coin.indexedBlock })),
      null,
      start,
      to,
      signal,
    );
  };

  return {
    step,
    async runOnce(signal) {
      if (!(await options.leases.claimJobLease(CHAIN_INDEXER_JOB, holder, leaseSeconds))) {
        return { leader: false, steps: [] };
      }
      const steps: StepResult[] = [];
      await holdLease(
        {
          leaseSeconds,
          renew: () => store.renewJobLease(CHAIN_INDEXER_JOB, holder, leaseSeconds),
          logger,
          fields: { job: CHAIN_INDEXER_JOB },
        },
        async (leaseSignal) => {
          const both = signal === undefined ? leaseSignal : AbortSignal.any([signal, leaseSignal]);
          while (steps.length < maxSteps && !both.aborted) {
            const result = await step(both);
            steps.push(result);
            if (result.kind === 'idle' || result.kind === 'refused') break;
          }
        },
      );
      return { leader: true, steps };
    },
  };
}
