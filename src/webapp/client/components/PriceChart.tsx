import type { HTMLAttributes } from 'preact';
import { useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, type CandleInterval, fetchCandles } from '../api.ts';
import { type ChartCandle, directionOf, type PriceChange, parseCandles, priceChange } from '../chart/candles.ts';
import {
  changeText,
  DIRECTION_MARK,
  describeCandle,
  describeChart,
  priceDigits,
  readout,
  sinceLabel,
  spanLabels,
  spokenEth,
} from '../chart/labels.ts';
import { barHeight, INTERVAL_MS, nearestIndex, stepSelection, timeWindow, xOf, yOf } from '../chart/scales.ts';
import { formatEth } from '../format.ts';
import { useLoad } from '../hooks.ts';
import type { CoinCandles } from '../types.ts';

const INTERVALS: CandleInterval[] = ['1m', '1h', '1d'];
/** The plot's height and bands (CSS px): candles from PRICE_TOP to PRICE_BOTTOM, volume bars up from VOLUME_BOTTOM,
 * time labels on TIME_BASELINE. The width is the box's, measured. */
const H = 172;
const PRICE_TOP = 10;
const PRICE_BOTTOM = 116;
const VOLUME_BOTTOM = 146;
const VOLUME_BAND = 22;
const TIME_BASELINE = 165;
/** Until the box is measured (the first paint of a new box), a phone's width. */
const DEFAULT_WIDTH = 300;
/** A label's width at the axis font (11 px, tabular figures), estimated from its length: no text measuring. */
const labelWidth = (characters: number) => characters * 6.4 + 12;
const DIRECTION_CLASS = { '1': 'up', '-1': 'down', '0': 'flat' } as const;

/** One read of the candles, for the coin and interval in `key`. */
type Answer = { key: string } & ({ candles: CoinCandles } | { error: unknown });

/** The coin's price as OHLC candles on a time axis (`GET /api/coins/:address/candles`), with the last price and the
 * change over the shown range above it, the range's high and low on the right and the first and last candle's times
 * below, and the volume as bars. Touching
 * (or hovering, or the arrow keys on the focused chart) selects the nearest candle: a crosshair, and its time, open,
 * high, low, close, volume and trades in place of the header. A server without candles yet says so instead.
 * `version` changes when the coin trades (its last trade time from the stream): the candles are read again, and the
 * chart drawn stays until the new one arrives (no skeleton flash). */
export function PriceChart({ coin, version }: { coin: string; version: string }) {
  const [interval, setInterval] = useState<CandleInterval>('1h');
  const key = `${coin}:${interval}`;
  // Each answer carries the coin and interval it was read for: on the render that switches the interval, `load`
  // still holds the previous interval's answer, which must not be drawn (or kept) as this one's. A failed refresh
  // keeps the candles already drawn.
  const load = useLoad(`${key}:${version}`, () =>
    fetchCandles(coin, interval).then(
      (candles): Answer => ({ key, candles }),
      (error: unknown): Answer => ({ key, error }),
    ),
  );
  const shown = useRef<Answer | null>(null);
  const answer = load.state === 'ok' && load.value.key === key ? load.value : null;
  if (answer !== null && ('candles' in answer || shown.current?.key !== key)) shown.current = answer;
  const current = shown.current?.key === key ? shown.current : null;
  // A server without candles yet: one line, no interval tabs that lead nowhere.
  if (
    current !== null &&
    'error' in current &&
    current.error instanceof ApiError &&
    current.error.status === 404 &&
    current.error.message === 'not found'
  )
    return <p class="fine">Price history appears here once the server records it.</p>;
  return (
    <div class="chart-box">
      <div class="tabs compact" role="tablist" aria-label="Chart interval">
        {INTERVALS.map((i) => (
          <button
            key={i}
            type="button"
            role="tab"
            aria-selected={i === interval}
            class={i === interval ? 'tab active' : 'tab'}
            onClick={() => setInterval(i)}
          >
            {i}
          </button>
        ))}
      </div>
      {current !== null && 'candles' in current ? (
        <Candles key={interval} candles={current.candles.candles} interval={interval} />
      ) : (
        <Placeholder>{current === null ? null : 'The chart could not load.'}</Placeholder>
      )}
    </div>
  );
}

