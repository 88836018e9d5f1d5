import { useState } from 'preact/hooks';
import { ApiError, type CandleInterval, fetchCandles } from '../api.ts';
import { formatEth, weiToNumber } from '../format.ts';
import { useLoad } from '../hooks.ts';

const INTERVALS: CandleInterval[] = ['1m', '1h', '1d'];
const W = 320;
const H = 120;

/** The coin's close prices over time as a line (`GET /api/coins/:address/candles`); a server without candles yet
 * says so instead of drawing nothing. */
export function PriceChart({ coin }: { coin: string }) {
  const [interval, setInterval] = useState<CandleInterval>('1h');
  const load = useLoad(`${coin}:${interval}`, () => fetchCandles(coin, interval));
  let body = <div class="chart-empty sk" />;
  if (load.state === 'error') {
    // A server without candles yet: one line, no interval tabs that lead nowhere.
    if (load.error instanceof ApiError && load.error.status === 404 && load.error.message === 'not found')
      return <p class="fine">Price history appears here once the server records it.</p>;
    body = <p class="chart-empty">The chart could not load.</p>;
  } else if (load.state === 'ok') {
    const closes = load.value.items.map((c) => weiToNumber(c.close));
    if (closes.length < 2) body = <p class="chart-empty">Not enough trades yet for a chart.</p>;
    else {
      const min = Math.min(...closes);
      const max = Math.max(...closes);
      const span = max - min || max || 1;
      const points = closes
        .map(
          (v, i) =>
            `${((i / (closes.length - 1)) * W).toFixed(1)},${(H - 6 - ((v - min) / span) * (H - 12)).toFixed(1)}`,
        )
        .join(' ');
      const first = load.value.items[0]?.close ?? '0';
      const last = load.value.items.at(-1)?.close ?? '0';
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
