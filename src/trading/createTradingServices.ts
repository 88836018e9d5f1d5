import { uniswapV4PoolManagerAddress } from '@zoralabs/protocol-deployments';
import { type Abi, type Address, type Chain, createPublicClient, http, type PublicClient } from 'viem';
import { base, baseSepolia } from 'viem/chains';
import type { Env } from '../config/schema.ts';
import type { Store } from '../db/store.ts';
import { createRateLimiter } from '../http/createRateLimiter.ts';
import type { Logger } from '../support/logger.ts';
import { createBuySimulator } from './createBuySimulator.ts';
import { type CoinPrice, createCoinPriceReader, type PricedCoin } from './createCoinPriceReader.ts';
import { createTradeConfirmer, type TradeConfirmer } from './createTradeConfirmer.ts';
import { createTransactionLookup, type TransactionLookup } from './createTransactionLookup.ts';
import { createZoraQuoter } from './createZoraQuoter.ts';
import type { PrepareBuyDeps } from './prepareBuy.ts';
import { routerAllowlist } from './routerAllowlist.ts';
import { KNOWN_ROUTER_ABIS } from './selectRouterAbi.ts';

/** The local development chain (Node host only): it replaces the configured chain, Zora API and PoolManager, and
 * its router joins the allowlist. */
export interface LocalTradingChain {
  chainId: number;
  rpcUrl: string;
  zoraApiBaseUrl: string;
  router: Address;
  routerAbi: Abi;
  poolManager: Address;
}

/** Buying, built once per process (Node) or isolate (Workers). */
export interface TradingServices {
  deps: PrepareBuyDeps;
  /** Spot price of a coin for the frame images; unset without BASE_RPC_URL. */
  coinPrice: ((coin: PricedCoin) => Promise<CoinPrice | null>) | undefined;
  /** Whether the chain knows a reported transaction (checked before a report is recorded); unset without an RPC. */
  transactionSeen: TransactionLookup | undefined;
  /** A trade confirmer over a store (Node: the process's; Workers: one cron run's); null without a chain RPC. */
  confirmer(store: Pick<Store, 'claimPendingTrades' | 'settleTrade'>, logger: Logger): TradeConfirmer | null;
}

/** Buying for both hosts: the Zora quoter and the router allowlist always; with a chain RPC (BASE_RPC_URL, or the
 * local devnet) also simulation from the buyer, the coin price reader and the trade confirmer. Read-only clients: no
 * private key is involved. viem's http transport fetches per call, so one client serves every request. `wrap` lets
 * the Workers host tie each price read to the request that awaits it. */
export function createTradingServices(
  env: Env,
  store: PrepareBuyDeps['store'],
  logger: Logger,
  options: {
    local?: LocalTradingChain | null;
    wrap?: <A extends unknown[], R>(call: (...args: A) => Promise<R>) => (...args: A) => Promise<R>;
  } = {},
): TradingServices {
  const local = options.local ?? null;
  const wrap = options.wrap ?? ((call) => call);
  const chainId = local?.chainId ?? env.CHAIN_ID;
  const rpcUrl = local?.rpcUrl ?? env.BASE_RPC_URL;
  const chain: Chain = chainId === 8453 ? base : baseSepolia;
  const client: PublicClient | null =
    rpcUrl === undefined ? null : createPublicClient({ chain, transport: http(rpcUrl, { retryCount: 1 }) });
  const allowedRouters = routerAllowlist(local ? [{ chainId, address: local.router }] : []);
  const deps: PrepareBuyDeps = {
    store,
    chainId,
    bounds: { min: env.BUY_MIN_ETH, max: env.BUY_MAX_ETH, default: env.BUY_DEFAULT_ETH },
    slippage: env.BUY_SLIPPAGE,
    launchGuardSeconds: env.BUY_LAUNCH_GUARD_SECONDS,
    // In this process's memory (per isolate on Workers): best effort there, see the README.
    limits: {
      client: createRateLimiter({ perMinute: env.BUY_RATE_PER_MINUTE }),
      buyer: createRateLimiter({ perMinute: env.BUY_RATE_PER_BUYER_PER_MINUTE }),
    },
    now: () => new Date(),
    logger,
    quote: createZoraQuoter({ apiBaseUrl: local?.zoraApiBaseUrl ?? env.ZORA_API_BASE_URL, apiKey: env.ZORA_API_KEY }),
    allowedRouters,
    ...(client ? { simulate: createBuySimulator(client) } : {}),
    ...(local ? { routerAbis: [...KNOWN_ROUTER_ABIS, local.routerAbi] } : {}),
  };
  const poolManager = local?.poolManager ?? uniswapV4PoolManagerAddress[chainId as 8453 | 84532];
  const coinPrice =
    client === null
      ? undefined
      : wrap(
          createCoinPriceReader({
            publicClient: client,
            poolManager,
            cacheSeconds: 15,
          }),
        );
  const transactionSeen = client === null ? undefined : wrap(createTransactionLookup({ publicClient: client }));
  return {
    deps,
    coinPrice,
    transactionSeen,
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
