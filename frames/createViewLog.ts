import type { FrameViewRecord } from '../src/farcaster/frameActionRecord.ts';
import type { Logger } from '../src/support/logger.ts';
import { errorFields } from '../src/support/logger.ts';

/** Batches unsigned frame/image GETs into the frame store's `recordFrameViews` calls (analytics only). */
export interface ViewLog {
  /** Queue one view; never throws, never waits for the database. */
  record(view: FrameViewRecord): void;
  /** Write everything queued so far (waits for a write already in progress too). */
  flush(): Promise<void>;
  /** Stop the timer and flush (shutdown); later records are written by explicit flushes only. */
  stop(): Promise<void>;
  /** Views (summed counts) queued and not yet written. */
  pending(): number;
}

export interface ViewLogOptions {
  write: (views: FrameViewRecord[]) => Promise<unknown>;
  logger: Logger;
  /** Flush this long after the first queued view (default 1000 ms). */
  intervalMs?: number;
  /** Flush as soon as this many (cast, kind) records are queued (default 500). */
  batchSize?: number;
  /** Drop the oldest records beyond this many queued, e.g. while the database is down (default 20,000). */
  maxPending?: number;
}

/** Build the view log. Views of one cast and kind within a flush window become one record with a count (a viral
 * burst of cached image GETs is thousands per second: one row each would cost the database and the event loop
 * more than serving them). One write at a time; a failed write is logged and its views dropped (they are
 * analytics, and a request must never fail or wait because of them). */
export function createViewLog(options: ViewLogOptions): ViewLog {
  const intervalMs = options.intervalMs ?? 1000;
  const batchSize = options.batchSize ?? 500;
  const maxPending = options.maxPending ?? 20_000;
  let queue = new Map<string, FrameViewRecord & { count: number }>();
  let queued = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing: Promise<void> = Promise.resolve();
  let stopped = false;
  let dropped = 0;

  const writeBatches = async () => {
    while (queue.size > 0) {
      const all = [...queue.values()];
      const batch = all.slice(0, batchSize);
      queue = new Map(all.slice(batch.length).map((v) => [`${v.castHash}|${v.kind}`, v]));
      const views = batch.reduce((n, v) => n + v.count, 0);
      queued -= views;
      try {
        await options.write(batch);
      } catch (error) {
        options.logger.warn('frame views not recorded', { views, ...errorFields(error) });
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
      const key = `${view.castHash}|${view.kind}`;
      const seen = queue.get(key);
      const count = view.count ?? 1;
      queued += count;
      if (seen !== undefined) seen.count += count;
      else queue.set(key, { ...view, count });
      if (queue.size > maxPending) {
        const [oldestKey, oldest] = queue.entries().next().value as [string, { count: number }];
        queue.delete(oldestKey);
        queued -= oldest.count;
        dropped += oldest.count;
      }
      if (queue.size >= batchSize) {
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
    pending: () => queued,
  };
}
