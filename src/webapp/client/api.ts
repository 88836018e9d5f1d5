import type { Boot, CoinCandles, FeedPage, Performance, Portfolio } from './types.ts';

/** A refused or failed API call: the status, the server's short message, and its Retry-After in seconds. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterSeconds: number | null,
  ) {
    super(message);
  }
}

const bootElement = typeof document === 'undefined' ? null : document.getElementById('boot');
/** The server's boot data (empty defaults when the page has none, e.g. in unit tests). */
export const boot: Boot = bootElement?.textContent
  ? (JSON.parse(bootElement.textContent) as Boot)
  : { publicUrl: '', chainId: 8453, quickAuthOrigin: null, initial: null };

/** Data the server inlined for this path, taken once (a later visit reads fresh data). */
export function takeInitial<T>(key: string): T | undefined {
  const initial = boot.initial;
  if (initial === null || initial.key !== key) return undefined;
  boot.initial = null;
  return initial.data as T;
}

/** Read a Response as JSON or throw an ApiError with the server's `error` message. */
export async function readJson<T>(response: Response): Promise<T> {
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    body = null;
  }
  if (!response.ok) {
    const message =
      body !== null && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string'
        ? (body as { error: string }).error
        : `request failed (${response.status})`;
    const retry = Number(response.headers.get('retry-after'));
    throw new ApiError(response.status, message, Number.isFinite(retry) && retry > 0 ? retry : null);
  }
  return body as T;
}

export async function getJson<T>(path: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers: { accept: 'application/json', ...init?.headers } });
  } catch {
    throw new ApiError(0, 'You seem to be offline: the server could not be reached', null);
  }
  return readJson<T>(response);
}

export function postJson<T>(path: string, body: unknown, init?: RequestInit): Promise<T> {
  return getJson<T>(path, {
    ...init,
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...init?.headers },
  });
}

export type FeedSort = 'recent' | 'top' | 'trending';

export const feedKey = (sort: FeedSort) => `feed:${sort}`;
export const performanceKey = (castHash: string) => `performance:${castHash.toLowerCase()}`;

export function fetchFeed(sort: FeedSort, cursor: string | null, limit = 12, artistFid?: number): Promise<FeedPage> {
  const query = new URLSearchParams({ sort, limit: String(limit) });
  if (artistFid !== undefined) query.set('artist', String(artistFid));
  if (cursor !== null) query.set('cursor', cursor);
  return getJson<FeedPage>(`/api/performances?${query}`);
}

export const fetchPerformance = (castHash: string) => getJson<Performance>(`/api/performances/${castHash}`);

export type CandleInterval = '1m' | '1h' | '1d';

/** The newest `limit` candles (the chart shows at most a phone's width of them, 8 px each). */
export const fetchCandles = (coin: string, interval: CandleInterval, limit = 120) =>
  getJson<CoinCandles>(`/api/coins/${coin}/candles?interval=${interval}&limit=${limit}`);

export const fetchPortfolio = (fid: number) => getJson<Portfolio>(`/api/users/${fid}/portfolio`);
export const fetchAddressPortfolio = (address: string) => getJson<Portfolio>(`/api/portfolio/${address}`);
