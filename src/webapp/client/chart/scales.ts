/** Where things go on the price chart: pure geometry, in CSS pixels, tested beside this file. */

/** The length of each candle interval the API serves, in ms. */
export const INTERVAL_MS = { '1m': 60_000, '1h': 3_600_000, '1d': 86_400_000 } as const;

export interface TimeWindow {
  /** The times at the plot's left and right edges (ms). */
  from: number;
  to: number;
  /** The index of the first candle inside the window (the ones before it are older than the plot can show). */
  first: number;
  /** The width of one interval in pixels. */
  slotPx: number;
}

export interface TimeWindowOptions {
  /** The window spans at least this many intervals: one candle takes a twelfth of the width, centred, not all of it. */
  minSlots?: number;
  /** An interval gets at least this many pixels: older candles than fit are left out (the newest are kept). */
  minSlotPx?: number;
}

/** The time window of a plot `width` pixels wide for candles starting at `starts` (ms, oldest first), each
 * `intervalMs` long. The window ends where the newest candle ends, so the latest trade is at the right edge; a gap
 * between candles stays a gap, since a candle's place is its start time, not its index. Candles spanning fewer than
 * `minSlots` intervals are centred in a window of `minSlots`. Null without candles. */
export function timeWindow(
  starts: readonly number[],
  intervalMs: number,
  width: number,
  { minSlots = 12, minSlotPx = 8 }: TimeWindowOptions = {},
): TimeWindow | null {
  const last = starts.at(-1);
  if (last === undefined || !(intervalMs > 0)) return null;
  const end = last + intervalMs;
  const maxSlots = Math.max(minSlots, Math.floor(width / minSlotPx));
  let first = 0;
  while (first < starts.length - 1 && starts[first]! < end - maxSlots * intervalMs) first++;
  const spanned = Math.max(1, (end - starts[first]!) / intervalMs);
  const slots = Math.max(spanned, minSlots);
  const pad = ((slots - spanned) / 2) * intervalMs;
  return { from: starts[first]! - pad, to: end + pad, first, slotPx: width / slots };
}

/** The x of time `t` (ms) in a window drawn `width` pixels wide. */
export const xOf = (w: TimeWindow, t: number, width: number): number => ((t - w.from) / (w.to - w.from)) * width;

/** How far `value` lies from `min` to `max`, from 0 to 1, computed on exact integers (wei of any size); one half when
 * the range is empty (every price equal), so a flat range is drawn across the middle, not on an edge. */
export function fraction(value: bigint, min: bigint, max: bigint): number {
  if (max <= min) return 0.5;
  const clamped = value < min ? min : value > max ? max : value;
  return Number(((clamped - min) * 1_000_000n) / (max - min)) / 1_000_000;
}

/** The y of a price between the range's `low` (drawn at `bottom`) and `high` (at `top`). */
export const yOf = (price: bigint, low: bigint, high: bigint, top: number, bottom: number): number =>
  bottom - fraction(price, low, high) * (bottom - top);

/** A volume bar's height in a band `band` pixels tall: the largest volume fills it, any trade shows (1 px at least),
 * and none shows nothing. */
export function barHeight(volume: bigint, maxVolume: bigint, band: number): number {
  if (volume <= 0n || maxVolume <= 0n) return 0;
  return Math.max(1, fraction(volume, 0n, maxVolume) * band);
}

/** The index of the x in `xs` (ascending) nearest to `x`; the later one on a tie; -1 when there is none. */
export function nearestIndex(xs: readonly number[], x: number): number {
  if (xs.length === 0 || Number.isNaN(x)) return -1;
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  // lo is the first x at or after the pointer: the nearest is it or the one before.
  if (lo > 0 && x - xs[lo - 1]! < xs[lo]! - x) return lo - 1;
  return lo;
}

/** The selection after a key: arrows move by one candle (from the newest when nothing is selected), Home and End jump
 * to the ends, Escape clears; `undefined` for any other key (not ours to handle). */
export function stepSelection(selected: number | null, key: string, count: number): number | null | undefined {
  if (count === 0) return key === 'Escape' ? null : undefined;
  switch (key) {
    case 'ArrowLeft':
      return selected === null ? count - 1 : Math.max(0, selected - 1);
    case 'ArrowRight':
      return selected === null ? count - 1 : Math.min(count - 1, selected + 1);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    case 'Escape':
      return null;
    default:
      return undefined;
  }
}
