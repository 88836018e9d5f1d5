import { formatEther, formatUnits } from 'viem';

/** Gas a trade is budgeted with when checking a wallet can pay for it (generous: a Universal Router swap through a
 * Zora hook uses roughly 200-350k, an ERC-20 or Permit2 approve about 50k). */
export const TRADE_GAS = 400_000n;
/** Gas budgeted per approval transaction of a sell. */
export const APPROVAL_GAS = 70_000n;

/** A wallet's funds as the chain reports them, with the fee per gas to budget with (wei). */
export interface WalletFunds {
  ethWei: bigint;
  maxFeePerGas: bigint;
}

/** Whether a wallet can pay `spendWei` plus `gasUnits` of gas, or what is missing. */
export type FundsCheck = { ok: true } | { ok: false; message: string };

/** Decide whether the wallet covers the ETH a trade spends plus its gas; the refusal names the balance and what is
 * needed, in ETH, so the client can say it as is. Pure. */
export function checkEthForTrade(
  funds: WalletFunds,
  trade: { side: 'buy' | 'sell'; spendWei: bigint; gasUnits: bigint },
): FundsCheck {
  const gasWei = trade.gasUnits * funds.maxFeePerGas;
  const neededWei = trade.spendWei + gasWei;
  if (funds.ethWei >= neededWei) return { ok: true };
  const needs =
    trade.spendWei > 0n
      ? `${formatEther(trade.spendWei)} ETH plus about ${formatEther(gasWei)} ETH of gas (${formatEther(neededWei)} ETH)`
      : `about ${formatEther(gasWei)} ETH of gas`;
  return {
    ok: false,
    message: `Not enough ETH: this wallet holds ${formatEther(funds.ethWei)} ETH; this ${trade.side} needs ${needs}`,
  };
}

/** Decide whether the seller holds the coins asked for; the refusal names both amounts in whole coins (18
 * decimals). Pure. */
export function checkCoinsForSell(args: { balance: bigint; amountIn: bigint; symbol: string }): FundsCheck {
  if (args.amountIn > 0n && args.balance >= args.amountIn) return { ok: true };
  if (args.balance === 0n) return { ok: false, message: `This wallet holds no ${args.symbol}` };
  return {
    ok: false,
    message: `This wallet holds ${formatUnits(args.balance, 18)} ${args.symbol}; cannot sell ${formatUnits(args.amountIn, 18)}`,
  };
}
