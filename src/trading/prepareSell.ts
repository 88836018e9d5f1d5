import { keccak256 } from 'viem';
import { enforceRateLimit } from '../http/createRateLimiter.ts';
import { databaseCall } from '../http/databaseCall.ts';
import type { Logger } from '../support/logger.ts';
import { type BuildSellDeps, buildSellTransaction } from './buildSellTransaction.ts';
import { APPROVAL_GAS, checkCoinsForSell, checkEthForTrade, TRADE_GAS } from './checkWalletFunds.ts';
import type { TradingStore } from './createTradingStore.ts';
import type { WalletReader } from './createWalletReader.ts';
import {
  CoinTooNewError,
  InvalidAmountError,
  NoCoinError,
  SellBuildError,
  UnknownPerformanceError,
  WalletFundsError,
  WrongChainError,
} from './errors.ts';
import { parseSellAmount, resolveSellAmount } from './parseSellAmount.ts';
import type { ApprovalTransaction } from './planSellApprovals.ts';
import type { BuyLimits } from './prepareBuy.ts';

/** One sell request from `POST /api/tx/sell`: the performance, the selling address, and exactly one of `amount`
 * (whole coins, decimal) or `fraction` (of the on-chain balance). */
export interface PrepareSellInput {
  castHash: string;
  seller: `0x${string}`;
  amount?: string | undefined;
  fraction?: string | undefined;
  slippage?: number | undefined;
}

/** Configuration and adapters of selling; only built with a chain RPC (balances are read on chain). */
export interface PrepareSellDeps extends Omit<BuildSellDeps, 'readAllowances'> {
  store: Pick<TradingStore, 'getBuyTarget' | 'recordTradeQuote'>;
  wallet: WalletReader;
  chainId: number;
  /** BUY_SLIPPAGE: the default and the most a client may ask for. */
  slippage: number;
  /** BUY_LAUNCH_GUARD_SECONDS: trading a coin younger than this is refused (Zora's launch fee). */
  launchGuardSeconds: number;
  now(): Date;
  logger?: Logger;
  /** The buy's budgets: a sell spends the same client and per-address budgets. */
  limits?: BuyLimits | undefined;
}

/** A built, recorded sell: the approvals to send first (possibly none), the sell, and what it promises. */
export interface PreparedSell {
  chainId: number;
  approvals: ApprovalTransaction[];
  to: `0x${string}`;
  data: `0x${string}`;
  amountIn: bigint;
  balance: bigint;
  expectedEthOut: bigint;
  minEthOut: bigint;
  quoteId: number;
  coin: { address: `0x${string}`; symbol: string };
}

/** Turn a sell request into wallet transactions: spend the seller's request budget, find the performance's coin
 * (none, another chain, inside the launch window: refused as for buys), parse the amount, read the seller's coin
 * balance and ETH on chain (holding less than asked, or too little ETH for the gas of the approvals and the sell, is a
 * 409 naming the balance), build through buildSellTransaction, and record the quote (side 'sell'). */
export async function prepareSell(input: PrepareSellInput, deps: PrepareSellDeps): Promise<PreparedSell> {
  const seller = input.seller.toLowerCase() as `0x${string}`;
  enforceRateLimit(deps.limits?.buyer, 'trade requests', [`buyer:${seller}`]);
  const parsed = parseSellAmount(input);
  if (!parsed.ok) throw new InvalidAmountError(parsed.message);
  const slippage = input.slippage ?? deps.slippage;
  if (!(slippage >= 0 && slippage <= deps.slippage)) {
    throw new InvalidAmountError(`Slippage must be between 0 and ${deps.slippage}`);
  }
  const target = await databaseCall(deps.store.getBuyTarget(input.castHash));
  if (target === null || target.deleted) throw new UnknownPerformanceError();
  const coin = target.coin;
  if (coin === null) throw new NoCoinError();
  if (coin.chainId !== deps.chainId) throw new WrongChainError(coin.chainId);
  const nowMs = deps.now().getTime();
  const guardMs = deps.launchGuardSeconds * 1000;
  const ageMs = nowMs - Date.parse(coin.createdAt);
  if (!(ageMs >= guardMs)) throw new CoinTooNewError(Math.max(1, Math.ceil((guardMs - ageMs) / 1000)));

  const coinAddress = coin.address.toLowerCase() as `0x${string}`;
  const [balance, funds] = await Promise.all([deps.wallet.coinBalance(coinAddress, seller), deps.wallet.funds(seller)]);
  const amountIn = resolveSellAmount(parsed.amount, balance);
  const coins = checkCoinsForSell({ balance, amountIn, symbol: coin.symbol });
  if (!coins.ok) throw new WalletFundsError(coins.message);
  // Budgeted for the most approvals a router needs (two through Permit2), so a short wallet never costs a quote.
  const eth = checkEthForTrade(funds, { side: 'sell', spendWei: 0n, gasUnits: TRADE_GAS + 2n * APPROVAL_GAS });
  if (!eth.ok) throw new WalletFundsError(eth.message);

  const built = await buildSellTransaction(
    {
      chainId: deps.chainId,
      coin: coinAddress,
      seller,
      amountIn,
      slippage,
      nowSeconds: Math.floor(nowMs / 1000),
    },
    { ...deps, readAllowances: deps.wallet.allowances },
  );
  if (!built.ok) {
    if (built.status >= 500) {
      deps.logger?.warn('sell not built', { castHash: input.castHash, reason: built.reason, detail: built.detail });
    }
    throw new SellBuildError(built.reason, built.message, {
      status: built.status,
      ...(built.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: built.retryAfterSeconds }),
    });
  }
  const quoteId = await databaseCall(
    deps.store.recordTradeQuote({
      source: 'api',
      side: 'sell',
      fid: null,
      chainId: built.chainId,
      buyer: seller,
      coinAddress,
      router: built.to,
      calldataHash: keccak256(built.data),
      amountInWei: amountIn,
      expectedOut: built.expectedEthOut,
      minOut: built.minEthOut,
    }),
  );
  return {
    chainId: built.chainId,
    approvals: built.approvals,
    to: built.to,
    data: built.data,
    amountIn,
    balance,
    expectedEthOut: built.expectedEthOut,
    minEthOut: built.minEthOut,
    quoteId,
    coin: { address: coinAddress, symbol: coin.symbol },
  };
}
