import { parseEther } from 'viem';
import { describe, expect, it } from 'vitest';
import { parseEthAmount } from './parseEthAmount.ts';

const bounds = { min: '0.0001', max: '1', default: '0.001' };
const RANGE = 'Enter an ETH amount between 0.0001 and 1';
const FORMAT = 'Enter an ETH amount such as 0.01';

describe('parseEthAmount', () => {
  it.each([
    ['0.01', parseEther('0.01')],
    ['.01', parseEther('0.01')],
    ['1', parseEther('1')],
    ['1.0', parseEther('1')],
    ['0.0001', 10n ** 14n],
    ['  0.5  ', parseEther('0.5')],
    ['0.5 eth', parseEther('0.5')],
    ['0.5 ETH', parseEther('0.5')],
    ['0.5eTh', parseEther('0.5')],
    ['00.25', parseEther('0.25')],
    ['0.123456789012345678', 123456789012345678n],
    ['\t0.2\n', parseEther('0.2')],
  ])('accepts %j exactly', (text, wei) => {
    expect(parseEthAmount(text, bounds)).toEqual({ ok: true, wei });
  });

  it('uses the default for a missing, empty or blank amount', () => {
    for (const text of [undefined, '', '   ', '\u00a0']) {
      expect(parseEthAmount(text, bounds)).toEqual({ ok: true, wei: parseEther('0.001') });
    }
  });

  it('is exact where floating point is not (0.1 + 0.2 style values)', () => {
    expect(parseEthAmount('0.3', bounds)).toEqual({ ok: true, wei: 300_000_000_000_000_000n });
    expect(parseEthAmount('0.999999999999999999', bounds)).toEqual({ ok: true, wei: 10n ** 18n - 1n });
  });

  it.each([
    '-0.01',
    '+0.01',
    '1e-3',
    '1E2',
    '0x10',
    '1,5',
    '1,000',
    '1_000',
    'NaN',
    'Infinity',
    '-Infinity',
    'abc',
    '0. 5',
    '0 .5',
    '1 0',
    '.',
    '1.',
    '..1',
    '0.1.2',
    '0.5  eth',
    'eth',
    '0.5 wei',
    '0.5 ethereum',
    '٠.١',
    '０.１',
    '0.1\u00a0eth',
    '$0.1',
  ])('refuses %j with a short message', (text) => {
    const result = parseEthAmount(text, bounds);
    expect(result).toEqual({ ok: false, message: FORMAT });
  });

  it.each([
    ['0', RANGE],
    ['0.0', RANGE],
    ['.0', RANGE],
    ['0.00009', RANGE],
    ['0.000099999999999999', RANGE],
    ['1.000000000000000001', RANGE],
    ['2', RANGE],
    ['99999999999999999999999999999', RANGE],
    [`0.${'0'.repeat(60)}1`, RANGE],
    ['0.0000000000000000001', 'Use at most 18 decimal places'],
  ])('refuses %j as out of bounds or too precise', (text, message) => {
    expect(parseEthAmount(text, bounds)).toEqual({ ok: false, message });
  });

  it('accepts both bounds exactly', () => {
    expect(parseEthAmount('0.0001', bounds)).toMatchObject({ ok: true });
    expect(parseEthAmount('1 eth', bounds)).toMatchObject({ ok: true, wei: 10n ** 18n });
  });

  it('keeps every message within a frame message (90 characters), even for extreme bounds', () => {
    const wide = { min: '0.000000000000000001', max: '123456789012.123456789012345678', default: '1' };
    for (const text of ['0', 'x', '1e5', '0.0000000000000000001', '999999999999999']) {
      const result = parseEthAmount(text, wide);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.message.length).toBeLessThanOrEqual(90);
    }
    expect(parseEthAmount('0', { min: '.5', max: '2.50', default: '1' })).toEqual({
      ok: false,
      message: 'Enter an ETH amount between 0.5 and 2.5',
    });
  });
});
