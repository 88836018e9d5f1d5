import { randomBytes } from 'node:crypto';
import {
  BlockNotFoundError,
  type Hash,
  type PublicClient,
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
} from 'viem';
import { holdLease } from '../jobs/holdLease.ts';
import { errorFields, type Logger } from '../support/logger.ts';
import type { TradingStore } from './createTradingStore.ts';
import { decideIndexedSettlement } from './decideIndexedSettlement.ts';
import { decideReceiptRecheck, type RecheckChain, untrustedChainAnswer } from './decideReceiptRecheck.ts';
import { decideTradeSettlement, type TradeOnChain } from './decideTradeSettlement.ts';
import type { ClaimedRecheck, ClaimedTrade, ReceiptRecheck, TradeSettlement } from './types.ts';

/** What the confirmer needs of the trading store: pending trades to settle, provisional confirmations to re-check. */
export type TradeConfirmerStore = Pick<
  TradingStore,
  | 'claimPendingTrades'
  | 'renewTradeLease'
  | 'settleTrade'
  | 'getIndexedTradeSwap'
  | 'claimReceiptRechecks'
  | 'renewReceiptRecheckLease'
  | 'settleReceiptRecheck'
>;

/** Options of the trade confirmer. */
export interface TradeConfirmerOptions {
  store: TradeConfirmerStore;
  /** A client of the chain the server trades on (CHAIN_ID); trades reported for another chain are left pending. */
  publicClient: Pick<PublicClient, 'getTransactionReceipt' | 'getTransaction' | 'getBlockNumber' | 'getBlock'> & {
    chain?: { id: number } | undefined;
  };
  /** CHAIN_CONFIRMATIONS: a receipt confirmation is final once the chain head is this many blocks past its block
   * with the receipt still in that block (the indexer reads only blocks this deep). Default 10, the setting's. */
  confirmations?: number;
  /** Seconds from a receipt confirmation to its first re-check. Default 5. */
  recheckAfterSeconds?: number;
  logger: Logger;
  allowedRouters(chainId: number): ReadonlySet<string>;
  /** The Uniswap v4 PoolManager of the chain: a sell's ETH is read from its Swap event. */
  poolManager?: string;
  worker?: string;
  /** A reported transaction the node has seen but that is still not mined after this long is failed as 'not mined'.
   * Default 1800. */
  giveUpAfterSeconds?: number;
  /** A reported hash the node has never seen after this long is failed as 'not found'. Default 150. */
  notFoundGiveUpSeconds?: number;
  /** Trades per claim. Default 20. */
  batch?: number;
  /** Lease per claim (s), renewed every third of it while the batch is worked on (holdLease), so a confirmer that
   * dies lets its trades be claimed again within this long. Default 15. */
  leaseSeconds?: number;
  now?: () => Date;
}

/** Trades settled by one run (confirmed, failed, put back with a delay), and receipt confirmations re-checked by it
 * that became final or went back to pending (reorged). */
export interface TradeConfirmerRun {
  confirmed: number;
  failed: number;
  pending: number;
  final: number;
  reorged: number;
}

/** The trade confirmer, run as the `trade-confirmation` job (src/createGigaVibe.ts): never two runs at once. */
export interface TradeConfirmer {
  workerId: string;
  /** Settle due trades now (or join the run in progress). */
  runOnce(): Promise<TradeConfirmerRun>;
  /** Wait for a run in progress to end. */
  stop(): Promise<void>;
}

/** The lookup's answer, or null when the node says it has no such transaction (or receipt). */
async function orNotFound<T>(lookup: Promise<T>): Promise<T | null> {
  try {
    return await lookup;
  } catch (error) {
    if (error instanceof TransactionReceiptNotFoundError || error instanceof TransactionNotFoundError) return null;
    throw error;
  }
}

/** The node's block at a height, or null when it has none. */
async function blockOrNull(
  client: Pick<PublicClient, 'getBlock'>,
  blockNumber: bigint,
): Promise<{ hash: string | null; number: bigint | null } | null> {
  try {
    return await client.getBlock({ blockNumber });
  } catch (error) {
    if (error instanceof BlockNotFoundError) return null;
    throw error;
  }
}

const emptyRun = (): TradeConfirmerRun => ({ confirmed: 0, failed: 0, pending: 0, final: 0, reorged: 0 });

