import { permit2ABI, permit2Address } from '@zoralabs/protocol-deployments';
import { erc20Abi, type PublicClient } from 'viem';
import { UnavailableError } from '../errors.ts';
import type { WalletFunds } from './checkWalletFunds.ts';
import type { CurrentAllowances } from './planSellApprovals.ts';

/** Reads of a trader's wallet on the chain the server trades on; every method throws UnavailableError (503) when the
 * chain does not answer. */
export interface WalletReader {
  /** ETH balance and the fee per gas a transaction sent now should budget (viem estimateFeesPerGas). */
  funds(owner: `0x${string}`): Promise<WalletFunds>;
  /** coin.balanceOf(owner), raw units. */
  coinBalance(coin: `0x${string}`, owner: `0x${string}`): Promise<bigint>;
  /** What `owner` already allows `router` to move of `coin`: directly (ERC-20) or through Permit2. */
  allowances(args: {
    coin: `0x${string}`;
    owner: `0x${string}`;
    router: 'universalRouter' | 'devSwapRouter';
    routerAddress: `0x${string}`;
  }): Promise<CurrentAllowances>;
}

/** A WalletReader over a viem public client, each read bounded by `timeoutMs` (default 3000). */
export function createWalletReader(
  publicClient: Pick<PublicClient, 'getBalance' | 'estimateFeesPerGas' | 'readContract'> & {
    chain?: { id: number } | undefined;
  },
  options: { timeoutMs?: number } = {},
): WalletReader {
  const timeoutMs = options.timeoutMs ?? 3000;
  const bounded = async <T>(read: Promise<T>): Promise<T> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`chain did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([read, timeout]);
    } catch (error) {
      throw new UnavailableError('Chain unavailable; try again shortly', error, 5);
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    async funds(owner) {
      const [ethWei, fees] = await bounded(
        Promise.all([publicClient.getBalance({ address: owner }), publicClient.estimateFeesPerGas()]),
      );
      return { ethWei, maxFeePerGas: fees.maxFeePerGas ?? 0n };
    },
    coinBalance(coin, owner) {
      return bounded(
        publicClient.readContract({ address: coin, abi: erc20Abi, functionName: 'balanceOf', args: [owner] }),
      );
    },
    async allowances({ coin, owner, router, routerAddress }) {
      if (router === 'devSwapRouter') {
        const erc20 = await bounded(
          publicClient.readContract({
            address: coin,
            abi: erc20Abi,
            functionName: 'allowance',
            args: [owner, routerAddress],
          }),
        );
        return { erc20 };
      }
      const chainId = publicClient.chain?.id ?? 8453;
      const permit2 = permit2Address[chainId as keyof typeof permit2Address];
      const [erc20, [amount, expiration]] = await bounded(
        Promise.all([
          publicClient.readContract({
            address: coin,
            abi: erc20Abi,
            functionName: 'allowance',
            args: [owner, permit2],
          }),
          publicClient.readContract({
            address: permit2,
            abi: permit2ABI,
            functionName: 'allowance',
            args: [owner, coin, routerAddress],
          }),
        ]),
      );
      return { erc20, permit2: { amount, expiration } };
    },
  };
}
