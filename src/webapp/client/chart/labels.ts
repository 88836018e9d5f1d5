/** The price chart's words: axis and readout times, signed changes, and the text read aloud. Pure; tested beside. */
import type { CandleInterval } from '../api.ts';
import { formatCount, formatEth, weiToNumber } from '../format.ts';
import { type ChartCandle, directionOf, type PriceChange } from './candles.ts';

export interface LabelOptions {
  /** The zone for times of day (the device's by default); day candles are UTC days, so their dates are always UTC. */
  timeZone?: string;
  /** Significant digits of prices (see priceDigits); 4 by default. */
  digits?: number;
}

/** How many significant digits tell the prices of a range apart: two more than the range's high needs over its span
 * (a high of 1.0041 over a span of 0.0003 needs 4: "1.0041", "1.0038"), from the usual 4 up to 8. */
export function priceDigits(high: bigint, low: bigint): number {
  const span = high - low;
  if (span <= 0n || high <= 0n) return 4;
  const ratio = Number((high * 1000n) / span) / 1000;
  return Math.min(8, Math.max(4, Math.ceil(Math.log10(ratio)) + 2));
}

const LOCALE = 'en-US';

function format(ms: number, options: Intl.DateTimeFormatOptions, timeZone: string | undefined): string {
  return new Intl.DateTimeFormat(LOCALE, { ...options, timeZone }).format(ms);
}

const zoneOf = (interval: CandleInterval, o: LabelOptions) => (interval === '1d' ? 'UTC' : o.timeZone);
const dayOf = (ms: number, timeZone: string | undefined) =>
  format(ms, { year: 'numeric', month: '2-digit', day: '2-digit' }, timeZone);

/** A time as the chart labels it: "2:05 PM" (minutes and hours; with the date, "Mar 2, 11:00 PM", when `withDate`),
 * "Mar 3" for days ("Dec 30, 2025" when `withDate`: another year). */
export function formatChartTime(ms: number, interval: CandleInterval, withDate: boolean, o: LabelOptions = {}): string {
  const timeZone = zoneOf(interval, o);
  if (interval === '1d')
    return format(ms, { month: 'short', day: 'numeric', ...(withDate ? { year: 'numeric' } : {}) }, timeZone);
  return format(
    ms,
    { hour: 'numeric', minute: '2-digit', ...(withDate ? { month: 'short', day: 'numeric' } : {}) },
    timeZone,
  );
}

/** The times of the first and last candle shown, as the axis writes them: dated when the two fall on different
 * days (for days: in different years). */
export function spanLabels(
  first: number,
  last: number,
  interval: CandleInterval,
  o: LabelOptions = {},
): [string, string] {
  const timeZone = zoneOf(interval, o);
  const dated =
    interval === '1d'
      ? format(first, { year: 'numeric' }, timeZone) !== format(last, { year: 'numeric' }, timeZone)
      : dayOf(first, timeZone) !== dayOf(last, timeZone);
  return [formatChartTime(first, interval, dated, o), formatChartTime(last, interval, dated, o)];
}

/** "since 2:01 PM" / "since Mar 3": where the shown change is measured from (dated when that is not `now`'s day). */
export function sinceLabel(start: number, interval: CandleInterval, now: number, o: LabelOptions = {}): string {
  const timeZone = zoneOf(interval, o);
  const dated =
    interval === '1d'
      ? format(start, { year: 'numeric' }, timeZone) !== format(now, { year: 'numeric' }, timeZone)
      : dayOf(start, timeZone) !== dayOf(now, timeZone);
  return `since ${formatChartTime(start, interval, dated, o)}`;
}

/** A candle's time in the readout: its start, dated unless it is on `now`'s day (days always show their date). */
export function candleTime(start: number, interval: CandleInterval, now: number, o: LabelOptions = {}): string {
  if (interval === '1d') return formatChartTime(start, interval, true, o);
  return formatChartTime(start, interval, dayOf(start, o.timeZone) !== dayOf(now, o.timeZone), o);
}

/** An amount of wei as plain ETH digits for screen readers, without the subscript zero count: "0.0000001003". */
export function spokenEth(wei: bigint, digits = 4): string {
  const negative = wei < 0n;
  const value = weiToNumber((negative ? -wei : wei).toString());
  const text =
    value >= 1000
      ? value.toLocaleString(LOCALE, { maximumFractionDigits: 0 })
      : value.toLocaleString(LOCALE, { maximumSignificantDigits: digits });
  return `${negative ? 'minus ' : ''}${text} ETH`;
}

