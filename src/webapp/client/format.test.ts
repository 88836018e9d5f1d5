import { describe, expect, it } from 'vitest';
import { ethPerCoin, formatChange, formatCoins, formatCount, formatEth, parseEthInput, safeUrl } from './format.ts';

describe('formatEth', () => {
  it('shows wei as ETH with four significant digits, dust with its zeros counted, and unknown as a dash', () => {
    expect(formatEth('1000000000000000000')).toBe('1 ETH');
    expect(formatEth('12345678900000000')).toBe('0.01235 ETH');
    expect(formatEth('10000000000')).toBe('0.0₇1 ETH');
    expect(formatEth('12340000000')).toBe('0.0₇1234 ETH');
    expect(formatEth('-5000000000000000')).toBe('−0.005 ETH');
    expect(formatEth('0')).toBe('0 ETH');
    expect(formatEth(null)).toBe('—');
    expect(formatEth('not a number')).toBe('—');
    expect(formatEth('2500000000000000000000')).toBe('2,500 ETH');
  });

  it('shows more significant digits on request, dust included, trailing zeros trimmed', () => {
    expect(formatEth('10038000000', '', 5)).toBe('0.0₇10038');
    expect(formatEth('10030000000', '', 6)).toBe('0.0₇1003');
    expect(formatEth('123456789000000000', ' ETH', 6)).toBe('0.123457 ETH');
    expect(formatEth('1234567000000000000000', '', 8)).toBe('1,235');
  });
});

describe('formatCount', () => {
  it('keeps small counts exact and shortens large ones', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(9999)).toBe('9,999');
    expect(formatCount(15_300)).toBe('15.3K');
    expect(formatCount(2_000_000)).toBe('2M');
  });
});

describe('formatCoins', () => {
  it('shows base units (18 decimals) as whole coins', () => {
    expect(formatCoins(123456n * 10n ** 18n)).toBe('123,456');
    expect(formatCoins('1500000000000000000')).toBe('1.5');
  });
});

describe('formatChange', () => {
  it('reads a percent (string or number) and signs it', () => {
    expect(formatChange(12.5)).toEqual({ text: '+12.5%', sign: 1 });
    expect(formatChange('-0.0300')).toEqual({ text: '0.0%', sign: 0 });
    expect(formatChange(-0.06)).toEqual({ text: '−0.1%', sign: -1 });
    expect(formatChange('12.5000')).toEqual({ text: '+12.5%', sign: 1 });
    expect(formatChange('-3.2')).toEqual({ text: '−3.2%', sign: -1 });
    expect(formatChange(0)).toEqual({ text: '0.0%', sign: 0 });
    expect(formatChange(null)).toBeNull();
    expect(formatChange('abc')).toBeNull();
  });
});

describe('parseEthInput', () => {
  it('accepts plain positive decimals only', () => {
    expect(parseEthInput(' 0.01 ')).toBe('0.01');
    expect(parseEthInput('.5')).toBe('0.5');
    expect(parseEthInput('2.')).toBe('2');
    for (const bad of ['', '0', '0.000', '-1', '1e3', '0x10', '1,5', 'abc', '١', '1'.repeat(30)]) {
      expect(parseEthInput(bad), bad).toBeNull();
    }
  });
});

describe('ethPerCoin', () => {
  it('prefers the indexed market price over the route’s pool read', () => {
    expect(ethPerCoin({ priceEth: '0.5', market: { priceWei: '1000000000000000' } })).toBe('0.001 ETH');
    expect(ethPerCoin({ priceEth: '0.000000012', market: null })).toBe('0.0₇12 ETH');
    expect(ethPerCoin({ priceEth: null })).toBe('—');
  });
});

describe('safeUrl', () => {
  it('keeps http(s) URLs and drops scripts, data and garbage', () => {
    expect(safeUrl('https://cdn.example.com/a.mp3')).toBe('https://cdn.example.com/a.mp3');
    for (const bad of ['javascript:alert(1)', ' JavaScript:alert(1)', 'data:text/html,x', 'not a url', '', null]) {
      expect(safeUrl(bad), String(bad)).toBeNull();
    }
  });
});
