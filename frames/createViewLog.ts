import type { FrameViewRecord } from '../src/farcaster/frameActionRecord.ts';
import type { Logger } from '../src/support/logger.ts';
import { errorFields } from '../src/support/logger.ts';

/** Batches unsigned frame/image GETs into `store.recordFrameViews` calls (analytics only). */
export interface ViewLog {
  /** Queue one view; never throws, never waits for the database. */
  record(view: FrameViewRecord): void;
  /** Write everything queued so far (waits for a write already in progress too). */
  flush(): Promise<void>;
  /** Stop the timer and flush (shutdown); later records are written by explicit flushes only. */
  stop(): Promise<void>;
  /** Views queued and not yet written. */
  pending(): number;
}

export interface ViewLogOptions {
  write: (views: FrameViewRecord[]) => Promise<unknown>;
  logger: Logger;
  /** Flush this long after the first queued view (default 1000 ms). */
  intervalMs?: number;
  /** Flush as soon as this many views are queued (default 500). */
  batchSize?: number;
  /** Drop the oldest views beyond this many queued, e.g. while the database is down (default 20,000). */
  maxPending?: number;
}

/** Build the view log. One write at a time; a failed write is logged and its views dropped (they are analytics, and
 * a request must never fail or wait because of them). */
export function createViewLog(options: ViewLogOptions): ViewLog {
  const intervalMs = options.intervalMs ?? 1000;
  const batchSize = options.batchSize ?? 500;
  const maxPending = options.maxPending ?? 20_000;
  let queue: FrameViewRecord[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing: Promise<void> = Promise.resolve();
  let stopped = false;
  let dropped = 0;

  const writeBatches = async () => {
    while (queue.length > 0) {
      const batch = queue.slice(0, batchSize);
      queue = queue.slice(batch.length);
      try {
        await options.write(batch);
      } catch (error) {
        options.logger.warn('frame views not recorded', { views: batch.length, ...errorFields(error) });
      }
    }
    if (dropped > 0) {
      options.logger.warn('frame views dropped: queue full', { views: dropped });
      dropped = 0;
    }
  };

  const flush = (): Promise<void> => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    writing = writing.then(writeBatches);
    return writing;
  };

  return {
    record(view) {
      queue.push(view);
      if (queue.length > maxPending) {
        queue.shift();
        dropped++;
      }
      if (queue.length >= batchSize) {
        void flush();
      } else if (timer === undefined && !stopped) {
        timer = setTimeout(() => void flush(), intervalMs);
        (timer as { unref?: () => void }).unref?.();
      }
    },
    flush,
    async stop() {
      stopped = true;
      await flush();
    },
    pending: () => queue.length,
  };
}
