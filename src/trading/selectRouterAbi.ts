import { universalRouterABI, zoraRouterABI } from '@zoralabs/protocol-deployments';
import { type Abi, type AbiFunction, type Hex, slice, toFunctionSelector } from 'viem';

/** The router ABIs a Zora buy quote can call: Uniswap's Universal Router `execute` and Zora's router
 * `swapWithLimitOrders` (decodeBuyCalldata refuses the latter, but the wallet ABI lookup stays generic). */
export const KNOWN_ROUTER_ABIS: readonly Abi[] = [universalRouterABI, zoraRouterABI];

/** The ABI a wallet needs to show and decode one router call: the function whose selector starts `data` and that
 * router's errors; `[]` when no known ABI has that selector. Pure. */
export function selectRouterAbi(data: Hex, abis: readonly Abi[] = KNOWN_ROUTER_ABIS): Abi {
  if (data.length < 10) return [];
  const selector = slice(data, 0, 4).toLowerCase();
  for (const abi of abis) {
    const fn = abi.find(
      (item): item is AbiFunction => item.type === 'function' && toFunctionSelector(item) === selector,
    );
    if (fn !== undefined) return [fn, ...abi.filter((item) => item.type === 'error')];
  }
  return [];
}