/** Build the confirmer of reported buys and sells: leases due pending trades (FOR UPDATE SKIP LOCKED, so several
 * instances are safe; never-checked reports first, see claim_pending_trades); a trade whose swap the chain indexer
 * already saw is settled from the indexed swap (decideIndexedSettlement, no RPC), any other from its receipt and
 * transaction (decideTradeSettlement; settle_trade then checks it against the indexed swap if one appeared). A
 * transaction not mined yet, and any RPC error, puts the trade back with a delay (backing off on errors); a hash the
 * node never saw fails within minutes; nothing is lost. A receipt confirmation is provisional: each run then leases
 * the due ones (claim_receipt_rechecks, same model) and re-reads their receipts (decideReceiptRecheck): same block
 * once the head is `confirmations` past it → final, never read again; same block before → read again later (10 s
 * doubling to 60 s); gone or in another block (the node's block at that height no longer the confirmation's) → back
 * to pending, due now, settled again by the next run from the new chain; an RPC error changes nothing (backoff). */
export function createTradeConfirmer(options: TradeConfirmerOptions): TradeConfirmer {
  const { store, publicClient, logger } = options;
  const workerId = options.worker ?? `trades-${randomBytes(4).toString('hex')}`;
  const now = options.now ?? (() => new Date());
  const leaseSeconds = options.leaseSeconds ?? 15;
  const batch = options.batch ?? 20;
  let running: Promise<TradeConfirmerRun> | null = null;

  const look = async (trade: ClaimedTrade): Promise<TradeSettlement> => {
    const chainId = publicClient.chain?.id;
    if (chainId !== undefined && trade.chainId !== chainId) {
      logger.warn('trade reported for another chain', { trade: trade.id, chainId: trade.chainId });
      return { status: 'pending', retrySeconds: 3600 };
    }
    const retry = () => ({
      status: 'pending' as const,
      retrySeconds: Math.min(300, 5 * 2 ** Math.min(6, trade.attempts - 1)),
    });
    // The indexed swap first: where the indexer saw it, it is the source of truth and no receipt is read.
    try {
      const indexed = decideIndexedSettlement(trade, await store.getIndexedTradeSwap(trade), {
        allowedRouters: options.allowedRouters(trade.chainId),
      });
      if (indexed !== null) return indexed;
    } catch (error) {
      logger.warn('indexed swap lookup failed; will retry', { trade: trade.id, ...errorFields(error) });
      return retry();
    }
    const hash = trade.txHash as Hash;
    const onChain: TradeOnChain = { receipt: null, transaction: null };
    try {
      // Both, even without a receipt: a transaction the node knows but has not mined gets the longer window.
      const receipt = await orNotFound(publicClient.getTransactionReceipt({ hash }));
      const transaction = await orNotFound(publicClient.getTransaction({ hash }));
      const untrusted = untrustedChainAnswer(trade.txHash, receipt, transaction);
      if (untrusted !== null) {
        logger.warn('untrusted answer from the chain; will retry', { trade: trade.id, reason: untrusted });
        return retry();
      }
      onChain.receipt = receipt;
      onChain.transaction = transaction;
    } catch (error) {
      logger.warn('trade lookup failed; will retry', { trade: trade.id, ...errorFields(error) });
      return retry();
    }
    const settlement = decideTradeSettlement(trade, onChain, {
      allowedRouters: options.allowedRouters(trade.chainId),
      nowMs: now().getTime(),
      giveUpAfterSeconds: options.giveUpAfterSeconds ?? 1800,
      notFoundGiveUpSeconds: options.notFoundGiveUpSeconds ?? 150,
      retrySeconds: Math.min(60, 5 * trade.attempts),
      ...(options.poolManager === undefined ? {} : { poolManager: options.poolManager }),
    });
    return settlement.status === 'confirmed'
      ? { ...settlement, recheckSeconds: options.recheckAfterSeconds ?? 5 }
      : settlement;
  };

  /** Re-read one provisional confirmation's receipt (and, when it looks gone or moved, the block at its height). */
  const recheck = async (trade: ClaimedRecheck, head: bigint | null): Promise<ReceiptRecheck> => {
    const backoff = Math.min(300, 5 * 2 ** Math.min(6, trade.checks - 1));
    const chainId = publicClient.chain?.id;
    if (chainId !== undefined && trade.chainId !== chainId) {
      return { outcome: 'retry', retrySeconds: 3600, reason: 'another chain' };
    }
    if (head === null) return { outcome: 'retry', retrySeconds: backoff, reason: 'chain head unavailable' };
    const policy = {
      confirmations: options.confirmations ?? 10,
      provisionalSeconds: Math.min(60, 5 * 2 ** Math.min(4, trade.checks)),
      retrySeconds: backoff,
    };
    try {
      const chain: RecheckChain = {
        head,
        receipt: await orNotFound(publicClient.getTransactionReceipt({ hash: trade.txHash as Hash })),
      };
      const decided = decideReceiptRecheck(trade, chain, policy);
      if (decided.outcome !== 'read_block') return decided;
      chain.blockAtHeight = await blockOrNull(publicClient, BigInt(trade.blockNumber));
      const verified = decideReceiptRecheck(trade, chain, policy);
      return verified.outcome === 'read_block'
        ? { outcome: 'retry', retrySeconds: backoff, reason: 'undecided' }
        : verified;
    } catch (error) {
      logger.warn('receipt re-check failed; will retry', { trade: trade.id, ...errorFields(error) });
      return { outcome: 'retry', retrySeconds: backoff, reason: 'rpc error' };
    }
  };

  /** Lease the due re-checks and apply what the chain says now; one head read per batch, before the receipts. */
  const recheckAll = async (run: TradeConfirmerRun): Promise<void> => {
    const rechecks = await store.claimReceiptRechecks(workerId, batch, leaseSeconds);
    if (rechecks.length === 0) return;
    const held = new Set(rechecks.map((trade) => trade.id));
    await holdLease(
      {
        leaseSeconds,
        renew: () => store.renewReceiptRecheckLease(workerId, [...held], leaseSeconds),
        logger,
        fields: { worker: workerId, rechecks: held.size },
      },
      async (signal) => {
        let head: bigint | null = null;
        try {
          head = await publicClient.getBlockNumber({ cacheTime: 0 });
        } catch (error) {
          logger.warn('chain head unavailable for receipt re-checks; will retry', errorFields(error));
        }
        for (const trade of rechecks) {
          if (signal.aborted) break;
          const outcome = await recheck(trade, head);
          if (signal.aborted) break;
          try {
            const applied = await store.settleReceiptRecheck(trade.id, workerId, outcome);
            held.delete(trade.id);
            if (applied === 'final') run.final += 1;
            if (applied === 'reorged') {
              run.reorged += 1;
              logger.warn('receipt confirmation reorged; trade back to pending', {
                trade: trade.id,
                txHash: trade.txHash,
                blockNumber: trade.blockNumber,
                blockHash: trade.blockHash,
                receipt: outcome.outcome === 'reorged' && outcome.receipt ? outcome.receipt.blockHash : null,
              });
            } else if (outcome.outcome === 'retry') {
              logger.info('receipt re-check retried', { trade: trade.id, reason: outcome.reason });
            }
          } catch (error) {
            // The lease runs out and the re-check is claimed again: nothing is lost.
            held.delete(trade.id);
            logger.error('could not apply receipt re-check', { trade: trade.id, ...errorFields(error) });
          }
        }
      },
    );
  };

  /** Lease due pending trades and settle each (or put it back with a delay). */
  const settleAll = async (run: TradeConfirmerRun): Promise<void> => {
    const trades = await store.claimPendingTrades(workerId, batch, leaseSeconds);
    if (trades.length === 0) return;
    // The trades not settled yet: the heartbeat renews their leases, and stops the batch when one is lost.
    const held = new Set(trades.map((trade) => trade.id));
    await holdLease(
      {
        leaseSeconds,
        renew: () => store.renewTradeLease(workerId, [...held], leaseSeconds),
        logger,
        fields: { worker: workerId, trades: held.size },
      },
      async (signal) => {
        for (const trade of trades) {
          if (signal.aborted) break;
          const settlement = await look(trade);
          if (signal.aborted) break;
          try {
            const status = await store.settleTrade(trade.id, workerId, settlement);
            held.delete(trade.id);
            if (status === settlement.status) run[settlement.status] += 1;
            if (settlement.status === 'failed') {
              logger.info('trade failed', { trade: trade.id, txHash: trade.txHash, reason: settlement.reason });
            } else if (settlement.status === 'confirmed') {
              logger.info('trade confirmed', { trade: trade.id, txHash: trade.txHash, source: settlement.source });
            }
          } catch (error) {
            // The lease runs out and the trade is claimed again: nothing is lost.
            held.delete(trade.id);
            logger.error('could not settle trade', { trade: trade.id, ...errorFields(error) });
          }
        }
      },
    );
  };

  const processAll = async (): Promise<TradeConfirmerRun> => {
    const run = emptyRun();
    // Reports first (a buyer may be waiting on one); a confirmation a re-check puts back to pending is due at once
    // and settled again by the next run.
    await settleAll(run);
    try {
      await recheckAll(run);
    } catch (error) {
      // Their leases run out and the re-checks are claimed again.
      logger.error('receipt re-checks failed', errorFields(error));
    }
    return run;
  };

  const runOnce = (): Promise<TradeConfirmerRun> => {
    running ??= processAll()
      .catch((error: unknown) => {
        logger.error('trade confirmer run failed', errorFields(error));
        return emptyRun();
      })
      .finally(() => {
        running = null;
      });
    return running;
  };

  return {
    workerId,
    runOnce,
    async stop() {
      if (running) await running;
    },
  };
}
