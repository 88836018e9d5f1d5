import { BaseError } from '../errors.ts';
import { classifyRpcFailure } from './classifyRpcFailure.ts';

/** A raw log as eth_getLogs answers it. */
export interface RawLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  logIndex: string;
  removed?: boolean | undefined;
}

/** One eth_getLogs call over an inclusive block range. */
export type FetchLogs = (fromBlock: bigint, toBlock: bigint) => Promise<RawLog[]>;

/** The chain would not answer a log read after every retry and split. */
export class LogReadError extends BaseError {
  override name = 'Market.LogReadError';
}

export interface ReadLogsOptions {
  /** Retries of one range after 429/5xx before the read fails (default 5). */
  maxRetries?: number;
  /** First backoff without a Retry-After; doubles per retry up to 10 s (default 500 ms). */
  backoffMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  /** Told each time a range is split, so the caller can read smaller ranges next time. */
  onSplit?: (size: bigint) => void;
}

const abortableSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/** Every log of [from, to] through `fetch`, adapting to the provider: a range or result-count refusal splits the range
 * in halves (down to one block, which must then be answered), a 429 or 5xx waits (Retry-After, else exponential
 * backoff) and retries the same range. Logs come back in chain order. */
export async function readLogsAdaptively(
  fetch: FetchLogs,
  from: bigint,
  to: bigint,
  options: ReadLogsOptions = {},
): Promise<RawLog[]> {
  const maxRetries = options.maxRetries ?? 5;
  const baseBackoff = options.backoffMs ?? 500;
  const sleep = options.sleep ?? abortableSleep;
  const out: RawLog[] = [];
  const pending: [bigint, bigint][] = [[from, to]];
  while (pending.length > 0) {
    const range = pending.shift();
    if (range === undefined) break;
    const [lo, hi] = range;
    for (let attempt = 0; ; attempt += 1) {
      options.signal?.throwIfAborted();
      try {
        out.push(...(await fetch(lo, hi)));
        break;
      } catch (error) {
        const failure = classifyRpcFailure(error, Math.min(baseBackoff * 2 ** attempt, 10_000));
        if (failure.kind === 'range' && hi > lo) {
          const mid = lo + (hi - lo) / 2n;
          pending.unshift([lo, mid], [mid + 1n, hi]);
          options.onSplit?.(mid - lo + 1n);
          break;
        }
        if (failure.kind === 'retry' && attempt < maxRetries) {
          await sleep(failure.afterMs, options.signal);
          continue;
        }
        throw new LogReadError(`eth_getLogs ${lo}-${hi} failed`, { cause: error });
      }
    }
  }
  return out;
}
