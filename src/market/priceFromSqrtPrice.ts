const Q192 = 1n << 192n;
const ONE_COIN = 10n ** 18n;

/** Wei per whole coin (1e18 units) of an ETH/coin Uniswap v4 pool, ETH being currency0: the pool's price is
 * currency1 per currency0 = (sqrtPriceX96 / 2^96)^2, so wei per 1e18 coin = 1e18 * 2^192 / sqrtPriceX96^2, floored,
 * in exact bigint math (https://docs.uniswap.org/contracts/v4/reference/core/libraries/StateLibrary). */
export function weiPerCoin(sqrtPriceX96: bigint): bigint {
  if (sqrtPriceX96 <= 0n) throw new RangeError('sqrtPriceX96 must be positive');
  return (ONE_COIN * Q192) / (sqrtPriceX96 * sqrtPriceX96);
}
