import { uniswapV4PoolManagerAddress } from '@zoralabs/protocol-deployments';
import { type Abi, type Address, type Chain, createPublicClient, http, type PublicClient } from 'viem';
import { base, baseSepolia } from 'viem/chains';
import { createRateLimiter } from '../http/createRateLimiter.ts';
import { createHoldingsReader, type HoldingsReader } from '../portfolio/createHoldingsReader.ts';
import type { Logger } from '../support/logger.ts';
import { createBuySimulator } from './createBuySimulator.ts';
import { type ChainHealth, chainHealthOf, createChainProbe } from './createChainProbe.ts';
import { type CoinPrice, createCoinPriceReader, type PricedCoin } from './createCoinPriceReader.ts';
import { createSellSimulator } from './createSellSimulator.ts';
import { createTradeConfirmer, type TradeConfirmer, type TradeConfirmerStore } from './createTradeConfirmer.ts';
import { createTransactionFetcher, type TransactionFetcher } from './createTransactionFetcher.ts';
import { createTransactionLookup, type TransactionLookup } from './createTransactionLookup.ts';
import { createWalletReader } from './createWalletReader.ts';
import { createZoraQuoter } from './createZoraQuoter.ts';
import type { EthAmountBounds } from './parseEthAmount.ts';
import type { PrepareBuyDeps } from './prepareBuy.ts';
import type { PrepareSellDeps } from './prepareSell.ts';
import { routerAllowlist } from './routerAllowlist.ts';
import { KNOWN_ROUTER_ABIS } from './selectRouterAbi.ts';

/** The trading slice of the configuration: the chain and Zora API buys go through, the buy rules and limits, and any
 * routers allowed besides Zora's (the development chain's). No private key: trading only reads and simulates. */
export interface TradingConfig {
  chainId: 8453 | 84532;
  /** JSON-RPC of that chain; unset: no simulation, prices, report checks or confirmation. */
  rpcUrl: string | undefined;
  zoraApiBaseUrl: string | undefined;
  zoraApiKey: string | undefined;
  bounds: EthAmountBounds;
  slippage: number;
  launchGuardSeconds: number;
  ratePerMinute: number;
  ratePerBuyerPerMinute: number;
  confirmerSeconds: number;
  /** CHAIN_CONFIRMATIONS: the depth at which a receipt confirmation is final (the indexer's depth too). */
  confirmations: number;
  /** Routers a buy may target besides Zora's and Uniswap's for this chain, with their ABIs. */
  extraRouters?: readonly { address: Address; abi: Abi }[];
  /** Uniswap v4 PoolManager to read prices from; default: the deployed one for `chainId`. */
  poolManager?: Address;
}

/** Longest wait for the chain's answer to a /healthz probe, and how long that answer is reused. */
const HEALTH_PROBE_TIMEOUT_MS = 1500;
const HEALTH_CACHE_SECONDS = 5;

/** Buying, built once per process (Node) or isolate (Workers). */
export interface TradingServices {
  deps: PrepareBuyDeps;
  /** Selling (`POST /api/tx/sell`); unset without a chain RPC, since balances are read on chain. */
  sell: PrepareSellDeps | undefined;
  /** Spot price of a coin for the performance view (API and frames); unset without BASE_RPC_URL. */
  coinPrice: ((coin: PricedCoin) => Promise<CoinPrice | null>) | undefined;
  /** The chain RPC's reachability for GET /healthz (bounded in time, cached a few seconds); unset without an RPC. */
  chainHealth: (() => Promise<ChainHealth>) | undefined;
  /** Whether the chain knows a reported transaction (checked before a report is recorded); unset without an RPC. */
  transactionSeen: TransactionLookup | undefined;
  /** Balances and pool prices at one block through Multicall3 (the portfolio); unset without an RPC. */
  readHoldings: HoldingsReader | undefined;
  /** The chain's copy of a reported transaction (its sender and calldata), for POST /api/trades; unset without an RPC. */
  fetchTransaction: TransactionFetcher | undefined;
  /** A trade confirmer over a store (Node: the process's; Workers: one cron run's); null without a chain RPC. */
  confirmer(store: TradeConfirmerStore, logger: Logger): TradeConfirmer | null;
}

