/** What to do about a failed JSON-RPC call: read a smaller block range, wait and retry, or give up for this step. */
export type RpcFailure = { kind: 'range' } | { kind: 'retry'; afterMs: number } | { kind: 'fatal' };

/** Longest wait a provider's Retry-After may impose on one retry. */
const MAX_RETRY_AFTER_MS = 30_000;

/** Providers' words for "this getLogs range or answer is too big" (-32005 limit exceeded, Infura's "query returned
 * more than 10000 results", Alchemy's "Log response size exceeded", "block range too large", "exceed maximum block
 * range: 5000", QuickNode's "eth_getLogs is limited to a 10,000 range"). */
const RANGE_WORDS =
  /(too many results|more than \d+ results|response size|block range|range (is )?too (large|wide|big)|exceed(s|ed)? (the )?max(imum)?|limited to a? ?[\d,]+ (block )?range|query timeout|too large)/i;
const RATE_WORDS = /(rate limit|too many requests|throttl|capacity|per second)/i;

interface ErrorLike {
  message?: unknown;
  details?: unknown;
  status?: unknown;
  code?: unknown;
  headers?: unknown;
  cause?: unknown;
}

/** Classify an error thrown by a JSON-RPC call (viem's HttpRequestError / RpcRequestError chain or a plain error):
 * a getLogs range or result limit is 'range' (split the range), HTTP 429 and 5xx and rate-limit codes are 'retry'
 * (after Retry-After when the answer had one, else `backoffMs`), anything else is 'fatal'. Pure. */
export function classifyRpcFailure(error: unknown, backoffMs: number, now: () => number = Date.now): RpcFailure {
  let status: number | undefined;
  let code: number | undefined;
  let retryAfter: string | null = null;
  const texts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== null && typeof e === 'object' && depth < 8; depth += 1) {
    const x = e as ErrorLike;
    if (typeof x.message === 'string') texts.push(x.message);
    if (typeof x.details === 'string') texts.push(x.details);
    if (status === undefined && typeof x.status === 'number') status = x.status;
    if (code === undefined && typeof x.code === 'number') code = x.code;
    if (retryAfter === null && x.headers instanceof Headers) retryAfter = x.headers.get('retry-after');
    e = x.cause;
  }
  const text = texts.join(' | ');
  if (status === 429 || code === 429 || code === -32029 || RATE_WORDS.test(text)) {
    return { kind: 'retry', afterMs: retryAfterMs(retryAfter, now) ?? backoffMs };
  }
  if (code === -32005 || RANGE_WORDS.test(text)) return { kind: 'range' };
  if (status !== undefined && status >= 500) {
    return { kind: 'retry', afterMs: retryAfterMs(retryAfter, now) ?? backoffMs };
  }
  return { kind: 'fatal' };
}

/** Retry-After as milliseconds from now: delay-seconds or an HTTP date (RFC 9110 §10.2.3), capped; null if absent
 * or unreadable. */
export function retryAfterMs(value: string | null, now: () => number = Date.now): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(0, at - now()), MAX_RETRY_AFTER_MS);
}
