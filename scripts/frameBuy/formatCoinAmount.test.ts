import { describe, expect, it } from 'vitest';
import { formatCoinAmount } from './formatCoinAmount.ts';

describe('formatCoinAmount', () => {
  it('shows raw units as whole coins (18 decimals), exactly, with the symbol', () => {
    expect(formatCoinAmount(0n, 'GIGA')).toBe('0 GIGA');
    expect(formatCoinAmount(10n ** 18n, 'GIGA')).toBe('1 GIGA');
    expect(formatCoinAmount(1_234_500_000_000_000_000_000n, 'GIGA')).toBe('1234.5 GIGA');
    expect(formatCoinAmount(1n, 'X')).toBe('0.000000000000000001 X');
    expect(formatCoinAmount(123_456_789_012_345_678_901_234_567n, 'BIG')).toBe('123456789.012345678901234567 BIG');
  });

  it('takes other decimals when asked', () => {
    expect(formatCoinAmount(1_500_000n, 'USDC', 6)).toBe('1.5 USDC');
  });
});
