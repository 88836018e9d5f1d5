import { universalRouterAddress, zoraRouterAddress } from '@zoralabs/protocol-deployments';
import type { Hex } from 'viem';
import { decodeDevSwapRouterSell } from './decodeDevSwapRouterSell.ts';
import { decodeUniversalRouterSell } from './decodeUniversalRouterSell.ts';

/** The sell the calldata must perform: sell exactly `amountIn` raw units of `coin` (pulled from `seller`, who sends
 * the transaction) for native ETH paid to `seller`, and revert below `minEthOut` wei. */
export interface ExpectedSell {
  chainId: number;
  coin: `0x${string}`;
  seller: `0x${string}`;
  amountIn: bigint;
  minEthOut: bigint;
}

/** Whether a router call does exactly the expected sell. `minEthOut` is the minimum the calldata itself enforces
 * (never below the expected one); `detail` says why a call was refused (for logs, not for clients). */
export type SellCalldataCheck =
  | { ok: true; router: 'universalRouter' | 'devSwapRouter'; minEthOut: bigint }
  | { ok: false; detail: string };

const known = (table: Record<number, string | undefined>, chainId: number, to: string) =>
  table[chainId]?.toLowerCase() === to.toLowerCase();

/** Decode the calldata a quote service handed us for a sell through an allowlisted router and check it sells what we
 * asked for, one decoder per router kind as for buys (decodeBuyCalldata): Uniswap's Universal Router (`execute` with
 * one V4_SWAP, coins pulled through Permit2), Zora's router refused (limit orders we cannot verify), and any other
 * allowlisted router as the devnet's DevSwapRouter (`sellForEth`). Pure; never throws on hostile input. */
export function decodeSellCalldata(to: `0x${string}`, data: Hex, expected: ExpectedSell): SellCalldataCheck {
  if (known(universalRouterAddress, expected.chainId, to)) return decodeUniversalRouterSell(data, expected);
  if (known(zoraRouterAddress, expected.chainId, to)) {
    return {
      ok: false,
      detail: "Zora router: swapWithLimitOrders calls are not accepted (limit orders can't be verified)",
    };
  }
  return decodeDevSwapRouterSell(data, expected);
}
