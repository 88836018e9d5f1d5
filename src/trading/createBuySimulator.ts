import { BaseError, HttpRequestError, InsufficientFundsError, type PublicClient, TimeoutError } from 'viem';
import type { SimulateBuy } from './buildBuyTransaction.ts';

/** Dry-run a buy with `eth_call` from the buyer's address (against the latest block) before handing it out. A
 * revert or short balance is a safe, generic message (no RPC internals); a chain that does not answer is marked
 * `unavailable` so the caller answers 503 instead of blaming the buy. */
export function createBuySimulator(publicClient: Pick<PublicClient, 'call'>): SimulateBuy {
  return async (tx) => {
    try {
      await publicClient.call({ account: tx.from, to: tx.to, data: tx.data, value: tx.value });
      return { ok: true };
    } catch (error) {
      const walk = (type: new (...args: never[]) => Error) =>
        error instanceof BaseError && error.walk((e) => e instanceof type) !== null;
      if (walk(InsufficientFundsError)) return { ok: false, message: 'Not enough ETH in this wallet for that amount' };
      if (walk(HttpRequestError) || walk(TimeoutError) || !(error instanceof BaseError)) {
        return { ok: false, unavailable: true, message: 'chain RPC did not answer the simulation' };
      }
      return { ok: false, message: 'This buy would fail on chain right now; try a smaller amount' };
    }
  };
}
