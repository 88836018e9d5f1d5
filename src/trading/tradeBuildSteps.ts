import type { QuoteOutcome } from './types.ts';

/** Why a buy or a sell could not be built. */
export type TradeFailureReason =
  | 'liquidity'
  | 'unavailable'
  | 'router_not_allowed'
  | 'value_mismatch'
  | 'permits_required'
  | 'calldata_refused'
  | 'simulation_failed'
  | 'rejected';

/** Why there is no transaction for the wallet (`message` is short and safe to show; `detail` is for logs). */
export interface TradeBuildFailure {
  ok: false;
  reason: TradeFailureReason;
  message: string;
  status: 409 | 422 | 502 | 503;
  retryAfterSeconds?: number;
  detail?: string;
}

export type TradeSide = 'buy' | 'sell';

const BASIS_POINTS = 10_000n;

export function tradeFailure(
  reason: TradeFailureReason,
  status: TradeBuildFailure['status'],
  message: string,
  detail: string,
): TradeBuildFailure {
  return { ok: false, reason, status, message, detail };
}

/** Slippage is a fraction in [0, 1); anything else is a caller's bug (routes validate it first). */
export function assertSlippage(slippage: number): void {
  if (!Number.isFinite(slippage) || slippage < 0 || slippage >= 1) {
    throw new RangeError(`slippage must be in [0, 1), got ${slippage}`);
  }
}

/** The least output accepted for a quoted `amountOut`: the slippage in whole basis points, exact integer math. */
export function minimumOut(amountOut: bigint, slippage: number): bigint {
  const bps = BigInt(Math.round(slippage * Number(BASIS_POINTS)));
  return (amountOut * (BASIS_POINTS - bps)) / BASIS_POINTS;
}

/** The message for too little liquidity, on either side. */
export function liquidityMessage(side: TradeSide): string {
  return side === 'buy'
    ? 'Not enough liquidity for this amount; try less'
    : 'Not enough liquidity to sell this amount; try less';
}

/** The failure for a quote whose target is not one of our allowlisted routers (`to`, lowercased). */
export function routerRefusal(side: TradeSide, to: `0x${string}`): TradeBuildFailure {
  return tradeFailure('router_not_allowed', 502, `Zora quoted an unexpected contract; ${side} refused`, `target ${to}`);
}

/** The failure for quoted calldata its decoder refused (`detail` says why, for logs). */
export function calldataRefusal(side: TradeSide, detail: string): TradeBuildFailure {
  return tradeFailure(
    'calldata_refused',
    502,
    `Zora quoted a transaction we could not verify; ${side} refused`,
    detail,
  );
}

/** The client's message for a quote Zora refused, with Zora's own reason when it gave one. */
export function zoraRefusal(side: TradeSide, reason: string | undefined): string {
  return `Zora cannot quote this ${side}${reason ? `: ${reason}` : ''}`;
}

/** The failure a quote Zora did not give stands for. */
export function quoteFailure(quote: Exclude<QuoteOutcome, { kind: 'ok' }>, side: TradeSide): TradeBuildFailure {
  switch (quote.kind) {
    case 'liquidity':
      return tradeFailure('liquidity', 422, liquidityMessage(side), quote.detail);
    case 'unavailable':
      return {
        ...tradeFailure('unavailable', 503, 'Zora quote unavailable; try again shortly', quote.detail),
        retryAfterSeconds: quote.retryAfterSeconds ?? 5,
      };
    case 'rejected':
      // Zora refused the request as the trader made it (a 400 or a non-liquidity 422): the trader's problem, not ours.
      return tradeFailure('rejected', 422, zoraRefusal(side, quote.reason), quote.detail);
  }
}

/** The failure a dry run stands for (a chain that did not answer, or a transaction that would fail), or null. */
export function simulationFailure(
  simulated: { ok: true } | { ok: false; message: string; unavailable?: boolean },
): TradeBuildFailure | null {
  if (simulated.ok) return null;
  if (simulated.unavailable === true) {
    return {
      ...tradeFailure('unavailable', 503, 'Chain unavailable; try again shortly', simulated.message),
      retryAfterSeconds: 5,
    };
  }
  return tradeFailure('simulation_failed', 409, simulated.message.slice(0, 90), simulated.message);
}
