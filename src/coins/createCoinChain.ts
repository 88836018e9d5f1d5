import { coinFactoryAddress } from '@zoralabs/protocol-deployments';
import {
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  getAddress,
  http,
  type PrivateKeyAccount,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { base, baseSepolia } from 'viem/chains';
import { configureZoraApi } from '../zora/configureZoraApi.ts';
import type { CoinChainSettings } from './readCoinChainSettings.ts';

/** The platform wallet and clients on the configured chain: the only holder of PLATFORM_PRIVATE_KEY (inside the
 * viem local account, which never exposes it). */
export interface CoinChain {
  chainId: 8453 | 84532;
  /** The platform wallet's address (creator and sender of every coin). */
  sender: Address;
  /** Zora's coin factory on this chain (coinFactoryAddress[chainId]). */
  factory: Address;
  platformReferrer: Address | undefined;
  /** The JSON-RPC URL, for probing it; shown only as its origin (rpcOrigin): a path or query may carry an API key. */
  rpcUrl: string;
  publicClient: PublicClient<Transport, Chain>;
  walletClient: WalletClient<Transport, Chain, PrivateKeyAccount>;
}

/** Build the coin chain from settings and point coins-sdk at the configured Zora API through configureZoraApi (which
 * throws if the trading part of this process already uses other settings). The chain id is always explicit
 * (coins-sdk 0.6.0 looks the factory up by the call's chainId, so a missing one breaks it). */
export function createCoinChain(settings: CoinChainSettings, options: { pollingIntervalMs?: number } = {}): CoinChain {
  // Widened to Chain: the OP-stack formatters of base/baseSepolia are not needed and would not fit one client type.
  const chain: Chain = settings.chainId === 8453 ? base : baseSepolia;
  const transport = http(settings.rpcUrl, { retryCount: 2 });
  const account = privateKeyToAccount(settings.privateKey);
  const polling = options.pollingIntervalMs === undefined ? {} : { pollingInterval: options.pollingIntervalMs };
  configureZoraApi('coins', { baseUrl: settings.zoraApiBaseUrl, apiKey: settings.zoraApiKey });
  return {
    chainId: settings.chainId,
    sender: account.address,
    factory: getAddress(coinFactoryAddress[settings.chainId]),
    platformReferrer: settings.platformReferrer === undefined ? undefined : getAddress(settings.platformReferrer),
    rpcUrl: settings.rpcUrl,
    publicClient: createPublicClient({ chain, transport, ...polling }),
    walletClient: createWalletClient({ chain, transport, account, ...polling }),
  };
}
