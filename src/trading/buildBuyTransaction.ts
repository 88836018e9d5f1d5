import type { Abi, Hex } from 'viem';
import { decodeBuyCalldata } from './decodeBuyCalldata.ts';
import { selectRouterAbi } from './selectRouterAbi.ts';
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

/** Why a buy could not be built. */
export type BuyFailureReason =
  | 'liquidity'
  | 'unavailable'
  | 'router_not_allowed'
  | 'value_mismatch'
  | 'permits_required'
  | 'calldata_refused'
  | 'simulation_failed'
  | 'rejected';

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
  | {
      ok: false;
      reason: BuyFailureReason;
      message: string;
      status: 409 | 422 | 502 | 503;
      retryAfterSeconds?: number;
      detail?: string;
    };

const BASIS_POINTS = 10_000n;

/** Build the ETH -> coin buy transaction a frame `tx` button or `POST /api/tx/buy` hands to a wallet: quote it, refuse
 * anything but a plain ETH buy through an allowlisted router (coins-sdk passes the quote's target and calldata
 * through unchecked, so neither is trusted), derive the minimum output from the slippage in exact integer math,
 * decode the calldata and refuse it unless it pays exactly the value for this coin, delivers to the buyer and
 * enforces at least that minimum, and optionally dry-run it from the buyer. Pure apart from the adapters it is
 * given. */
export async function buildBuyTransaction(request: BuyRequest, deps: BuildBuyDeps): Promise<BuyBuild> {
  if (!Number.isFinite(request.slippage) || request.slippage < 0 || request.slippage >= 1) {
    throw new RangeError(`slippage must be in [0, 1), got ${request.slippage}`);
  }
  if (request.amountInWei <= 0n) throw new RangeError('amountInWei must be positive');

  const quote = await deps.quote(request);
  switch (quote.kind) {
    case 'liquidity':
      return failure('liquidity', 422, 'Not enough liquidity for this amount; try less', quote.detail);
    case 'unavailable':
      return {
        ...failure('unavailable', 503, 'Zora quote unavailable; try again shortly', quote.detail),
        retryAfterSeconds: quote.retryAfterSeconds ?? 5,
      };
    case 'rejected':
      // Zora refused the request as the buyer made it (a 400 or a non-liquidity 422): the buyer's problem, not ours.
      return failure('rejected', 422, zoraRefusal('buy', quote.reason), quote.detail);
    case 'ok':
      break;
  }

  const to = quote.target.toLowerCase() as `0x${string}`;
  if (!deps.allowedRouters(request.chainId).has(to)) {
    return failure('router_not_allowed', 502, 'Zora quoted an unexpected contract; buy refused', `target ${to}`);
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
    return failure('liquidity', 422, 'Not enough liquidity for this amount; try less', 'quoted amountOut 0');
  }

  const bps = BigInt(Math.round(request.slippage * Number(BASIS_POINTS)));
  const minAmountOut = (quote.amountOut * (BASIS_POINTS - bps)) / BASIS_POINTS;

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
  if (!checked.ok) {
    return failure(
      'calldata_refused',
      502,
      'Zora quoted a transaction we could not verify; buy refused',
      checked.detail,
    );
  }

  if (deps.simulate) {
    const simulated = await deps.simulate({ from: request.buyer, to, data: quote.data, value: quote.value });
    if (!simulated.ok && simulated.unavailable === true) {
      return {
        ...failure('unavailable', 503, 'Chain unavailable; try again shortly', simulated.message),
        retryAfterSeconds: 5,
      };
    }
    if (!simulated.ok) return failure('simulation_failed', 409, simulated.message.slice(0, 90), simulated.message);
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

/** The client's message for a quote Zora refused, with Zora's own reason when it gave one. */
export function zoraRefusal(side: 'buy' | 'sell', reason: string | undefined): string {
  return `Zora cannot quote this ${side}${reason ? `: ${reason}` : ''}`;
}

function failure(
  reason: BuyFailureReason,
  status: 409 | 422 | 502 | 503,
  message: string,
  detail: string,
): Extract<BuyBuild, { ok: false }> {
  return { ok: false, reason, status, message, detail };
}
