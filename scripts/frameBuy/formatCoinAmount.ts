import { formatUnits } from 'viem';

/** Zora coins are ERC-20s with 18 decimals. */
export const COIN_DECIMALS = 18;

/** An amount of a coin in whole coins with its symbol, e.g. `1234.5 GIGA` for 1234.5 × 10^18 raw units: exact (viem's
 * formatUnits, no rounding, no trailing zeros). Pure. */
export function formatCoinAmount(raw: bigint, symbol: string, decimals: number = COIN_DECIMALS): string {
  return `${formatUnits(raw, decimals)} ${symbol}`;
}
