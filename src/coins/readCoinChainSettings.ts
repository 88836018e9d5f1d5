import type { Address, Hex } from 'viem';
import type { Env } from '../config/schema.ts';

/** What the coin worker needs to reach the chain and the Zora API (PLATFORM_PRIVATE_KEY included: pass it only to
 * createCoinChain, never to a logger). */
export interface CoinChainSettings {
  rpcUrl: string;
  chainId: 8453 | 84532;
  privateKey: Hex;
  zoraApiKey: string | undefined;
  zoraApiBaseUrl: string | undefined;
  platformReferrer: Address | undefined;
}

/** The coin chain settings from the parsed config, or why coin creation cannot run (jobs then wait with that
 * reason; nothing is lost). Pure. */
export function readCoinChainSettings(
  env: Pick<
    Env,
    | 'BASE_RPC_URL'
    | 'CHAIN_ID'
    | 'PLATFORM_PRIVATE_KEY'
    | 'ZORA_API_KEY'
    | 'ZORA_API_BASE_URL'
    | 'PLATFORM_REFERRER_ADDRESS'
  >,
): { ok: true; settings: CoinChainSettings } | { ok: false; reason: string } {
  const missing = [
    env.BASE_RPC_URL === undefined ? 'BASE_RPC_URL' : null,
    env.PLATFORM_PRIVATE_KEY === undefined ? 'PLATFORM_PRIVATE_KEY' : null,
  ].filter((x) => x !== null);
  if (env.BASE_RPC_URL === undefined || env.PLATFORM_PRIVATE_KEY === undefined) {
    return { ok: false, reason: `coin creation is not configured: set ${missing.join(' and ')}` };
  }
  return {
    ok: true,
    settings: {
      rpcUrl: env.BASE_RPC_URL,
      chainId: env.CHAIN_ID,
      privateKey: env.PLATFORM_PRIVATE_KEY,
      zoraApiKey: env.ZORA_API_KEY,
      zoraApiBaseUrl: env.ZORA_API_BASE_URL,
      platformReferrer: env.PLATFORM_REFERRER_ADDRESS,
    },
  };
}
