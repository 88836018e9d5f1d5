import { describe, expect, it } from 'vitest';
import type { Candle } from '../types.ts';
import { directionOf, parseCandles, priceChange } from './candles.ts';

const candle = (start: string, o: string, h: string, l: string, c: string, v = '0', trades = 1): Candle => ({
  start,
  openWei: o,
  highWei: h,
  lowWei: l,
  closeWei: c,
  volumeWei: v,
  trades,
});

describe('parseCandles', () => {
  it('reads times and exact wei, sorts oldest first, and leaves out what it cannot read', () => {
    const parsed = parseCandles([
      candle('2026-12-01T10:02:00+00:00', '5', '9', '4', '8', '1000', 3),
      candle('2026-12-01T10:00:00Z', '100000000000000000000000000000', '1', '1', '1'),
      candle('not a time', '1', '1', '1', '1'),
      candle('2026-12-01T10:03:00Z', '1.5', '1', '1', '1'),
      candle('2026-12-01T10:04:00Z', '-1', '1', '1', '1'),
    ]);
    expect(parsed.map((c) => c.start)).toEqual([Date.UTC(2026, 11, 1, 10, 0), Date.UTC(2026, 11, 1, 10, 2)]);
    expect(parsed[1]).toEqual({
      start: Date.UTC(2026, 11, 1, 10, 2),
      open: 5n,
      high: 9n,
      low: 4n,
      close: 8n,
      volume: 1000n,
      trades: 3,
    });
    // A huge open is kept exactly, and becomes the candle's high (the high and low span every price).
    expect(parsed[0]?.high).toBe(10n ** 29n);
    expect(parsed[0]?.low).toBe(1n);
  });

  it('names a direction by close against open', () => {
    expect(directionOf({ open: 1n, close: 2n })).toBe(1);
    expect(directionOf({ open: 2n, close: 1n })).toBe(-1);
    expect(directionOf({ open: 2n, close: 2n })).toBe(0);
  });
});

describe('priceChange', () => {
  const c = (open: bigint, close: bigint) => ({ start: 0, open, high: open, low: close, close, volume: 0n, trades: 1 });

  it('runs from the first open to the last close, signed, with the percent of the open', () => {
    expect(priceChange([c(1000n, 1200n), c(1200n, 1100n)])).toEqual({
      from: 1000n,
      to: 1100n,
      delta: 100n,
      percent: 10,
      direction: 1,
    });
    expect(priceChange([c(200n, 150n)])).toMatchObject({ delta: -50n, percent: -25, direction: -1 });
    expect(priceChange([c(7n, 7n)])).toMatchObject({ delta: 0n, percent: 0, direction: 0 });
  });

  it('has no percent of a zero open, and none at all without candles', () => {
    expect(priceChange([c(0n, 5n)])).toMatchObject({ delta: 5n, percent: null, direction: 1 });
    expect(priceChange([])).toBeNull();
  });

  it('stays exact for tiny and huge prices', () => {
    // 10 wei to 11 wei per coin: 10 %, though both are 1e-17 ETH.
    expect(priceChange([c(10n, 11n)])?.percent).toBe(10);
    // One wei on 10^30: far below a double's precision of the price, still counted (to 1/10,000 %, so 0 here).
    const huge = 10n ** 30n;
    expect(priceChange([c(huge, huge + 1n)])).toMatchObject({ delta: 1n, percent: 0, direction: 1 });
    // A thousandfold rise.
    expect(priceChange([c(3n * 10n ** 9n, 3n * 10n ** 12n)])?.percent).toBe(99_900);
    // A fall to a tiny fraction: four decimals of a percent.
    expect(priceChange([c(1_000_000n, 1n)])?.percent).toBe(-99.9999);
  });
});
