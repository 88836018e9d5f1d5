import { describe, expect, it } from 'vitest';
import type { ChartCandle } from './candles.ts';
import {
  candleTime,
  changeText,
  describeCandle,
  describeChart,
  formatChartTime,
  formatPercent,
  priceDigits,
  readout,
  sinceLabel,
  spanLabels,
  spokenEth,
} from './labels.ts';

const UTC = { timeZone: 'UTC' };
// Intl writes a narrow no-break space before AM/PM; compare with plain spaces.
const plain = (text: string) => text.replace(/\u202f/g, ' ');
const at = (h: number, m = 0, day = 3) => Date.UTC(2026, 2, day, h, m);

const candle = (over: Partial<ChartCandle> = {}): ChartCandle => ({
  start: at(14, 5),
  open: 100_300_000_000n,
  high: 110_500_000_000n,
  low: 100_100_000_000n,
  close: 110_000_000_000n,
  volume: 5_000_000_000_000_000n,
  trades: 3,
  ...over,
});

describe('times', () => {
  it('writes a time of day for minutes and hours, a date for days', () => {
    expect(plain(formatChartTime(at(14, 5), '1m', false, UTC))).toBe('2:05 PM');
    expect(plain(formatChartTime(at(23), '1h', true, UTC))).toBe('Mar 3, 11:00 PM');
    expect(formatChartTime(at(0), '1d', false, UTC)).toBe('Mar 3');
    expect(formatChartTime(Date.UTC(2025, 11, 30), '1d', true, UTC)).toBe('Dec 30, 2025');
  });

  it('dates a day candle in UTC, the day it covers, whatever the device’s zone', () => {
    expect(formatChartTime(at(0), '1d', false, { timeZone: 'America/Los_Angeles' })).toBe('Mar 3');
    expect(plain(formatChartTime(at(0), '1h', false, { timeZone: 'America/Los_Angeles' }))).toBe('4:00 PM');
  });

  it('labels the first and last candle, dated when they fall on different days (days: different years)', () => {
    expect(spanLabels(at(14, 5), at(14, 9), '1m', UTC).map(plain)).toEqual(['2:05 PM', '2:09 PM']);
    expect(spanLabels(at(23, 50, 2), at(0, 20), '1m', UTC).map(plain)).toEqual(['Mar 2, 11:50 PM', 'Mar 3, 12:20 AM']);
    expect(spanLabels(Date.UTC(2026, 0, 2), Date.UTC(2026, 0, 9), '1d', UTC)).toEqual(['Jan 2', 'Jan 9']);
    expect(spanLabels(Date.UTC(2025, 11, 30), Date.UTC(2026, 0, 2), '1d', UTC)).toEqual([
      'Dec 30, 2025',
      'Jan 2, 2026',
    ]);
  });

  it('says since when the change is measured, dated when that is not today', () => {
    expect(plain(sinceLabel(at(14, 1), '1m', at(14, 30), UTC))).toBe('since 2:01 PM');
    expect(plain(sinceLabel(at(23, 0, 2), '1h', at(1, 0), UTC))).toBe('since Mar 2, 11:00 PM');
    expect(sinceLabel(at(0), '1d', at(5), UTC)).toBe('since Mar 3');
  });

  it('dates a candle in the readout unless it is today', () => {
    expect(plain(candleTime(at(14, 5), '1m', at(15), UTC))).toBe('2:05 PM');
    expect(plain(candleTime(at(14, 5, 2), '1m', at(15), UTC))).toBe('Mar 2, 2:05 PM');
    expect(candleTime(at(0), '1d', at(5), UTC)).toBe('Mar 3, 2026');
  });
});

describe('spokenEth', () => {
  it('reads dust as plain digits (no subscript zero count), large amounts grouped', () => {
    expect(spokenEth(100_300_000_000n)).toBe('0.0000001003 ETH');
    expect(spokenEth(1n)).toBe('0.000000000000000001 ETH');
    expect(spokenEth(12_345n * 10n ** 18n)).toBe('12,345 ETH');
    expect(spokenEth(-5n * 10n ** 15n)).toBe('minus 0.005 ETH');
    expect(spokenEth(0n)).toBe('0 ETH');
  });
});

describe('priceDigits', () => {
  it('gives enough digits to tell the range apart, four to eight', () => {
    // 1.0041e-8 over 1.0030e-8: the fifth digit differs.
    expect(priceDigits(10_041_000_000n, 10_030_000_000n)).toBe(5);
    expect(priceDigits(110n, 100n)).toBe(4);
    expect(priceDigits(7n, 7n)).toBe(4);
    expect(priceDigits(7n, 0n)).toBe(4);
    expect(priceDigits(10n ** 30n + 1n, 10n ** 30n)).toBe(8);
  });

  it('is what the readout and the words use', () => {
    const close = { open: 10_041_000_000n, high: 10_041_000_000n, low: 10_030_000_000n, close: 10_030_000_000n };
    const r = readout(candle(close), '1m', at(15), { ...UTC, digits: 5 });
    expect(r.prices.map(([, v]) => v)).toEqual(['0.0₇10041', '0.0₇10041', '0.0₇1003', '0.0₇1003']);
    expect(describeCandle(candle(close), '1m', at(15), { ...UTC, digits: 5 })).toContain(
      'open 0.000000010041 ETH, high 0.000000010041 ETH, low 0.00000001003 ETH',
    );
  });
});

