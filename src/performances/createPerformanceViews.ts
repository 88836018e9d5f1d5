import { databaseCall } from '../http/databaseCall.ts';
import { errorFields, type Logger } from '../support/logger.ts';
import type { PricedCoin } from '../trading/createCoinPriceReader.ts';
import type { TradingStore } from '../trading/createTradingStore.ts';
import type { PerformanceStore } from './createPerformanceStore.ts';
import type { Performance } from './types.ts';

/** The market of a performance's coin: its Uniswap v4 pool and its current on-chain price. */
export interface CoinMarket {
  /** The v4 pool id: the coin's, or, once read for a price, the pool's as the coin was confirmed (get_buy_target). */
  poolId: string | null;
  /** The v4 pool key as the coin was confirmed (read once per coin, only where a price reader is configured); null
   * when not read or unknown. */
  poolKey: unknown;
  /** ETH per whole coin (decimal string); null when unknown: no chain reader, unknown pool, failed or slow read. */
  priceEth: string | null;
}

/** One performance as every surface renders it (JSON API, frames, mini app): the stored performance (metrics, viral
 * explanation, coin) and, once it has a coin, the coin's market. */
export interface PerformanceView {
  performance: Performance;
  /** Null while the performance has no coin. */
  market: CoinMarket | null;
  /** When the read finished (ms since the epoch). */
  readAt: number;
}

export interface GetPerformanceViewOptions {
  /** Start a read of its own instead of joining one in flight (a read after a write this request made must not join
   * a read that started before the write). */
  fresh?: boolean;
}

/** Read the view of a cast (lowercase hash); null when no visible performance has that hash. */
export type GetPerformanceView = (
  castHash: string,
  options?: GetPerformanceViewOptions,
) => Promise<PerformanceView | null>;

export interface PerformanceViews {
  getPerformanceView: GetPerformanceView;
  /** The view of a cast read last, without reading (undefined when none is kept): lets a surface reuse a view read a
   * moment ago by another request (the frames' image route). */
  recentPerformanceView(castHash: string): PerformanceView | undefined;
}

export interface PerformanceViewsDeps {
  /** The performance read, and its coin's pool as the coin was confirmed (the buy target). */
  stores: { performances: Pick<PerformanceStore, 'getPerformance'>; trading: Pick<TradingStore, 'getBuyTarget'> };
  /** The spot price reader (src/trading/createCoinPriceReader.ts); unset without a chain RPC, and then every price is
   * null. */
  coinPrice?: ((coin: PricedCoin) => Promise<{ ethPerCoin: string } | null>) | undefined;
  logger: Logger;
  /** Longest wait for a price: a slower read leaves the price null, so no surface waits on the chain longer
   * (default 1,500 ms). */
  priceTimeoutMs?: number;
  /** Bound of each in-memory cache (pool keys by coin, recent views by cast); full caches are emptied. Default 10,000. */
  maxEntries?: number;
}

/** Build the one performance view: a database read of the performance, then, for a coin, its pool (read once per
 * coin and kept) and its price under a timeout. Concurrent reads of one cast share one database round trip, except
 * `fresh` reads. A missing reader, an unknown pool, a failure or a slow chain read leave the price null and never fail
 * the view. Pool math and the price itself: src/trading/createCoinPriceReader.ts. */
export function createPerformanceViews(deps: PerformanceViewsDeps): PerformanceViews {
  const { stores, logger } = deps;
  const priceTimeoutMs = deps.priceTimeoutMs ?? 1500;
  const maxEntries = deps.maxEntries ?? 10_000;
  const pools = new Map<string, { poolId: string | null; poolKey: unknown }>();
  const recent = new Map<string, PerformanceView>();
  const loading = new Map<string, Promise<PerformanceView | null>>();

  const remember = <V>(map: Map<string, V>, key: string, value: V) => {
    if (map.size >= maxEntries && !map.has(key)) map.clear();
    map.set(key, value);
  };

  const poolOf = async (castHash: string, address: string) => {
    const known = pools.get(address);
    if (known !== undefined) return known;
    const target = await stores.trading.getBuyTarget(castHash);
    if (target?.coin == null) return null;
    const pool = { poolId: target.coin.poolId, poolKey: target.coin.poolKey };
    remember(pools, address, pool);
    return pool;
  };

  const marketOf = async (castHash: string, coin: NonNullable<Performance['coin']>): Promise<CoinMarket> => {
    const market: CoinMarket = { poolId: coin.poolId, poolKey: null, priceEth: null };
    const read = deps.coinPrice;
    if (read === undefined) return market;
    try {
      const pool = await poolOf(castHash, coin.address);
      if (pool === null) return market;
      market.poolId = pool.poolId;
      market.poolKey = pool.poolKey;
      const price = await withTimeout(read({ address: coin.address, ...pool }), priceTimeoutMs);
      market.priceEth = price?.ethPerCoin ?? null;
    } catch (error) {
      logger.warn('coin price unavailable', { castHash, ...errorFields(error) });
    }
    return market;
  };

  const getPerformanceView: GetPerformanceView = (castHash, options = {}) => {
    const pending = loading.get(castHash);
    if (pending !== undefined && options.fresh !== true) return pending;
    const work = (async () => {
      const performance = await databaseCall(stores.performances.getPerformance(castHash));
      if (performance === null) {
        recent.delete(castHash);
        return null;
      }
      const market = performance.coin === null ? null : await marketOf(castHash, performance.coin);
      const view: PerformanceView = { performance, market, readAt: Date.now() };
      remember(recent, castHash, view);
      return view;
    })().finally(() => {
      if (loading.get(castHash) === work) loading.delete(castHash);
    });
    loading.set(castHash, work);
    return work;
  };

  return { getPerformanceView, recentPerformanceView: (castHash) => recent.get(castHash) };
}

/** `work`'s result, or null when it takes longer than `ms` (the work itself is not cancelled). */
async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
