import { useRef, useState } from 'preact/hooks';
import { ApiError, type CandleInterval, fetchCandles } from '../api.ts';
import { formatEth, weiToNumber } from '../format.ts';
import { useLoad } from '../hooks.ts';
import type { CoinCandles } from '../types.ts';

const INTERVALS: CandleInterval[] = ['1m', '1h', '1d'];
const W = 320;
const H = 120;

/** The coin's close prices over time as a line (`GET /api/coins/:address/candles`); a server without candles yet
 * says so instead of drawing nothing. `version` changes when the coin trades (its last trade time from the stream):
 * the candles are read again, and the line drawn stays until the new one arrives (no skeleton flash). */
export function PriceChart({ coin, version }: { coin: string; version: string }) {
  const [interval, setInterval] = useState<CandleInterval>('1h');
  const key = `${coin}:${interval}`;
  const load = useLoad(`${key}:${version}`, () => fetchCandles(coin, interval));
  const shown = useRef<{ key: string; value: CoinCandles } | null>(null);
  if (load.state === 'ok') shown.current = { key, value: load.value };
  const current =
    load.state === 'ok'
      ? load
      : load.state === 'loading' && shown.current?.key === key
        ? ({ state: 'ok', value: shown.current.value } as const)
        : load;
  let body = <div class="chart-empty sk" />;
  if (current.state === 'error') {
    // A server without candles yet: one line, no interval tabs that lead nowhere.
    if (current.error instanceof ApiError && current.error.status === 404 && current.error.message === 'not found')
      return <p class="fine">Price history appears here once the server records it.</p>;
    body = <p class="chart-empty">The chart could not load.</p>;
  } else if (current.state === 'ok') {
    const candles = current.value.candles;
    const closes = candles.map((c) => weiToNumber(c.closeWei));
    // One candle (a new coin, or every trade in the same interval): a flat line at its close.
    if (closes.length === 1) closes.push(closes[0] ?? 0);
    if (closes.length === 0) body = <p class="chart-empty">No trades yet.</p>;
    else {
      const min = Math.min(...closes);
      const max = Math.max(...closes);
      const span = max - min;
      const points = closes
        .map(
          (v, i) =>
            `${((i / (closes.length - 1)) * W).toFixed(1)},${(span === 0 ? H / 2 : H - 6 - ((v - min) / span) * (H - 12)).toFixed(1)}`,
        )
        .join(' ');
      const first = candles[0]?.closeWei ?? '0';
      const last = candles.at(-1)?.closeWei ?? '0';
      body = (
        <svg
          class={`chart ${closes.at(-1)! >= closes[0]! ? 'up' : 'down'}`}
          viewBox={`0 0 ${W} ${H}`}
          preserveAspectRatio="none"
          role="img"
          aria-label={`Price from ${formatEth(first)} to ${formatEth(last)} per coin`}
        >
          <polyline points={points} fill="none" vector-effect="non-scaling-stroke" />
        </svg>
      );
    }
  }
  return (
    <div class="chart-box">
      <div class="tabs small" role="tablist" aria-label="Chart interval">
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
      {body}
    </div>
  );
}