/** The header and plot boxes at their fixed heights, with a message (or a skeleton while loading) in the plot's. */
function Placeholder({ children }: { children: string | null }) {
  return (
    <>
      <div class="chart-head" aria-hidden="true">
        {children === null && <span class="sk chart-head-sk" />}
      </div>
      {children === null ? <div class="chart-area sk" /> : <p class="chart-area chart-empty">{children}</p>}
    </>
  );
}

function Candles({ candles: raw, interval }: { candles: CoinCandles['candles']; interval: CandleInterval }) {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  /** The selected candle by its start time (survives a refresh of the candles), or null. */
  const [selected, setSelected] = useState<number | null>(null);
  const pressed = useRef(false);
  const all = useMemo(() => parseCandles(raw), [raw]);

  useLayoutEffect(() => {
    const element = box.current;
    if (element === null) return;
    const measure = () => setWidth(Math.round(element.clientWidth));
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [all.length === 0]);

  if (all.length === 0)
    return (
      <>
        <div class="chart-head" />
        <p class="chart-area chart-empty">No trades yet.</p>
      </>
    );

  const w = width || DEFAULT_WIDTH;
  const step = INTERVAL_MS[interval];
  const now = Date.now();
  // The gutter fits the longest price label, and the window is laid out on what is left of the width; prices get the
  // digits that tell the shown range apart (a second pass when the candles shown need more than all of them did).
  let digits = 4;
  let gutter = 0;
  let win = timeWindow([0], step, 1)!;
  let visible = all;
  let high = 0n;
  let low = 0n;
  for (let pass = 0; pass < 2; pass++) {
    const longest = Math.max(
      ...all.flatMap((c) => [formatEth(c.high, '', digits).length, formatEth(c.low, '', digits).length]),
    );
    gutter = Math.ceil(Math.max(labelWidth(longest), 44));
    win = timeWindow(
      all.map((c) => c.start),
      step,
      Math.max(40, w - gutter),
    )!;
    visible = all.slice(win.first);
    high = visible[0]!.high;
    low = visible[0]!.low;
    for (const c of visible) {
      if (c.high > high) high = c.high;
      if (c.low < low) low = c.low;
    }
    const needed = priceDigits(high, low);
    if (needed <= digits) break;
    digits = needed;
  }
  const plotW = Math.max(40, w - gutter);
  let maxVolume = 0n;
  for (const c of visible) if (c.volume > maxVolume) maxVolume = c.volume;
  const change = priceChange(visible)!;
  const y = (price: bigint) => yOf(price, low, high, PRICE_TOP, PRICE_BOTTOM);
  const centres = visible.map((c) => xOf(win, c.start + step / 2, plotW));
  // Odd body widths centred on half pixels: crisp 1 px wicks and outlines.
  let body = Math.max(1, Math.min(15, Math.floor(win.slotPx * 0.68)));
  if (body % 2 === 0) body -= 1;
  const index = selected === null ? -1 : visible.findIndex((c) => c.start === selected);
  const pick = index === -1 ? null : visible[index]!;

  const select = (i: number | null) => setSelected(i === null ? null : (visible[i]?.start ?? null));
  const fromPointer = (event: PointerEvent) => {
    const rect = (event.currentTarget as HTMLElement).getBoundingClientRect();
    select(nearestIndex(centres, event.clientX - rect.left));
  };
  const handlers: HTMLAttributes<HTMLDivElement> = {
    onPointerDown: (event) => {
      pressed.current = true;
      (event.currentTarget as HTMLElement).setPointerCapture?.(event.pointerId);
      fromPointer(event);
    },
    onPointerMove: (event) => {
      if (pressed.current || event.pointerType === 'mouse') fromPointer(event);
    },
    onPointerUp: (event) => {
      pressed.current = false;
      // A finger lifted ends the reading; a mouse still hovering keeps it until it leaves.
      if (event.pointerType !== 'mouse') select(null);
    },
    onPointerCancel: () => {
      pressed.current = false;
      select(null);
    },
    onPointerLeave: (event) => {
      if (!pressed.current && event.pointerType === 'mouse') select(null);
    },
    onKeyDown: (event) => {
      const next = stepSelection(index === -1 ? null : index, event.key, visible.length);
      if (next === undefined) return;
      event.preventDefault();
      select(next);
    },
    onBlur: () => select(null),
  };

  const cx = (i: number) => Math.floor(centres[i]!) + 0.5;
  const tagY = pick === null ? 0 : y(pick.close);
  const flat = high === low;
  // The selected close's tag covers the high or low label it would overlap.
  const showHigh = pick === null || Math.abs(tagY - y(high)) >= 16;
  const showLow = !flat && (pick === null || Math.abs(tagY - y(low)) >= 16);

  return (
    <>
      {pick === null ? (
        <Header candles={visible} change={change} interval={interval} now={now} digits={digits} />
      ) : (
        <Readout candle={pick} interval={interval} now={now} digits={digits} />
      )}
      <div
        ref={box}
        class="chart-area"
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the chart is read with the arrow keys once focused
        tabIndex={0}
        role="img"
        aria-label={describeChart(visible, interval, change, { digits })}
        {...handlers}
      >
        <svg class="chart" width={w} height={H} viewBox={`0 0 ${w} ${H}`} aria-hidden="true">
          <line class="grid" x1={0} x2={plotW} y1={Math.round(y(high)) + 0.5} y2={Math.round(y(high)) + 0.5} />
          {!flat && <line class="grid" x1={0} x2={plotW} y1={Math.round(y(low)) + 0.5} y2={Math.round(y(low)) + 0.5} />}
          <line class="baseline" x1={0} x2={plotW} y1={VOLUME_BOTTOM + 0.5} y2={VOLUME_BOTTOM + 0.5} />
          {visible.map((c, i) => {
            const h = Math.round(barHeight(c.volume, maxVolume, VOLUME_BAND));
            return h === 0 ? null : (
              <rect
                key={`v${c.start}`}
                class={`vol ${DIRECTION_CLASS[directionOf(c)]}`}
                x={cx(i) - body / 2}
                y={VOLUME_BOTTOM - h}
                width={body}
                height={h}
              />
            );
          })}
          {visible.map((c, i) => (
            <CandleMark key={c.start} candle={c} x={cx(i)} body={body} y={y} />
          ))}
          {showHigh && (
            <text class="axis" x={w - 2} y={y(high) + 4} text-anchor="end">
              {formatEth(high, '', digits)}
            </text>
          )}
          {showLow && (
            <text class="axis" x={w - 2} y={y(low) + 4} text-anchor="end">
              {formatEth(low, '', digits)}
            </text>
          )}
          {timeLabels(visible, interval, plotW, cx).map(([text, x]) => (
            <text key={`${text}@${x}`} class="axis" x={x} y={TIME_BASELINE} text-anchor="middle">
              {text}
            </text>
          ))}
          {pick !== null && (
            <g class="cross">
              <line x1={cx(index)} x2={cx(index)} y1={PRICE_TOP - 6} y2={VOLUME_BOTTOM} />
              <line x1={0} x2={plotW} y1={Math.round(tagY) + 0.5} y2={Math.round(tagY) + 0.5} />
              <rect class="tag" x={plotW + 2} y={tagY - 9} width={w - plotW - 2} height={18} rx={4} />
              <text class="tag-text" x={w - 5} y={tagY + 4} text-anchor="end">
                {formatEth(pick.close, '', digits)}
              </text>
            </g>
          )}
        </svg>
      </div>
      <p class="sr-only" aria-live="polite">
        {pick === null ? '' : describeCandle(pick, interval, now, { digits })}
      </p>
    </>
  );
}

/** The time labels under the plot, each centred under its candle and kept inside the plot: the first and the last
 * candle's, or one label for both when they would touch (one candle, or a few side by side). */
function timeLabels(
  visible: ChartCandle[],
  interval: CandleInterval,
  plotW: number,
  cx: (i: number) => number,
): [string, number][] {
  const [first, last] = spanLabels(visible[0]!.start, visible.at(-1)!.start, interval);
  const place = (text: string, x: number): [string, number] => {
    const half = labelWidth(text.length) / 2 - 6;
    return [text, Math.min(Math.max(x, half), plotW - half)];
  };
  const a = place(first, cx(0));
  const b = place(last, cx(visible.length - 1));
  if (visible.length > 1 && b[1] - a[1] >= (labelWidth(first.length) + labelWidth(last.length)) / 2) return [a, b];
  return [place(visible.length === 1 ? first : `${first} – ${last}`, (cx(0) + cx(visible.length - 1)) / 2)];
}

/** One candle: a wick from high to low, a body from open to close (hollow when up, filled when down, a bar when
 * flat), at least 2 px tall. */
function CandleMark({
  candle: c,
  x,
  body,
  y,
}: {
  candle: ChartCandle;
  x: number;
  body: number;
  y: (price: bigint) => number;
}) {
  const direction = directionOf(c);
  // y grows downwards: the body's top is the larger of open and close.
  let top = Math.round(Math.min(y(c.open), y(c.close)));
  let bottom = Math.round(Math.max(y(c.open), y(c.close)));
  if (bottom - top < 2) {
    // A flat (or nearly flat) candle: a bar 2 px tall at its price, not a hairline.
    top = Math.round((y(c.open) + y(c.close)) / 2) - 1;
    bottom = top + 2;
  }
  const wickTop = Math.round(y(c.high));
  const wickBottom = Math.round(y(c.low));
  const hollow = direction === 1 && body >= 3 && bottom - top >= 3;
  return (
    <g class={`candle ${DIRECTION_CLASS[direction]}`}>
      {/* The wick above and below the body, not through it (an up candle's body is see-through). */}
      {top > wickTop && <line class="wick" x1={x} x2={x} y1={wickTop} y2={top} />}
      {wickBottom > bottom && <line class="wick" x1={x} x2={x} y1={bottom} y2={wickBottom} />}
      {hollow ? (
        <rect class="body hollow" x={x - body / 2 + 0.5} y={top + 0.5} width={body - 1} height={bottom - top - 1} />
      ) : (
        <rect class="body" x={x - body / 2} y={top} width={body} height={bottom - top} />
      )}
    </g>
  );
}

/** The last price and the change over the shown range. */
function Header({
  candles,
  change,
  interval,
  now,
  digits,
}: {
  candles: ChartCandle[];
  change: PriceChange;
  interval: CandleInterval;
  now: number;
  digits: number;
}) {
  const text = changeText(change);
  return (
    <div class="chart-head">
      <p class="chart-price num">
        <span aria-hidden="true">{formatEth(change.to, ' ETH', digits)}</span>
        <span class="sr-only">Last price {spokenEth(change.to, digits)}</span>
      </p>
      <p class="chart-change">
        <span class={`change ${DIRECTION_CLASS[text.direction]}`}>
          <span aria-hidden="true">
            {DIRECTION_MARK[text.direction]} {text.text}
          </span>
          <span class="sr-only">{text.spoken}</span>
        </span>{' '}
        <span class="chart-since">{sinceLabel(candles[0]!.start, interval, now)}</span>
      </p>
    </div>
  );
}

/** The selected candle in place of the header: direction and time, trades and volume, then open, high, low and
 * close two by two. */
function Readout({
  candle,
  interval,
  now,
  digits,
}: {
  candle: ChartCandle;
  interval: CandleInterval;
  now: number;
  digits: number;
}) {
  const r = readout(candle, interval, now, { digits });
  return (
    <div class="chart-head readout" aria-hidden="true">
      <p class="readout-line">
        <span class={`readout-title ${DIRECTION_CLASS[r.direction]}`}>{r.title}</span>
        <span class="readout-activity num">{r.activity}</span>
      </p>
      <dl class="ohlc">
        {r.prices.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd class="num ohlc-value">{value}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