/** Buying for both hosts: the Zora quoter and the router allowlist always; with a chain RPC (BASE_RPC_URL, or the
 * local devnet) also simulation from the buyer, the coin price reader and the trade confirmer. Read-only clients: no
 * private key is involved. viem's http transport fetches per call, so one client serves every request. `wrap` lets
 * the Workers host tie each price read to the request that awaits it. */
export function createTradingServices(
  config: TradingConfig,
  adapters: {
    store: PrepareBuyDeps['store'];
    logger: Logger;
    wrap?: <A extends unknown[], R>(call: (...args: A) => Promise<R>) => (...args: A) => Promise<R>;
  },
): TradingServices {
  const { store, logger } = adapters;
  const wrap = adapters.wrap ?? ((call) => call);
  const { chainId, rpcUrl } = config;
  const extraRouters = config.extraRouters ?? [];
  const chain: Chain = chainId === 8453 ? base : baseSepolia;
  const client: PublicClient | null =
    rpcUrl === undefined ? null : createPublicClient({ chain, transport: http(rpcUrl, { retryCount: 1 }) });
  const allowedRouters = routerAllowlist(extraRouters.map((router) => ({ chainId, address: router.address })));
  const quote = createZoraQuoter({ apiBaseUrl: config.zoraApiBaseUrl, apiKey: config.zoraApiKey });
  const wallet = client === null ? undefined : createWalletReader(client);
  const deps: PrepareBuyDeps = {
    store,
    chainId,
    bounds: config.bounds,
    slippage: config.slippage,
    launchGuardSeconds: config.launchGuardSeconds,
    // In this process's memory (per isolate on Workers): best effort there, see the README.
    limits: {
      client: createRateLimiter({ perMinute: config.ratePerMinute }),
      buyer: createRateLimiter({ perMinute: config.ratePerBuyerPerMinute }),
    },
    now: () => new Date(),
    logger,
    quote,
    allowedRouters,
    ...(wallet ? { wallet } : {}),
    ...(client ? { simulate: createBuySimulator(client) } : {}),
    ...(extraRouters.length > 0 ? { routerAbis: [...KNOWN_ROUTER_ABIS, ...extraRouters.map((r) => r.abi)] } : {}),
  };
  const sell: PrepareSellDeps | undefined =
    client === null || wallet === undefined
      ? undefined
      : {
          store,
          wallet,
          chainId,
          slippage: config.slippage,
          launchGuardSeconds: config.launchGuardSeconds,
          now: deps.now,
          logger,
          limits: deps.limits,
          sellQuote: quote.sell,
          allowedRouters,
          simulateSell: createSellSimulator(client),
        };
  const poolManager = config.poolManager ?? uniswapV4PoolManagerAddress[chainId];
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
  const fetchTransaction = client === null ? undefined : wrap(createTransactionFetcher({ publicClient: client }));
  const chainProbe =
    client === null || rpcUrl === undefined
      ? null
      : wrap(
          createChainProbe({ client, rpcUrl, timeoutMs: HEALTH_PROBE_TIMEOUT_MS, cacheSeconds: HEALTH_CACHE_SECONDS }),
        );
  return {
    deps,
    sell,
    coinPrice,
    chainHealth: chainProbe === null ? undefined : async () => chainHealthOf(await chainProbe(), chainId),
    transactionSeen,
    fetchTransaction,
    readHoldings: client === null ? undefined : wrap(createHoldingsReader({ publicClient: client, poolManager })),
    confirmer: (confirmStore, confirmLogger) =>
      client === null
        ? null
        : createTradeConfirmer({
            store: confirmStore,
            publicClient: client,
            logger: confirmLogger,
            allowedRouters,
            poolManager,
            confirmations: config.confirmations,
          }),
  };
}
