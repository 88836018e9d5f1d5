import { uniswapV4PoolManagerAddress } from '@zoralabs/protocol-deployments';
import { type Chain, createPublicClient, http, type PublicClient } from 'viem';
import { base, baseSepolia } from 'viem/chains';
import type { Env } from '../config/schema.ts';
import type { Store } from '../db/store.ts';
import type { Logger } from '../support/logger.ts';
import { createBuySimulator } from '../trading/createBuySimulator.ts';
import { type CoinPrice, createCoinPriceReader, type PricedCoin } from '../trading/createCoinPriceReader.ts';
import { createTradeConfirmer, type TradeConfirmer } from '../trading/createTradeConfirmer.ts';
import { createZoraQuoter } from '../trading/createZoraQuoter.ts';
import type { PrepareBuyDeps } from '../trading/prepareBuy.ts';
import { routerAllowlist } from '../trading/routerAllowlist.ts';

/** Buying on the Workers host, built once per isolate. */
export interface WorkerTrading {
  deps: PrepareBuyDeps;
  /** Spot price of a coin for the frame images; unset without BASE_RPC_URL. */
  coinPrice: ((coin: PricedCoin) => Promise<CoinPrice | null>) | undefined;
  /** A trade confirmer over one invocation's store (the cron run); null without BASE_RPC_URL. */
  confirmer(store: Pick<Store, 'claimPendingTrades' | 'settleTrade'>, logger: Logger): TradeConfirmer | null;
}

/** The Workers counterpart of the Node host's trading setup, on the configured chain only (Workers never run the
 * devnet): the Zora quoter and the router allowlist always; with BASE_RPC_URL also simulation from the buyer, the
 * coin price reader and the trade confirmer. Read-only clients: no private key is involved. viem's http transport
 * fetches per call, so one client serves every request of the isolate. */
export function createWorkerTrading(
  env: Env,
  store: PrepareBuyDeps['store'],
  logger: Logger,
  wrap: <A extends unknown[], R>(call: (...args: A) => Promise<R>) => (...args: A) => Promise<R> = (call) => call,
): WorkerTrading {
  const chainId = env.CHAIN_ID;
  const chain: Chain = chainId === 8453 ? base : baseSepolia;
  const client: PublicClient | null =
    env.BASE_RPC_URL === undefined
      ? null
      : createPublicClient({ chain, transport: http(env.BASE_RPC_URL, { retryCount: 1 }) });
  const allowedRouters = routerAllowlist();
  const deps: PrepareBuyDeps = {
    store,
    chainId,
    bounds: { min: env.BUY_MIN_ETH, max: env.BUY_MAX_ETH, default: env.BUY_DEFAULT_ETH },
    slippage: env.BUY_SLIPPAGE,
    launchGuardSeconds: env.BUY_LAUNCH_GUARD_SECONDS,
    now: () => new Date(),
    logger,
    quote: createZoraQuoter({ apiBaseUrl: env.ZORA_API_BASE_URL, apiKey: env.ZORA_API_KEY }),
    allowedRouters,
    ...(client ? { simulate: createBuySimulator(client) } : {}),
  };
  const coinPrice =
    client === null
      ? undefined
      : wrap(
          createCoinPriceReader({
            publicClient: client,
            poolManager: uniswapV4PoolManagerAddress[chainId],
            cacheSeconds: 15,
          }),
        );
  return {
    deps,
    coinPrice,
    confirmer: (confirmStore, confirmLogger) =>
      client === null
        ? null
        : createTradeConfirmer({
            store: confirmStore,
            publicClient: client,
            logger: confirmLogger,
            allowedRouters,
            intervalMs: env.TRADE_CONFIRMER_SECONDS * 1000,
          }),
  };
}
