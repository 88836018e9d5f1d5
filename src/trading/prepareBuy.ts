import { type Abi, formatEther, type Hex, keccak256 } from 'viem';
import { enforceRateLimit, type RateLimiter } from '../http/createRateLimiter.ts';
import { databaseCall } from '../http/databaseCall.ts';
import type { Logger } from '../support/logger.ts';
import { type BuildBuyDeps, buildBuyTransaction } from './buildBuyTransaction.ts';
import { checkEthForTrade, TRADE_GAS } from './checkWalletFunds.ts';
import type { TradingStore } from './createTradingStore.ts';
import type { WalletReader } from './createWalletReader.ts';
import {
  BuyBuildError,
  CoinTooNewError,
  InvalidAmountError,
  NoCoinError,
  UnknownPerformanceError,
  WalletFundsError,
  WrongChainError,
} from './errors.ts';
import { type EthAmountBounds, parseEthAmount } from './parseEthAmount.ts';

/** One buy request from a route: the performance, the signing address, and the amount as typed (frame input, API
 * field) or already in wei. */
export interface PrepareBuyInput {
  castHash: string;
  buyer: `0x${string}`;
  amountText?: string | undefined;
  amountInWei?: bigint | undefined;
  /** Tighter slippage than the configured one, if the client asks for it. */
  slippage?: number | undefined;
  fid: number | null;
  source: 'frame' | 'api';
}

/** Budgets of quote requests: each one costs a Zora quote on our API key, a simulation and a database row. */
export interface BuyLimits {
  /** BUY_RATE_PER_MINUTE, per client of `POST /api/tx/buy` (the host says who the client is). */
  client: RateLimiter;
  /** BUY_RATE_PER_BUYER_PER_MINUTE, per buyer address and per fid, on both routes. */
  buyer: RateLimiter;
}

/** Configuration and adapters shared by the frame tx route and `POST /api/tx/buy`. */
export interface PrepareBuyDeps extends BuildBuyDeps {
  store: Pick<TradingStore, 'getBuyTarget' | 'recordTradeQuote'>;
  chainId: number;
  bounds: EthAmountBounds;
  /** BUY_SLIPPAGE: the default and the most a client may ask for. */
  slippage: number;
  /** BUY_LAUNCH_GUARD_SECONDS: refuse buys of a coin younger than this. */
  launchGuardSeconds: number;
  now(): Date;
  logger?: Logger;
  /** Request budgets; unset: unlimited (tests of other behaviour build deps without them). */
  limits?: BuyLimits | undefined;
  /** The buyer's ETH on chain (with a chain RPC): a wallet that cannot pay the amount plus gas is refused with a 409
   * naming its balance before any quote. Unset: not checked (the simulation still refuses it). */
  wallet?: Pick<WalletReader, 'funds'> | undefined;
}

/** A built, recorded buy: the wallet transaction, the amounts promised, and the quote id it was recorded under. */
export interface PreparedBuy {
  chainId: number;
  to: `0x${string}`;
  data: Hex;
  value: bigint;
  expectedAmountOut: bigint;
  minAmountOut: bigint;
  abi: Abi;
  quoteId: number;
  coin: { address: `0x${string}`; symbol: string };
}

/** Turn a buy request into a wallet transaction: find the performance's coin, refuse what cannot be bought yet
 * (no coin, another chain, inside the launch-fee window), parse the amount, build through buildBuyTransaction, and
 * record the quote (amounts and keccak256 of the calldata) so the reported trade can be matched to it. The buyer's
 * and fid's request budgets (deps.limits) are spent first: over budget is a 429 before any I/O. Expected
 * refusals (a wallet short of the amount plus gas among them, when deps.wallet reads it) throw typed errors (src/trading/errors.ts) that src/http/onError.ts maps to statuses. */
export async function prepareBuy(input: PrepareBuyInput, deps: PrepareBuyDeps): Promise<PreparedBuy> {
  const buyer = input.buyer.toLowerCase() as `0x${string}`;
  // Before any I/O: the address is whatever the client typed (API) and a fid can sign many actions (frames).
  enforceRateLimit(
    deps.limits?.buyer,
    'buy requests',
    input.fid === null ? [`buyer:${buyer}`] : [`buyer:${buyer}`, `fid:${input.fid}`],
  );
  const target = await databaseCall(deps.store.getBuyTarget(input.castHash));
  if (target === null || target.deleted) throw new UnknownPerformanceError();
  const coin = target.coin;
  if (coin === null) throw new NoCoinError();
  if (coin.chainId !== deps.chainId) throw new WrongChainError(coin.chainId);
  const ageMs = deps.now().getTime() - Date.parse(coin.createdAt);
  const guardMs = deps.launchGuardSeconds * 1000;
  if (!(ageMs >= guardMs)) throw new CoinTooNewError(Math.max(1, Math.ceil((guardMs - ageMs) / 1000)));

  const amount = parseEthAmount(
    input.amountInWei === undefined ? input.amountText : formatEther(input.amountInWei),
    deps.bounds,
  );
  if (!amount.ok) throw new InvalidAmountError(amount.message);
  const slippage = input.slippage ?? deps.slippage;
  if (!(slippage >= 0 && slippage <= deps.slippage)) {
    throw new InvalidAmountError(`Slippage must be between 0 and ${deps.slippage}`);
  }

  if (deps.wallet) {
    const funds = checkEthForTrade(await deps.wallet.funds(buyer), {
      side: 'buy',
      spendWei: amount.wei,
      gasUnits: TRADE_GAS,
    });
    if (!funds.ok) throw new WalletFundsError(funds.message);
  }

  const coinAddress = coin.address.toLowerCase() as `0x${string}`;
  const built = await buildBuyTransaction(
    { chainId: deps.chainId, coin: coinAddress, buyer, amountInWei: amount.wei, slippage },
    deps,
  );
  if (!built.ok) {
    if (built.status >= 500) {
      deps.logger?.warn('buy not built', { castHash: input.castHash, reason: built.reason, detail: built.detail });
    }
    throw new BuyBuildError(built.reason, built.message, {
      status: built.status,
      ...(built.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: built.retryAfterSeconds }),
    });
  }

  const quoteId = await databaseCall(
    deps.store.recordTradeQuote({
      source: input.source,
      fid: input.fid,
      chainId: built.chainId,
      buyer,
      coinAddress,
      router: built.to,
      calldataHash: keccak256(built.data),
      amountInWei: built.value,
      expectedOut: built.expectedAmountOut,
      minOut: built.minAmountOut,
    }),
  );
  return {
    chainId: built.chainId,
    to: built.to,
    data: built.data,
    value: built.value,
    expectedAmountOut: built.expectedAmountOut,
    minAmountOut: built.minAmountOut,
    abi: built.abi,
    quoteId,
    coin: { address: coinAddress, symbol: coin.symbol },
  };
}
