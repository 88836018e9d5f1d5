import { describe, expect, it } from 'vitest';
import { computeCostBasis, costOfBalance } from './computeCostBasis.ts';

const buy = (coinAmount: bigint, ethAmount: bigint) => ({ side: 'buy' as const, coinAmount, ethAmount });
const sell = (coinAmount: bigint, ethAmount: bigint) => ({ side: 'sell' as const, coinAmount, ethAmount });

describe('computeCostBasis', () => {
  it('averages buys and realizes sells against the average cost', () => {
    // 100 coins for 10, 100 for 30: average 0.2 per coin; sell 50 for 20: cost out 10, realized +10.
    expect(computeCostBasis([buy(100n, 10n), buy(100n, 30n), sell(50n, 20n)])).toEqual({
      quantity: 150n,
      costWei: 30n,
      realizedPnlWei: 10n,
    });
  });

  it('a loss is negative; selling everything leaves nothing', () => {
    expect(computeCostBasis([buy(10n, 100n), sell(10n, 40n)])).toEqual({
      quantity: 0n,
      costWei: 0n,
      realizedPnlWei: -60n,
    });
  });

  it('coins sold beyond the bought position (received by transfer) cost nothing', () => {
    expect(computeCostBasis([buy(10n, 100n), sell(15n, 300n)])).toEqual({
      quantity: 0n,
      costWei: 0n,
      realizedPnlWei: 200n,
    });
    expect(computeCostBasis([sell(5n, 7n)])).toEqual({ quantity: 0n, costWei: 0n, realizedPnlWei: 7n });
  });
});

describe('costOfBalance', () => {
  const position = { quantity: 300n, costWei: 90n, realizedPnlWei: 0n };
  it('is the average cost times the balance, up to the position', () => {
    expect(costOfBalance(position, 300n)).toBe(90n);
    expect(costOfBalance(position, 100n)).toBe(30n);
    expect(costOfBalance(position, 1_000n)).toBe(90n);
    expect(costOfBalance(position, 0n)).toBe(0n);
    expect(costOfBalance({ quantity: 0n, costWei: 0n, realizedPnlWei: 5n }, 10n)).toBe(0n);
  });
});
