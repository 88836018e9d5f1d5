import { describe, expect, it } from 'vitest';
import { barHeight, fraction, nearestIndex, stepSelection, timeWindow, xOf, yOf } from './scales.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 1, 10, 0);

describe('timeWindow', () => {
  it('places candles by start time, so a gap stays a gap', () => {
    // Three candles at minutes 0, 1 and 9, in a window wide enough for all: it spans 10 minutes, ending with the last.
    const starts = [T0, T0 + MIN, T0 + 9 * MIN];
    const w = timeWindow(starts, MIN, 300, { minSlots: 10 })!;
    expect(w).toEqual({ from: T0, to: T0 + 10 * MIN, first: 0, slotPx: 30 });
    const centres = starts.map((s) => xOf(w, s + MIN / 2, 300));
    expect(centres).toEqual([15, 45, 285]);
  });

  it('centres a single candle in a window of the minimum width instead of stretching it across', () => {
    const w = timeWindow([T0], MIN, 240)!;
    expect(w.to - w.from).toBe(12 * MIN);
    expect(w.slotPx).toBe(20);
    expect(xOf(w, T0 + MIN / 2, 240)).toBe(120);
  });

  it('centres a few adjacent candles as a group', () => {
    const w = timeWindow([T0, T0 + MIN, T0 + 2 * MIN], MIN, 240)!;
    expect(xOf(w, T0, 240)).toBe(90);
    expect(xOf(w, T0 + 3 * MIN, 240)).toBe(150);
  });

  it('keeps the newest candles that fit at the minimum slot width and drops older ones', () => {
    const starts = Array.from({ length: 100 }, (_, i) => T0 + i * MIN);
    const w = timeWindow(starts, MIN, 120, { minSlotPx: 6 })!;
    // 120 px / 6 px: 20 slots, the last 20 candles.
    expect(w.first).toBe(80);
    expect(w.to).toBe(T0 + 100 * MIN);
    expect(w.from).toBe(T0 + 80 * MIN);
    expect(w.slotPx).toBe(6);
  });

  it('counts the slots a gap spans, not the candles: one old candle and one new one', () => {
    const w = timeWindow([T0, T0 + 500 * MIN], MIN, 120, { minSlotPx: 6 })!;
    expect(w.first).toBe(1);
    expect(w.from).toBe(T0 + 500 * MIN - 5.5 * MIN);
  });

  it('has no window without candles or with a zero interval', () => {
    expect(timeWindow([], MIN, 300)).toBeNull();
    expect(timeWindow([T0], 0, 300)).toBeNull();
  });
});

describe('fraction and yOf', () => {
  it('maps exact wei of any size into the range', () => {
    expect(fraction(5n, 0n, 10n)).toBe(0.5);
    expect(fraction(1n, 0n, 4n)).toBe(0.25);
    // 10^40 wei and one wei apart: beyond a double's 53 bits, still resolved.
    const big = 10n ** 40n;
    expect(fraction(big + 1n, big, big + 4n)).toBe(0.25);
    expect(fraction(-5n, 0n, 10n)).toBe(0);
    expect(fraction(50n, 0n, 10n)).toBe(1);
  });

  it('puts every price of a flat range (high equal to low) in the middle', () => {
    expect(fraction(7n, 7n, 7n)).toBe(0.5);
    expect(yOf(7n, 7n, 7n, 10, 110)).toBe(60);
  });

  it('draws the high at the top and the low at the bottom', () => {
    expect(yOf(100n, 50n, 100n, 10, 110)).toBe(10);
    expect(yOf(50n, 50n, 100n, 10, 110)).toBe(110);
    expect(yOf(75n, 50n, 100n, 10, 110)).toBe(60);
  });
});

describe('barHeight', () => {
  it('fills the band with the largest volume, shows any volume, and nothing for none', () => {
    expect(barHeight(10n, 10n, 20)).toBe(20);
    expect(barHeight(5n, 10n, 20)).toBe(10);
    expect(barHeight(1n, 10n ** 30n, 20)).toBe(1);
    expect(barHeight(0n, 10n, 20)).toBe(0);
    expect(barHeight(0n, 0n, 20)).toBe(0);
  });
});

describe('nearestIndex', () => {
  it('finds the nearest x, the later on a tie, the ends beyond them', () => {
    const xs = [10, 20, 60];
    expect(nearestIndex(xs, 14)).toBe(0);
    expect(nearestIndex(xs, 15)).toBe(1);
    expect(nearestIndex(xs, 39)).toBe(1);
    expect(nearestIndex(xs, 41)).toBe(2);
    expect(nearestIndex(xs, -100)).toBe(0);
    expect(nearestIndex(xs, 1000)).toBe(2);
    expect(nearestIndex([42], 0)).toBe(0);
    expect(nearestIndex([], 5)).toBe(-1);
    expect(nearestIndex(xs, Number.NaN)).toBe(-1);
  });
});

describe('stepSelection', () => {
  it('moves by one candle from the newest, stops at the ends, and clears on Escape', () => {
    expect(stepSelection(null, 'ArrowLeft', 5)).toBe(4);
    expect(stepSelection(null, 'ArrowRight', 5)).toBe(4);
    expect(stepSelection(4, 'ArrowLeft', 5)).toBe(3);
    expect(stepSelection(0, 'ArrowLeft', 5)).toBe(0);
    expect(stepSelection(4, 'ArrowRight', 5)).toBe(4);
    expect(stepSelection(2, 'Home', 5)).toBe(0);
    expect(stepSelection(2, 'End', 5)).toBe(4);
    expect(stepSelection(2, 'Escape', 5)).toBeNull();
    expect(stepSelection(2, 'a', 5)).toBeUndefined();
    expect(stepSelection(null, 'ArrowLeft', 0)).toBeUndefined();
  });
});
