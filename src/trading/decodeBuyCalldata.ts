import { universalRouterAddress, zoraRouterAddress } from '@zoralabs/protocol-deployments';
import type { Hex } from 'viem';
import { decodeDevSwapRouterBuy } from './decodeDevSwapRouterBuy.ts';
import { decodeUniversalRouterBuy } from './decodeUniversalRouterBuy.ts';

/** The buy the calldata must perform: spend exactly `value` wei of native ETH on `coin`, deliver to `buyer` (who
 * also sends the transaction), and revert below `minAmountOut` coins. */
export interface ExpectedBuy {
  chainId: number;
  coin: `0x${string}`;
  buyer: `0x${string}`;
  value: bigint;
  minAmountOut: bigint;
}

/** Whether a router call does exactly the expected buy. `minAmountOut` is the minimum the calldata itself enforces
 * (never below the expected one); `detail` says why a call was refused (for logs, not for clients). */
export type BuyCalldataCheck =
  | { ok: true; router: 'universalRouter' | 'devSwapRouter'; minAmountOut: bigint }
  | { ok: false; detail: string };

const known = (table: Record<number, string | undefined>, chainId: number, to: string) =>
  table[chainId]?.toLowerCase() === to.toLowerCase();

/** Decode the calldata a quote service handed us for an allowlisted router and check it buys what we asked for,
 * with one decoder per router kind: Uniswap's Universal Router (`execute` with a V4_SWAP), and any other
 * allowlisted router as the devnet's DevSwapRouter (`buyWithEth`), the only extra router this server ever adds.
 * Zora's router is refused: `swapWithLimitOrders` carries a limit-order configuration that can place part of the
 * bought coins into limit orders, and offline we cannot establish who owns those orders, whether an empty
 * configuration falls back to the router's stored default, or whether `minAmountOut` counts the coins delivered
 * to the recipient or those bought before the orders are carved out; so its recipient and minimum do not prove
 * what the buyer receives. Pure; never throws on hostile input. */
export function decodeBuyCalldata(to: `0x${string}`, data: Hex, expected: ExpectedBuy): BuyCalldataCheck {
  if (known(universalRouterAddress, expected.chainId, to)) return decodeUniversalRouterBuy(data, expected);
  if (known(zoraRouterAddress, expected.chainId, to)) {
    return {
      ok: false,
      detail: "Zora router: swapWithLimitOrders calls are not accepted (limit orders can't be verified)",
    };
  }
  return decodeDevSwapRouterBuy(data, expected);
}
