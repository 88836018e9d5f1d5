import { describe, expect, it } from 'vitest';
import { formatCount, formatDecimal, formatWeiAsEth } from './formatAmounts.ts';

describe('formatCount', () => {
  it('shortens thousands, millions and billions without rounding up', () => {
    expect([0, 7, 999, 1000, 1234, 12_345, 999_999, 1_500_000, 123_456_789, 2e9].map(formatCount)).toEqual([
      '0',
      '7',
      '999',
      '1K',
      '1.2K',
      '12.3K',
      '999K',
      '1.5M',
      '123M',
      '2B',
    ]);
    expect(formatCount(-1)).toBe('0');
    expect(formatCount(Number.NaN)).toBe('0');
  });
});

describe('formatDecimal', () => {
  it('keeps 4 significant digits and never uses exponent notation', () => {
    expect(formatDecimal('0.000001234567')).toBe('0.000001234');
    expect(formatDecimal('1.23456')).toBe('1.234');
    expect(formatDecimal('12345.6')).toBe('12,345');
    expect(formatDecimal('0.5')).toBe('0.5');
    expect(formatDecimal('0')).toBe('0');
    expect(formatDecimal('0.000000000000000001')).toBe('<0.000000000001');
    expect(formatDecimal('1e-7')).toBe('?');
  });
});

describe('formatWeiAsEth', () => {
  it('formats wei as ETH', () => {
    expect(formatWeiAsEth(2_000_000_000_000_000n)).toBe('0.002');
    expect(formatWeiAsEth(1_250_000_000_000_000_000n)).toBe('1.25');
    expect(formatWeiAsEth(0n)).toBe('0');
  });
});
