import { parseEther } from 'viem';
import { describe, expect, it } from 'vitest';
import { parseSellAmount, resolveSellAmount } from './parseSellAmount.ts';

describe('parseSellAmount', () => {
  it('takes exact decimal coin amounts', () => {
    expect(parseSellAmount({ amount: '12.5' })).toEqual({
      ok: true,
      amount: { kind: 'amount', raw: parseEther('12.5') },
    });
    expect(parseSellAmount({ amount: '.000000000000000001' })).toEqual({
      ok: true,
      amount: { kind: 'amount', raw: 1n },
    });
  });

  it('refuses signs, exponents, hex, grouping, 19 decimals, zero, both fields and neither', () => {
    for (const amount of ['-1', '1e3', '0x10', '1,000', '1.0000000000000000001', '0', '', ' ', '١']) {
      expect(parseSellAmount({ amount })).toMatchObject({ ok: false });
    }
    expect(parseSellAmount({ amount: '1', fraction: '0.5' })).toMatchObject({ ok: false });
    expect(parseSellAmount({})).toMatchObject({ ok: false });
  });

  it('takes fractions in (0, 1] with at most 4 decimals', () => {
    expect(parseSellAmount({ fraction: '0.25' })).toEqual({ ok: true, amount: { kind: 'fraction', bps: 2500n } });
    expect(parseSellAmount({ fraction: '1' })).toEqual({ ok: true, amount: { kind: 'fraction', bps: 10_000n } });
    expect(parseSellAmount({ fraction: '.0001' })).toEqual({ ok: true, amount: { kind: 'fraction', bps: 1n } });
    for (const fraction of ['0', '1.0001', '1.5', '0.00001', '-0.5', '2', 'half']) {
      expect(parseSellAmount({ fraction })).toMatchObject({ ok: false });
    }
  });
});

describe('resolveSellAmount', () => {
  it('a fraction of 1 is exactly the balance; others round down', () => {
    expect(resolveSellAmount({ kind: 'fraction', bps: 10_000n }, 12_345n)).toBe(12_345n);
    expect(resolveSellAmount({ kind: 'fraction', bps: 3_333n }, 10n)).toBe(3n);
    expect(resolveSellAmount({ kind: 'amount', raw: 7n }, 1n)).toBe(7n);
  });
});
