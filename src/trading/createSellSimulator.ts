import {
  BaseError,
  HttpRequestError,
  MethodNotFoundRpcError,
  MethodNotSupportedRpcError,
  type PublicClient,
  TimeoutError,
} from 'viem';

/** A dry run of a sell's transactions in order (approvals, then the sell) from the seller's address. `unavailable`
 * marks a chain that did not answer; `message` is safe to show. */
export type SimulateSell = (tx: {
  from: `0x${string}`;
  calls: readonly { to: `0x${string}`; data: `0x${string}` }[];
}) => Promise<{ ok: true } | { ok: false; message: string; unavailable?: boolean }>;

/** Dry-run the approvals and the sell together in one simulated block (`eth_simulateV1`, viem `simulate`), so the sell
 * sees the allowances the approvals will grant: a plain `eth_call` of the sell alone would revert for want of an
 * allowance that the wallet has not sent yet. A node without `eth_simulateV1` gets the sell alone through `eth_call`
 * when no approval is needed, and otherwise no dry run (the calldata checks still hold). Nothing from the RPC reaches
 * the message. https://viem.sh/docs/actions/public/simulate */
export function createSellSimulator(publicClient: Pick<PublicClient, 'simulate' | 'call'>): SimulateSell {
  return async ({ from, calls }) => {
    const unanswered = (error: unknown) =>
      !(error instanceof BaseError) ||
      error.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError) !== null;
    const unsupported = (error: unknown) =>
      error instanceof BaseError &&
      error.walk((e) => e instanceof MethodNotFoundRpcError || e instanceof MethodNotSupportedRpcError) !== null;
    const fails = { ok: false as const, message: 'This sell would fail on chain right now; try a smaller amount' };
    try {
      const [block] = await publicClient.simulate({
        blocks: [{ calls: calls.map((call) => ({ account: from, to: call.to, data: call.data })) }],
        validation: false,
      });
      const results = block?.calls ?? [];
      if (results.length !== calls.length || results.some((result) => result.status !== 'success')) return fails;
      return { ok: true };
    } catch (error) {
      if (unsupported(error)) {
        const [only] = calls;
        if (calls.length !== 1 || only === undefined) return { ok: true };
        try {
          await publicClient.call({ account: from, to: only.to, data: only.data });
          return { ok: true };
        } catch (callError) {
          if (unanswered(callError)) return { ok: false, unavailable: true, message: 'chain RPC did not answer' };
          return fails;
        }
      }
      if (unanswered(error))
        return { ok: false, unavailable: true, message: 'chain RPC did not answer the simulation' };
      return fails;
    }
  };
}