export const DIRECTION_WORD = { '1': 'Up', '-1': 'Down', '0': 'Flat' } as const;
export const DIRECTION_MARK = { '1': '▲', '-1': '▼', '0': '■' } as const;

/** A signed percent as the chart's header writes it: two decimals ("+2.70%"), grouped without decimals from 1,000 %,
 * and two significant digits under 0.01 % ("+0.0047%"), so a small move never reads as "0.00%" beside an arrow; a
 * change below the percent's resolution (1/10,000 %) reads "<0.0001%". */
export function formatPercent(percent: number, direction: -1 | 0 | 1): string {
  const sign = direction > 0 ? '+' : direction < 0 ? '−' : '';
  const abs = Math.abs(percent);
  if (direction === 0) return '0.00%';
  if (abs === 0) return `${sign}<0.0001%`;
  if (abs >= 1000) return `${sign}${abs.toLocaleString(LOCALE, { maximumFractionDigits: 0 })}%`;
  if (abs >= 0.01) return `${sign}${abs.toFixed(2)}%`;
  return `${sign}${Number(abs.toPrecision(2))}%`;
}

export interface ChangeText {
  /** "+0.0₉97 (+9.70%)": the signed change in ETH (no unit) and in percent when there is one. */
  text: string;
  /** The same in words: "up 0.0000000097 ETH, 9.70 percent". */
  spoken: string;
  direction: -1 | 0 | 1;
}

/** A change over the shown range as the header writes it (and says it). */
export function changeText(change: PriceChange): ChangeText {
  const abs = change.delta < 0n ? -change.delta : change.delta;
  const sign = change.direction > 0 ? '+' : change.direction < 0 ? '−' : '';
  const amount = `${sign}${formatEth(abs, '')}`;
  if (change.direction === 0) return { text: 'No change', spoken: 'unchanged', direction: 0 };
  const percent = change.percent === null ? null : formatPercent(change.percent, change.direction);
  const word = change.direction > 0 ? 'up' : 'down';
  const spokenPercent = percent === null ? '' : `, ${percent.replace(/^[+−]/, '').replace('%', ' percent')}`;
  return {
    text: `${amount}${percent === null ? '' : ` (${percent})`}`,
    spoken: `${word} ${spokenEth(abs)}${spokenPercent}`,
    direction: change.direction,
  };
}

const tradesText = (n: number) => `${formatCount(n)} ${n === 1 ? 'trade' : 'trades'}`;

/** The readout's numbers for one candle. */
export function readout(c: ChartCandle, interval: CandleInterval, now: number, o: LabelOptions = {}) {
  const direction = directionOf(c);
  return {
    direction,
    title: `${DIRECTION_MARK[direction]} ${DIRECTION_WORD[direction]} · ${candleTime(c.start, interval, now, o)}`,
    activity: `${tradesText(c.trades)} · ${formatEth(c.volume)}`,
    prices: [
      ['Open', formatEth(c.open, '', o.digits)],
      ['High', formatEth(c.high, '', o.digits)],
      ['Low', formatEth(c.low, '', o.digits)],
      ['Close', formatEth(c.close, '', o.digits)],
    ] as const,
  };
}

/** One candle in a sentence, for the live region while it is selected. */
export function describeCandle(c: ChartCandle, interval: CandleInterval, now: number, o: LabelOptions = {}): string {
  const word = DIRECTION_WORD[directionOf(c)].toLowerCase();
  const price = (wei: bigint) => spokenEth(wei, o.digits);
  return (
    `${candleTime(c.start, interval, now, o)}, ${word}: open ${price(c.open)}, high ${price(c.high)}, ` +
    `low ${price(c.low)}, close ${price(c.close)}; volume ${spokenEth(c.volume)} in ${tradesText(c.trades)}.`
  );
}

const INTERVAL_WORD = { '1m': '1-minute', '1h': '1-hour', '1d': '1-day' } as const;

/** The chart's accessible name: what it shows (the first and last candle, dated when on different days) and how to
 * read it. */
export function describeChart(
  shown: readonly ChartCandle[],
  interval: CandleInterval,
  change: PriceChange,
  o: LabelOptions = {},
): string {
  const [from, to] = spanLabels(shown[0]?.start ?? 0, shown.at(-1)?.start ?? 0, interval, o);
  const range = shown.length === 1 ? `1 candle at ${from}` : `${shown.length} candles from ${from} to ${to}`;
  return (
    `Price chart, ${INTERVAL_WORD[interval]} candles: ${range}. ` +
    `Last price ${spokenEth(change.to, o.digits)}, ${changeText(change).spoken} over the range. ` +
    'Left and right arrow keys read each candle.'
  );
}
