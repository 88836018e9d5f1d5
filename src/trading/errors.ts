import { BaseError } from '../errors.ts';
import type { TradeFailureReason } from './tradeBuildSteps.ts';

/** The cast is not a performance, or it was deleted. */
export class UnknownPerformanceError extends BaseError {
  override name = 'Trading.UnknownPerformanceError';
  constructor() {
    super('Unknown performance', { status: 404 });
  }
}

/** The performance has no coin yet (it has not gone viral, or its coin is still being created). */
export class NoCoinError extends BaseError {
  override name = 'Trading.NoCoinError';
  constructor() {
    super('No coin yet for this performance', { status: 409 });
  }
}

/** The coin lives on another chain than the one this server trades on. */
export class WrongChainError extends BaseError {
  override name = 'Trading.WrongChainError';
  constructor(coinChainId: number) {
    super(`This coin is on chain ${coinChainId}, not the one this server trades on`, { status: 409 });
  }
}

/** The coin was created moments ago, while Zora's launch fee is still high (it starts at 99% and falls over ~10 s). */
export class CoinTooNewError extends BaseError {
  override name = 'Trading.CoinTooNewError';
  constructor(retryAfterSeconds: number) {
    super(`Coin just launched; try again in ${retryAfterSeconds} s`, { status: 409, retryAfterSeconds });
  }
}

/** The amount (or slippage) the buyer asked for is not acceptable; the message says what is. */
export class InvalidAmountError extends BaseError {
  override name = 'Trading.InvalidAmountError';
  constructor(message: string) {
    super(message, { status: 400 });
  }
}

/** A buy or a sell transaction could not be built; `reason` says why (tradeBuildSteps' TradeFailureReason). */
abstract class TradeBuildError extends BaseError {
  readonly reason: TradeFailureReason;
  constructor(
    reason: TradeFailureReason,
    message: string,
    options: { status: number; retryAfterSeconds?: number; cause?: unknown },
  ) {
    super(message, options);
    this.reason = reason;
  }
}

/** The buy transaction could not be built (no liquidity, Zora unavailable or unexpected, simulation failed). */
export class BuyBuildError extends TradeBuildError {
  override name = 'Trading.BuyBuildError';
}

/** A reported buy names a transaction the chain's node has never seen: it was not sent (yet), or it is made up.
 * 409, not 404: the route exists and the same report can succeed once the transaction is out. */
export class TransactionNotSeenError extends BaseError {
  override name = 'Trading.TransactionNotSeenError';
  constructor() {
    super('Transaction not found; report it after sending', { status: 409 });
  }
}

/** The fid or the buyer already has as many unconfirmed reported buys as allowed (public.record_pending_trade). A
 * real buy confirms within a few blocks and a never-seen one fails within minutes, so a client may retry after 30 s. */
export class TooManyPendingTradesError extends BaseError {
  override name = 'Trading.TooManyPendingTradesError';
  constructor() {
    super('Too many unconfirmed buys; wait for them to confirm', { status: 429, retryAfterSeconds: 30 });
  }
}

/** Another fid reported this transaction for this buyer first; the trade stays theirs. */
export class TradeReportedByOtherFidError extends BaseError {
  override name = 'Trading.TradeReportedByOtherFidError';
  constructor() {
    super('This transaction was already reported by another account', { status: 409 });
  }
}

/** The wallet cannot pay for the trade (ETH for the amount and gas, or the coins a sell asks for); the message names
 * the balance and what is needed. 409: the request is fine, the wallet's state does not allow it yet. */
export class WalletFundsError extends BaseError {
  override name = 'Trading.WalletFundsError';
  constructor(message: string) {
    super(message, { status: 409 });
  }
}

/** The sell transaction could not be built (no liquidity, Zora unavailable, refused or unexpected, simulation failed). */
export class SellBuildError extends TradeBuildError {
  override name = 'Trading.SellBuildError';
}

/** A request that must carry a Farcaster Quick Auth token did not carry a valid one. */
export class UnauthenticatedError extends BaseError {
  override name = 'Trading.UnauthenticatedError';
  constructor(message = 'Sign in with Farcaster to report a trade') {
    super(message, { status: 401 });
  }
}
