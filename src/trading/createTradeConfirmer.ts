import { randomBytes } from 'node:crypto';
import { type Hash, type PublicClient, TransactionNotFoundError, TransactionReceiptNotFoundError } from 'viem';
import { holdLease } from '../jobs/holdLease.ts';
import { errorFields, type Logger } from '../support/logger.ts';
import type { TradingStore } from './createTradingStore.ts';
import { decideIndexedSettlement } from './decideIndexedSettlement.ts';
import { decideTradeSettlement, type TradeOnChain } from './decideTradeSettlement.ts';
import type { ClaimedTrade, TradeSettlement } from './types.ts';

/** Options of the trade confirmer. */
export interface TradeConfirmerOptions {
  store: Pick<TradingStore, 'claimPendingTrades' | 'renewTradeLease' | 'settleTrade' | 'getIndexedTradeSwap'>;
  /** A client of the chain the server trades on (CHAIN_ID); trades reported for another chain are left pending. */
  publicClient: Pick<PublicClient, 'getTransactionReceipt' | 'getTransaction'> & { chain?: { id: number } | undefined };
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

/** Trades settled by one run. */
export interface TradeConfirmerRun {
  confirmed: number;
  failed: number;
  pending: number;
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

/** Build the confirmer of reported buys and sells: leases due pending trades (FOR UPDATE SKIP LOCKED, so several
 * instances are safe; never-checked reports first, see claim_pending_trades); a trade whose swap the chain indexer
 * already saw is settled from the indexed swap (decideIndexedSettlement, no RPC), any other from its receipt and
 * transaction (decideTradeSettlement; settle_trade then checks it against the indexed swap if one appeared). A
 * transaction not mined yet, and any RPC error, puts the trade back with a delay (backing off on errors); a hash the
 * node never saw fails within minutes; nothing is lost. */
export function createTradeConfirmer(options: TradeConfirmerOptions): TradeConfirmer {
  const { store, publicClient, logger } = options;
  const workerId = options.worker ?? `trades-${randomBytes(4).toString('hex')}`;
  const now = options.now ?? (() => new Date());
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
      onChain.receipt = await orNotFound(publicClient.getTransactionReceipt({ hash }));
      onChain.transaction = await orNotFound(publicClient.getTransaction({ hash }));
    } catch (error) {
      logger.warn('trade lookup failed; will retry', { trade: trade.id, ...errorFields(error) });
      return retry();
    }
    return decideTradeSettlement(trade, onChain, {
      allowedRouters: options.allowedRouters(trade.chainId),
      nowMs: now().getTime(),
      giveUpAfterSeconds: options.giveUpAfterSeconds ?? 1800,
      notFoundGiveUpSeconds: options.notFoundGiveUpSeconds ?? 150,
      retrySeconds: Math.min(60, 5 * trade.attempts),
      ...(options.poolManager === undefined ? {} : { poolManager: options.poolManager }),
    });
  };

  const processAll = async (): Promise<TradeConfirmerRun> => {
    const run: TradeConfirmerRun = { confirmed: 0, failed: 0, pending: 0 };
    const leaseSeconds = options.leaseSeconds ?? 15;
    const trades = await store.claimPendingTrades(workerId, options.batch ?? 20, leaseSeconds);
    if (trades.length === 0) return run;
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
    return run;
  };

  const runOnce = (): Promise<TradeConfirmerRun> => {
    running ??= processAll()
      .catch((error: unknown) => {
        logger.error('trade confirmer run failed', errorFields(error));
        return { confirmed: 0, failed: 0, pending: 0 };
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
