import { computeCostBasis, costOfBalance } from './computeCostBasis.ts';
import type { Holdings } from './createHoldingsReader.ts';
import type { PortfolioCoin } from './createPortfolioStore.ts';

/** One coin of a portfolio; amounts are decimal strings (raw coin units, wei; P&L may be negative). */
export interface PortfolioItem {
  coinAddress: string;
  symbol: string;
  castHash: string;
  title: string;
  artist: { fid: number; username: string | null; displayName: string | null };
  balance: string;
  priceWei: string;
  valueWei: string;
  costBasisWei: string;
  realizedPnlWei: string;
  unrealizedPnlWei: string;
}

/** The answer of the portfolio routes. */
export interface Portfolio {
  addresses: string[];
  blockNumber: string;
  totalValueWei: string;
  items: PortfolioItem[];
}

const Q192 = 1n << 192n;
const ONE_COIN = 10n ** 18n;

/** Wei per whole coin of an ETH-backed v4 pool (ETH is currency0): 2^192 x 1e18 / sqrtPriceX96^2, rounded down (the
 * indexer's price_wei formula); 0 for an unknown or uninitialised pool. Pure. */
export function priceWeiOf(sqrtPriceX96: bigint): bigint {
  return sqrtPriceX96 === 0n ? 0n : (Q192 * ONE_COIN) / (sqrtPriceX96 * sqrtPriceX96);
}

/** Join the coins the indexer saw with what the chain holds at one block: balance = the sum over the addresses, price
 * from the pool at that block, value = balance x price / 1e18, cost basis and realized P&L by average cost over the
 * addresses' indexed swaps (computeCostBasis), unrealized = value - cost basis; sorted by value (then coin address).
 * Pure. */
export function buildPortfolio(
  addresses: readonly string[],
  coins: readonly PortfolioCoin[],
  holdings: Holdings,
): Portfolio {
  let total = 0n;
  const rows = coins.map((coin) => {
    let balance = 0n;
    for (const holder of addresses) balance += holdings.balances.get(`${coin.coinAddress}:${holder}`) ?? 0n;
    const poolId = coin.poolId?.toLowerCase();
    const priceWei = priceWeiOf(poolId === undefined ? 0n : (holdings.sqrtPrices.get(poolId) ?? 0n));
    const valueWei = (balance * priceWei) / ONE_COIN;
    const position = computeCostBasis(coin.trades);
    const costBasisWei = costOfBalance(position, balance);
    total += valueWei;
    const item: PortfolioItem = {
      coinAddress: coin.coinAddress,
      symbol: coin.symbol,
      castHash: coin.castHash,
      title: coin.title,
      artist: coin.artist,
      balance: balance.toString(),
      priceWei: priceWei.toString(),
      valueWei: valueWei.toString(),
      costBasisWei: costBasisWei.toString(),
      realizedPnlWei: position.realizedPnlWei.toString(),
      unrealizedPnlWei: (valueWei - costBasisWei).toString(),
    };
    return { item, valueWei };
  });
  rows.sort((a, b) =>
    a.valueWei === b.valueWei ? a.item.coinAddress.localeCompare(b.item.coinAddress) : a.valueWei > b.valueWei ? -1 : 1,
  );
  return {
    addresses: [...addresses],
    blockNumber: holdings.blockNumber.toString(),
    totalValueWei: total.toString(),
    items: rows.map((row) => row.item),
  };
}
