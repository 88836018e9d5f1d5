import type { Hex } from 'viem';
import type { SimulateSell } from './createSellSimulator.ts';
import { decodeSellCalldata } from './decodeSellCalldata.ts';
import { type ApprovalTransaction, type CurrentAllowances, planSellApprovals } from './planSellApprovals.ts';
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
import type { SellQuoter } from './types.ts';

/** One sell to build: exactly `amountIn` raw units of `coin`, sent by and paid (in ETH) to `seller`. */
export interface SellRequest {
  chainId: number;
  coin: `0x${string}`;
  seller: `0x${string}`;
  amountIn: bigint;
  /** Accepted loss against the quoted ETH, as a fraction in [0, 1); applied in whole basis points. */
  slippage: number;
  /** Unix seconds, for the Permit2 allowance's expiry. */
  nowSeconds: number;
}

/** The adapters the builder is given. */
export interface BuildSellDeps {
  sellQuote: SellQuoter;
  allowedRouters(chainId: number): ReadonlySet<string>;
  /** What the seller already allows the router (directly or through Permit2). */
  readAllowances(args: {
    coin: `0x${string}`;
    owner: `0x${string}`;
    router: 'universalRouter' | 'devSwapRouter';
    routerAddress: `0x${string}`;
  }): Promise<CurrentAllowances>;
  simulateSell?: SimulateSell;
}

/** The wallet transactions of a sell (approvals first, then the sell), or why there are none. */
export type SellBuild =
  | {
      ok: true;
      chainId: number;
      approvals: ApprovalTransaction[];
      to: `0x${string}`;
      data: Hex;
      expectedEthOut: bigint;
      minEthOut: bigint;
    }
  | TradeBuildFailure;

/** Build the coin -> ETH sell a wallet sends: quote it (Zora POST /quote, coin in, ETH out, sender = recipient =
 * seller), refuse anything but an allowlisted router with no ETH value, derive the minimum ETH from the slippage in
 * exact integer math, decode the calldata and refuse it unless it sells exactly this amount of this coin for native
 * ETH paid to the seller with at least that minimum, plan the approvals the router needs (planSellApprovals), and
 * dry-run approvals and sell together from the seller. Zora's Permit2 `permits` are ignored: the wallet approves on
 * chain instead of signing. Pure apart from the adapters it is given. */
export async function buildSellTransaction(request: SellRequest, deps: BuildSellDeps): Promise<SellBuild> {
  assertSlippage(request.slippage);
  if (request.amountIn <= 0n) throw new RangeError('amountIn must be positive');

  const quote = await deps.sellQuote({
    chainId: request.chainId,
    coin: request.coin,
    seller: request.seller,
    amountIn: request.amountIn,
    slippage: request.slippage,
  });
  if (quote.kind !== 'ok') return quoteFailure(quote, 'sell');

  const to = quote.target.toLowerCase() as `0x${string}`;
  if (!deps.allowedRouters(request.chainId).has(to)) {
    return routerRefusal('sell', to);
  }
  if (quote.value !== 0n) {
    return failure('value_mismatch', 502, 'Zora asked for ETH with a sell; sell refused', `value ${quote.value}`);
  }
  if (quote.amountOut <= 0n) {
    return failure('liquidity', 422, liquidityMessage('sell'), 'quoted amountOut 0');
  }
  const minEthOut = minimumOut(quote.amountOut, request.slippage);

  const checked = decodeSellCalldata(to, quote.data, {
    chainId: request.chainId,
    coin: request.coin,
    seller: request.seller,
    amountIn: request.amountIn,
    minEthOut,
  });
  if (!checked.ok) return calldataRefusal('sell', checked.detail);

  const current = await deps.readAllowances({
    coin: request.coin,
    owner: request.seller,
    router: checked.router,
    routerAddress: to,
  });
  const approvals = planSellApprovals({
    chainId: request.chainId,
    router: checked.router,
    routerAddress: to,
    coin: request.coin,
    amountIn: request.amountIn,
    current,
    nowSeconds: request.nowSeconds,
  });

  if (deps.simulateSell) {
    const refusedRun = simulationFailure(
      await deps.simulateSell({
        from: request.seller,
        calls: [...approvals.map((a) => ({ to: a.to, data: a.data })), { to, data: quote.data }],
      }),
    );
    if (refusedRun !== null) return refusedRun;
  }

  return {
    ok: true,
    chainId: request.chainId,
    approvals,
    to,
    data: quote.data,
    expectedEthOut: quote.amountOut,
    minEthOut,
  };
}
