import type { Abi, Hex } from 'viem';
import { decodeBuyCalldata } from './decodeBuyCalldata.ts';
import { selectRouterAbi } from './selectRouterAbi.ts';
import {
  assertSlippage,
  calldataRefusal,
  tradeFailure as failure,
  liquidityMessage,
  minimumOut,
  quoteFailure,
  routerRefusal,
  simulationFailure,
  type TradeBuildFailure,
} from './tradeBuildSteps.ts';
import type { Quoter } from './types.ts';

/** One buy to build: spend exactly `amountInWei` of ETH on `coin`, signed and received by `buyer`. */
export interface BuyRequest {
  chainId: number;
  coin: `0x${string}`;
  buyer: `0x${string}`;
  amountInWei: bigint;
  /** Accepted loss against the quoted output, as a fraction in [0, 1); applied in whole basis points. */
  slippage: number;
}

/** A dry run of the transaction from the buyer's address. `unavailable` marks a chain that did not answer (as
 * opposed to a transaction that would fail); `message` must be safe to show. */
export type SimulateBuy = (tx: {
  from: `0x${string}`;
  to: `0x${string}`;
  data: Hex;
  value: bigint;
}) => Promise<{ ok: true } | { ok: false; message: string; unavailable?: boolean }>;

/** The adapters the builder is given. */
export interface BuildBuyDeps {
  quote: Quoter;
  allowedRouters(chainId: number): ReadonlySet<string>;
  simulate?: SimulateBuy;
  /** Router ABIs to pick the wallet's `abi` from (default: Universal Router and Zora router). */
  routerAbis?: readonly Abi[];
}

/** A transaction ready for the buyer's wallet, or why there is none (`message` is short and safe to show; `detail`
 * is for logs). */
export type BuyBuild =
  | {
      ok: true;
      chainId: number;
      to: `0x${string}`;
      data: Hex;
      value: bigint;
      expectedAmountOut: bigint;
      minAmountOut: bigint;
      /** The router function matching data's selector and the router's errors; [] if the router is unknown. */
      abi: Abi;
    }
  | TradeBuildFailure;

/** Build the ETH -> coin buy transaction a frame `tx` button or `POST /api/tx/buy` hands to a wallet: quote it, refuse
 * anything but a plain ETH buy through an allowlisted router (coins-sdk passes the quote's target and calldata
 * through unchecked, so neither is trusted), derive the minimum output from the slippage in exact integer math,
 * decode the calldata and refuse it unless it pays exactly the value for this coin, delivers to the buyer and
 * enforces at least that minimum, and optionally dry-run it from the buyer. Pure apart from the adapters it is
 * given. */
export async function buildBuyTransaction(request: BuyRequest, deps: BuildBuyDeps): Promise<BuyBuild> {
  assertSlippage(request.slippage);
  if (request.amountInWei <= 0n) throw new RangeError('amountInWei must be positive');

  const quote = await deps.quote(request);
  if (quote.kind !== 'ok') return quoteFailure(quote, 'buy');

  const to = quote.target.toLowerCase() as `0x${string}`;
  if (!deps.allowedRouters(request.chainId).has(to)) {
    return routerRefusal('buy', to);
  }
  if (quote.value !== request.amountInWei) {
    return failure(
      'value_mismatch',
      502,
      'Zora quoted a different ETH amount; buy refused',
      `value ${quote.value}, asked ${request.amountInWei}`,
    );
  }
  if (quote.permitsCount > 0) {
    return failure(
      'permits_required',
      502,
      'Zora asked for a token permit; buy refused',
      `${quote.permitsCount} permits`,
    );
  }
  if (quote.amountOut <= 0n) {
    return failure('liquidity', 422, liquidityMessage('buy'), 'quoted amountOut 0');
  }

  const minAmountOut = minimumOut(quote.amountOut, request.slippage);

  // The quote's amounts are only a claim: what the wallet signs is the calldata. A hostile or broken quote service
  // could name another recipient, another token, or a lower minimum than the one we show, and a simulation would
  // still pass. The minimum we advertise is ours; the check guarantees the calldata enforces at least that.
  const checked = decodeBuyCalldata(to, quote.data, {
    chainId: request.chainId,
    coin: request.coin,
    buyer: request.buyer,
    value: quote.value,
    minAmountOut,
  });
  if (!checked.ok) return calldataRefusal('buy', checked.detail);

  if (deps.simulate) {
    const refusedRun = simulationFailure(
      await deps.simulate({ from: request.buyer, to, data: quote.data, value: quote.value }),
    );
    if (refusedRun !== null) return refusedRun;
  }

  return {
    ok: true,
    chainId: request.chainId,
    to,
    data: quote.data,
    value: quote.value,
    expectedAmountOut: quote.amountOut,
    minAmountOut,
    abi: selectRouterAbi(quote.data, deps.routerAbis),
  };
}
