import type { Env } from '../config/schema.ts';
import { createRateLimiter, type RateLimiter } from '../http/createRateLimiter.ts';
import { createLogger } from '../support/logger.ts';
import { createTradingServices, type TradingServices } from '../trading/createTradingServices.ts';
import { createRequestScopes, type RequestScopes } from './createRequestScopes.ts';
import { createWorkerFrames, type WorkerFrames } from './createWorkerFrames.ts';

/** What a Worker isolate builds once and every invocation reuses. */
export interface IsolateServices {
  scopes: RequestScopes;
  trading: TradingServices;
  frames: WorkerFrames;
  /** Signed frame POSTs per client, per isolate (best effort: each isolate counts on its own). */
  frameActionLimiter: RateLimiter;
}

/** The variables the isolate services are built from; a change in any of them builds them again. */
const SERVICE_VARIABLES = [
  'PUBLIC_URL',
  'MINIAPP_URL',
  'HUB_URL',
  'HUB_API_KEY',
  'HUB_SIGNER_CACHE_SECONDS',
  'FRAME_MAX_AGE_SECONDS',
  'CHAIN_ID',
  'BASE_RPC_URL',
  'ZORA_API_KEY',
  'ZORA_API_BASE_URL',
  'BUY_MIN_ETH',
  'BUY_MAX_ETH',
  'BUY_DEFAULT_ETH',
  'BUY_SLIPPAGE',
  'BUY_LAUNCH_GUARD_SECONDS',
  'TRADE_CONFIRMER_SECONDS',
  'BUY_RATE_PER_MINUTE',
  'BUY_RATE_PER_BUYER_PER_MINUTE',
  'FRAME_ACTION_RATE_PER_MINUTE',
  'LOG_LEVEL',
] as const satisfies readonly (keyof Env)[];

const scopes = createRequestScopes();
let cached: { key: string; services: IsolateServices } | null = null;

/** Frames and trading for this isolate, built on first use and kept while the configuration stays the same: the
 * renderer parses the fonts and instantiates resvg once, and the image cache, hub signer cache and price cache live
 * across requests. Only what holds no I/O object is cached; the store stays per invocation (createRequestScopes). The
 * key holds secrets (API keys) in memory only; it is never logged. */
export function getIsolateServices(env: Env): IsolateServices {
  const key = JSON.stringify(SERVICE_VARIABLES.map((name) => env[name] ?? null));
  if (cached?.key === key) return cached.services;
  const logger = createLogger(env.LOG_LEVEL);
  const store = scopes.store(['getBuyTarget', 'recordTradeQuote']);
  const trading = createTradingServices(env, store, logger, { wrap: scopes.keepingAlive });
  const frames = createWorkerFrames(env, { scopes, trading, logger });
  const frameActionLimiter = createRateLimiter({ perMinute: env.FRAME_ACTION_RATE_PER_MINUTE });
  cached = { key, services: { scopes, trading, frames, frameActionLimiter } };
  return cached.services;
}
