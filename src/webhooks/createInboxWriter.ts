import type { InboxDelivery, IngestStore } from './createIngestStore.ts';

export interface InboxWriter {
  /** Commit one delivery to the inbox; resolves true if it was new, false for a byte-identical redelivery. */
  write(delivery: InboxDelivery): Promise<boolean>;
  /** Wait for every accepted write to finish. */
  flush(): Promise<void>;
  /** Inserts are queued or in flight right now (acknowledgements are waiting on the database). */
  busy(): boolean;
}

interface Pending {
  delivery: InboxDelivery;
  resolve: (stored: boolean) => void;
  reject: (error: unknown) => void;
}

/** Group commit for the inbox: concurrent deliveries are written by one multi-row insert, so a burst costs a few
 * round trips and fsyncs instead of one per event. An idle writer flushes on the next macrotask (no timer); while
 * `maxInFlight` inserts run, new deliveries wait and go out together in the next one. Every promise resolves only
 * after its row is committed. */
export function createInboxWriter(
  store: Pick<IngestStore, 'ingestDeliveries'>,
  options: { maxBatch?: number; maxInFlight?: number; onStored?: () => void } = {},
): InboxWriter {
  const maxBatch = options.maxBatch ?? 500;
  const maxInFlight = options.maxInFlight ?? 4;
  let queue: Pending[] = [];
  let inFlight = 0;
  let idle: (() => void)[] = [];

  let scheduled = false;
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    // One macrotask later: requests whose bytes already arrived join this insert. On the embedded database a query
    // completes without yielding to I/O, so flushing inline would commit every delivery alone.
    setImmediate(() => {
      scheduled = false;
      pump();
    });
  };

  const pump = (): void => {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(maxBatch);
      inFlight++;
      store
        .ingestDeliveries(batch.map((p) => p.delivery))
        .then(
          (stored) => {
            const seen = new Set<string>();
            for (const p of batch) {
              // Within one batch, only the first copy of a body counts as new.
              const isNew = stored.has(p.delivery.sha256) && !seen.has(p.delivery.sha256);
              seen.add(p.delivery.sha256);
              p.resolve(isNew);
            }
            options.onStored?.();
          },
          (error: unknown) => {
            for (const p of batch) p.reject(error);
          },
        )
        .finally(() => {
          inFlight--;
          schedule();
          if (inFlight === 0 && queue.length === 0) {
            const waiters = idle;
            idle = [];
            for (const w of waiters) w();
          }
        });
    }
  };

  return {
    write(delivery) {
      return new Promise<boolean>((resolve, reject) => {
        queue.push({ delivery, resolve, reject });
        schedule();
      });
    },
    flush() {
      if (inFlight === 0 && queue.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idle.push(resolve));
    },
    busy: () => inFlight > 0 || queue.length > 0,
  };
}
