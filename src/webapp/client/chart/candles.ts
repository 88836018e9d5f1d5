import type { Candle } from '../types.ts';

/** A candle as the chart uses it: its start in ms and its amounts as exact integers (wei). */
export interface ChartCandle {
  start: number;
  open: bigint;
  high: bigint;
  low: bigint;
  close: bigint;
  /** ETH traded in the interval (wei). */
  volume: bigint;
  trades: number;
}

const wei = (text: string): bigint | null => (/^\d{1,78}$/.test(text) ? BigInt(text) : null);

/** The API's candles as numbers to draw, oldest first; a candle with an unreadable time or amount is left out rather
 * than drawn wrong, and a high below its low (which the server never sends) is put right. */
export function parseCandles(candles: readonly Candle[]): ChartCandle[] {
  const parsed: ChartCandle[] = [];
  for (const c of candles) {
    const start = Date.parse(c.start);
    const [open, high, low, close, volume] = [c.openWei, c.highWei, c.lowWei, c.closeWei, c.volumeWei].map(wei);
    if (!Number.isFinite(start) || open == null || high == null || low == null || close == null) continue;
    const sorted = [open, high, low, close].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    parsed.push({
      start,
      open,
      high: sorted[3]!,
      low: sorted[0]!,
      close,
      volume: volume ?? 0n,
      trades: Number.isFinite(c.trades) ? c.trades : 0,
    });
  }
  return parsed.sort((a, b) => a.start - b.start);
}

/** Up when a candle closed above its open, down below it, flat when equal. */
export const directionOf = (c: Pick<ChartCandle, 'open' | 'close'>): -1 | 0 | 1 =>
  c.close > c.open ? 1 : c.close < c.open ? -1 : 0;

export interface PriceChange {
  /** The first shown candle's open (wei). */
  from: bigint;
  /** The last shown candle's close (wei). */
  to: bigint;
  /** to − from (wei, signed). */
  delta: bigint;
  /** delta as a percent of `from`, or null when `from` is zero (no percent of nothing). */
  percent: number | null;
  direction: -1 | 0 | 1;
}

/** The change over the shown candles: from the first one's open to the last one's close, exact in wei; the percent
 * is computed in integers too (to 1/10,000 of a percent), so a huge or tiny price loses nothing before display. */
export function priceChange(candles: readonly ChartCandle[]): PriceChange | null {
  const first = candles[0];
  const last = candles.at(-1);
  if (first === undefined || last === undefined) return null;
  const delta = last.close - first.open;
  const percent = first.open === 0n ? null : Number((delta * 1_000_000n) / first.open) / 10_000;
  return { from: first.open, to: last.close, delta, percent, direction: delta > 0n ? 1 : delta < 0n ? -1 : 0 };
}
