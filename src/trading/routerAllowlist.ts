import { universalRouterAddress, zoraRouterAddress } from '@zoralabs/protocol-deployments';

/** A router address that is allowed on one chain besides Zora's (for example the devnet's DevSwapRouter). */
export interface ExtraRouter {
  chainId: number;
  address: string;
}

/** The swap routers a buy transaction may target, per chain, as lower-case addresses: Uniswap's Universal Router
 * and Zora's router from @zoralabs/protocol-deployments (coins-sdk does not validate the quote's target, so we never
 * hand out a transaction to any other contract), plus `extra`. Every allowlisted router also needs a calldata
 * decoder (decodeBuyCalldata): an extra router is decoded as the devnet's DevSwapRouter. Pure. */
export function routerAllowlist(extra: readonly ExtraRouter[] = []): (chainId: number) => ReadonlySet<string> {
  const known: Record<number, string | undefined>[] = [universalRouterAddress, zoraRouterAddress];
  const byChain = new Map<number, Set<string>>();
  const add = (chainId: number, address: string) => {
    const set = byChain.get(chainId) ?? new Set<string>();
    set.add(address.toLowerCase());
    byChain.set(chainId, set);
  };
  for (const table of known) {
    for (const [chainId, address] of Object.entries(table)) if (address !== undefined) add(Number(chainId), address);
  }
  for (const router of extra) add(router.chainId, router.address);
  const empty: ReadonlySet<string> = new Set();
  return (chainId) => byChain.get(chainId) ?? empty;
}
