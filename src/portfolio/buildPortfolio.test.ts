import { describe, expect, it } from 'vitest';
import { buildPortfolio, priceWeiOf } from './buildPortfolio.ts';
import type { PortfolioCoin } from './createPortfolioStore.ts';

const Q96 = 1n << 96n;
const holder = `0x${'a'.repeat(40)}`;
const other = `0x${'b'.repeat(40)}`;
const coin = (n: string, poolId: string | null, trades: PortfolioCoin['trades'] = []): PortfolioCoin => ({
  coinAddress: `0x${n.repeat(40)}`,
  symbol: `S${n}`,
  poolId,
  poolKey: null,
  castHash: `0x${n.repeat(40)}`,
  title: `t${n}`,
  artist: { fid: 1, username: null, displayName: null },
  trades,
});

describe('priceWeiOf', () => {
  it('is 1e18 at sqrtPriceX96 = 2^96 (one coin per ETH), 4x as dear at half the sqrt price, 0 without a pool', () => {
    expect(priceWeiOf(Q96)).toBe(10n ** 18n);
    expect(priceWeiOf(Q96 / 2n)).toBe(4n * 10n ** 18n);
    expect(priceWeiOf(0n)).toBe(0n);
  });
});

describe('buildPortfolio', () => {
  it('sums balances over the addresses, values at the pool price, sorts by value, and totals', () => {
    const pool1 = `0x${'1'.repeat(64)}`;
    const pool2 = `0x${'2'.repeat(64)}`;
    const cheap = coin('c', pool1, [{ side: 'buy', coinAmount: 4n * 10n ** 18n, ethAmount: 2n * 10n ** 18n }]);
    const dear = coin('d', pool2);
    const none = coin('e', null);
    const balances = new Map([
      [`${cheap.coinAddress}:${holder}`, 2n * 10n ** 18n],
      [`${cheap.coinAddress}:${other}`, 10n ** 18n],
      [`${dear.coinAddress}:${holder}`, 10n ** 18n],
      [`${none.coinAddress}:${holder}`, 5n],
    ]);
    const sqrtPrices = new Map([
      [pool1, Q96],
      [pool2, Q96 / 2n],
    ]);
    const portfolio = buildPortfolio([holder, other], [cheap, none, dear], { blockNumber: 9n, balances, sqrtPrices });
    expect(portfolio.blockNumber).toBe('9');
    expect(portfolio.totalValueWei).toBe((7n * 10n ** 18n).toString());
    expect(portfolio.items.map((i) => [i.symbol, i.balance, i.valueWei])).toEqual([
      ['Sd', String(10n ** 18n), String(4n * 10n ** 18n)],
      ['Sc', String(3n * 10n ** 18n), String(3n * 10n ** 18n)],
      ['Se', '5', '0'],
    ]);
    // 3 of the 4 bought coins are still held: 3/4 of the 2 ETH cost.
    expect(portfolio.items[1]).toMatchObject({
      costBasisWei: String(15n * 10n ** 17n),
      unrealizedPnlWei: String(15n * 10n ** 17n),
      realizedPnlWei: '0',
    });
  });
});
