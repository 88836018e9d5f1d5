import { clientWallet, maybeInClient } from './farcaster.ts';

/** An EIP-1193 provider: https://eips.ethereum.org/EIPS/eip-1193 */
export interface Eip1193Provider {
  request(args: { method: string; params?: readonly unknown[] | object }): Promise<unknown>;
}

export interface ConnectedWallet {
  provider: Eip1193Provider;
  /** 'farcaster': the client's wallet (SDK); 'injected': a browser wallet found by EIP-6963 discovery. */
  kind: 'farcaster' | 'injected';
  name: string;
}

interface Eip6963Detail {
  info: { name: string; rdns: string };
  provider: Eip1193Provider;
}

/** Wallets announced in this page (EIP-6963: https://eips.ethereum.org/EIPS/eip-6963), collected from load on. */
const announced: Eip6963Detail[] = [];
if (typeof window !== 'undefined') {
  window.addEventListener('eip6963:announceProvider', (event) => {
    const detail = (event as CustomEvent<Eip6963Detail>).detail;
    if (detail?.provider && !announced.some((d) => d.info.rdns === detail.info.rdns)) announced.push(detail);
  });
}

/** Ask installed wallets to announce themselves and wait briefly for the answers. */
async function discoverInjected(): Promise<Eip6963Detail | undefined> {
  window.dispatchEvent(new Event('eip6963:requestProvider'));
  await new Promise((resolve) => setTimeout(resolve, 150));
  return announced[0];
}

let found: Promise<ConnectedWallet | null> | undefined;

/** The wallet to buy with: the Farcaster client's inside a client, else an injected one; null when there is none. */
export function findWallet(): Promise<ConnectedWallet | null> {
  found ??= (async (): Promise<ConnectedWallet | null> => {
    if (maybeInClient) {
      const provider = await clientWallet().catch(() => undefined);
      if (provider !== undefined) return { provider, kind: 'farcaster', name: 'Farcaster wallet' };
    }
    const injected = await discoverInjected();
    return injected === undefined ? null : { provider: injected.provider, kind: 'injected', name: injected.info.name };
  })();
  return found;
}

export async function requestAccount(provider: Eip1193Provider): Promise<`0x${string}`> {
  const accounts = (await provider.request({ method: 'eth_requestAccounts' })) as string[];
  const account = accounts[0];
  if (account === undefined) throw new Error('The wallet has no account');
  return account.toLowerCase() as `0x${string}`;
}

export const toHex = (value: bigint | number) => `0x${BigInt(value).toString(16)}`;

/** Put the wallet on `chainId` (wallet_switchEthereumChain when it is elsewhere). */
export async function ensureChain(provider: Eip1193Provider, chainId: number): Promise<void> {
  const current = Number(BigInt((await provider.request({ method: 'eth_chainId' })) as string));
  if (current === chainId) return;
  await provider.request({ method: 'wallet_switchEthereumChain', params: [{ chainId: toHex(chainId) }] });
  const after = Number(BigInt((await provider.request({ method: 'eth_chainId' })) as string));
  if (after !== chainId) throw Object.assign(new Error('wrong chain'), { code: 4901 });
}

export interface Receipt {
  status: string;
  blockNumber: string;
  logs: { address: string; topics: string[]; data: string }[];
}

/** The transaction's receipt once mined (polled through the wallet's provider), or null after `timeoutMs`. */
export async function waitForReceipt(
  provider: Eip1193Provider,
  hash: string,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<Receipt | null> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let delay = 500;
  while (Date.now() < deadline && options.signal?.aborted !== true) {
    const receipt = (await provider
      .request({ method: 'eth_getTransactionReceipt', params: [hash] })
      .catch(() => null)) as Receipt | null;
    if (receipt !== null && receipt !== undefined) return receipt;
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 1.5, 3000);
  }
  return null;
}

/** ERC-20 `balanceOf(owner)` through the wallet's provider (the coin's base units). */
export async function readBalance(provider: Eip1193Provider, token: string, owner: string): Promise<bigint> {
  const data = `0x70a08231${owner.slice(2).toLowerCase().padStart(64, '0')}`;
  const result = (await provider.request({ method: 'eth_call', params: [{ to: token, data }, 'latest'] })) as string;
  return result === '0x' ? 0n : BigInt(result);
}
