import type { Coin, CoinMarket, Metrics, Performance, Viral } from './types.ts';

/** A stream event as `GET /api/stream` sends it: `metrics` names a `castHash`, `coin` a `coinAddress`, `trade` a
 * `txHash`; the rest of its JSON is the new state (shapes are read leniently: unknown fields are ignored). */
export type LiveEvent = { type: 'metrics' | 'coin' | 'trade'; data: Record<string, unknown> };

const METRIC_KEYS = ['likes', 'recasts', 'replies', 'views'] as const;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function pickMetrics(source: Record<string, unknown>, current: Metrics): Metrics {
  const next = { ...current };
  for (const key of METRIC_KEYS) {
    const value = source[key];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) next[key] = value;
  }
  return next;
}

/** A performance after a `metrics` event for it (counts and viral score), or the same object when nothing changed. */
export function applyMetricsEvent(performance: Performance, data: Record<string, unknown>): Performance {
  if (String(data.castHash ?? '').toLowerCase() !== performance.castHash.toLowerCase()) return performance;
  const metrics = pickMetrics(isRecord(data.metrics) ? data.metrics : data, performance.metrics);
  let viral: Viral = performance.viral;
  if (isRecord(data.viral)) viral = { ...viral, ...(data.viral as Partial<Viral>) };
  else if (typeof data.score === 'number') viral = { ...viral, score: data.score };
  const changed = viral !== performance.viral || METRIC_KEYS.some((key) => metrics[key] !== performance.metrics[key]);
  return changed ? { ...performance, metrics, viral } : performance;
}

/** A performance after a `coin` event for its coin (the market), or the same object when it is another coin. */
export function applyCoinEvent(performance: Performance, data: Record<string, unknown>): Performance {
  const coin = performance.coin;
  if (coin === null || String(data.coinAddress ?? '').toLowerCase() !== coin.address.toLowerCase()) return performance;
  // The stream sends the coin's JSON as the performance route has it (`coin.market`); older shapes put the market at
  // the top level or under `market`.
  const nested = isRecord(data.coin) ? data.coin : null;
  const source = nested && isRecord(nested.market) ? nested.market : isRecord(data.market) ? data.market : data;
  const market: CoinMarket = { ...coin.market };
  for (const key of ['priceWei', 'price', 'marketCapWei', 'volume24hWei', 'lastTradeAt'] as const) {
    const value = source[key];
    if (typeof value === 'string' || value === null) market[key] = value;
  }
  if (typeof source.change24h === 'number' || typeof source.change24h === 'string') market.change24h = source.change24h;
  if (typeof source.holders === 'number') market.holders = source.holders;
  const next: Coin = { ...coin, market };
  if (nested && (typeof nested.priceEth === 'string' || nested.priceEth === null)) next.priceEth = nested.priceEth;
  return { ...performance, coin: next };
}