describe('formatPercent', () => {
  it('signs a percent with two decimals, groups large ones, and keeps a small move visible', () => {
    expect(formatPercent(2.7, 1)).toBe('+2.70%');
    expect(formatPercent(-15, -1)).toBe('−15.00%');
    expect(formatPercent(99_900, 1)).toBe('+99,900%');
    expect(formatPercent(0.0047, 1)).toBe('+0.0047%');
    expect(formatPercent(-0.0001, -1)).toBe('−0.0001%');
    // Below the resolution of the computed percent (a wei on a huge price): not "0%" beside an arrow.
    expect(formatPercent(0, 1)).toBe('+<0.0001%');
    expect(formatPercent(0, 0)).toBe('0.00%');
  });
});

describe('changeText', () => {
  it('signs the change and its percent, and says it in words', () => {
    const up = changeText({
      from: 100_000_000_000n,
      to: 109_700_000_000n,
      delta: 9_700_000_000n,
      percent: 9.7,
      direction: 1,
    });
    expect(up).toEqual({ text: '+0.0₈97 (+9.70%)', spoken: 'up 0.0000000097 ETH, 9.70 percent', direction: 1 });
    const down = changeText({
      from: 4n * 10n ** 15n,
      to: 3n * 10n ** 15n,
      delta: -(10n ** 15n),
      percent: -25,
      direction: -1,
    });
    expect(down).toEqual({ text: '−0.001 (−25.00%)', spoken: 'down 0.001 ETH, 25.00 percent', direction: -1 });
  });

  it('leaves the percent out when the range opened at zero, and says so when nothing changed', () => {
    expect(changeText({ from: 0n, to: 5n, delta: 5n, percent: null, direction: 1 }).text).toBe('+0.0₁₇5');
    expect(changeText({ from: 5n, to: 5n, delta: 0n, percent: 0, direction: 0 })).toEqual({
      text: 'No change',
      spoken: 'unchanged',
      direction: 0,
    });
  });
});

describe('readout and descriptions', () => {
  it('gives a candle’s direction, time, activity and prices', () => {
    const r = readout(candle(), '1m', at(15), UTC);
    expect(plain(r.title)).toBe('▲ Up · 2:05 PM');
    expect(r.activity).toBe('3 trades · 0.005 ETH');
    expect(r.prices).toEqual([
      ['Open', '0.0₆1003'],
      ['High', '0.0₆1105'],
      ['Low', '0.0₆1001'],
      ['Close', '0.0₆11'],
    ]);
    expect(readout(candle({ close: 1n, trades: 1 }), '1m', at(15), UTC)).toMatchObject({
      direction: -1,
      activity: '1 trade · 0.005 ETH',
    });
    expect(plain(readout(candle({ close: candle().open }), '1d', at(15), UTC).title)).toBe('■ Flat · Mar 3, 2026');
  });

  it('describes a candle and the chart in words', () => {
    expect(plain(describeCandle(candle(), '1m', at(15), UTC))).toBe(
      '2:05 PM, up: open 0.0000001003 ETH, high 0.0000001105 ETH, low 0.0000001001 ETH, close 0.00000011 ETH; ' +
        'volume 0.005 ETH in 3 trades.',
    );
    const change = { from: 100n, to: 110n, delta: 10n, percent: 10, direction: 1 as const };
    const two = [candle({ start: at(13) }), candle({ start: at(15) })];
    expect(plain(describeChart(two, '1h', change, UTC))).toBe(
      'Price chart, 1-hour candles: 2 candles from 1:00 PM to 3:00 PM. Last price 0.00000000000000011 ETH, up ' +
        '0.00000000000000001 ETH, 10.00 percent over the range. Left and right arrow keys read each candle.',
    );
    const overnight = [candle({ start: at(23, 0, 2) }), candle({ start: at(1) })];
    expect(plain(describeChart(overnight, '1h', change, UTC))).toMatch(
      /2 candles from Mar 2, 11:00 PM to Mar 3, 1:00 AM\./,
    );
    expect(describeChart([candle({ start: at(0) })], '1d', { ...change, delta: 0n, direction: 0 }, UTC)).toMatch(
      /^Price chart, 1-day candles: 1 candle at Mar 3\. Last price .+ ETH, unchanged over the range\./,
    );
  });
});
