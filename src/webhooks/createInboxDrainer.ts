import { errorFields, type Logger } from '../support/logger.ts';
import type { IngestStore } from './createIngestStore.ts';

export interface InboxDrainer {
  /** Ask for a drain soon; coalesces with one already running. */
  kick(): void;
  /** Apply everything pending now; resolves when the inbox is empty (or the database is unreachable). */
  drain(): Promise<{ applied: number; failed: number }>;
  /** Wait for a running drain to finish. */
  idle(): Promise<void>;
}

/** How the drainer sizes and paces its batches. The defaults suit PostgreSQL; the embedded database (one thread,
 * shared with acknowledgements) wants shorter batches. */
export interface InboxDrainerOptions {
  /** Rows per apply call are adapted so that one call takes about this long (ms). */
  targetBatchMs?: number;
  /** Bounds of the adapted batch size, and where it starts. */
  minBatch?: number;
  maxBatch?: number;
  initialBatch?: number;
  /** True while acknowledgements wait on the database (the inbox writer has inserts queued or in flight). */
  ackBusy?: () => boolean;
  /** While acknowledgements are busy, rest this fraction of each apply call's duration before the next call, so
   * application never takes the database (or, on PGlite, the thread) from acknowledgement for long. */
  restRatio?: number;
  /** Under load (acknowledgements busy, or deliveries committed during the last call) after a batch that was not
   * full, wait at least this long (ms) so the next batch is bigger: per-batch work (counters, viral sums and checks
   * per cast) is then shared by more events. */
  lingerMs?: number;
  /** How to wait (tests observe the rests). */
  sleep?: (ms: number) => Promise<void>;
}

const TRANSIENT = new Set(['40P01', '40001', '55P03', '57014']);

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Applies committed inbox rows in batches through `apply_webhook_inbox` (claimed with SKIP LOCKED, so several
 * processes may drain at once). A failed event is marked failed in the inbox and the drain continues; a
 * deadlock or serialization failure retries the batch; an unreachable database ends the drain, and the next kick
 * or the periodic sweep resumes it. Nothing is dropped: rows stay in the inbox until applied.
 *
 * Under sustained load application runs beside acknowledgement without starving it: one apply call at a time per
 * process, a batch size adapted to the backlog and to the measured cost per event (bigger batches are cheaper per
 * event, up to `targetBatchMs` per call), and a rest between calls while acknowledgements are waiting. An idle server
 * applies at once. */
export function createInboxDrainer(
  store: Pick<IngestStore, 'applyInbox'>,
  logger: Logger,
  options: InboxDrainerOptions = {},
): InboxDrainer {
  const targetBatchMs = options.targetBatchMs ?? 250;
  const minBatch = options.minBatch ?? 50;
  const maxBatch = options.maxBatch ?? 5000;
  const restRatio = options.restRatio ?? 0.5;
  const lingerMs = options.lingerMs ?? 50;
  const ackBusy = options.ackBusy ?? (() => false);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let limit = Math.min(maxBatch, Math.max(minBatch, options.initialBatch ?? 500));
  /** Smoothed apply cost per event (ms), null until measured. */
  let msPerEvent: number | null = null;
  let running: Promise<{ applied: number; failed: number }> | null = null;
  let again = false;

  const adapt = (rows: number, ms: number): void => {
    if (rows < minBatch / 2) return; // too small to say anything about the cost per event
    const sample = ms / rows;
    msPerEvent = msPerEvent === null ? sample : 0.7 * msPerEvent + 0.3 * sample;
    limit = Math.round(Math.min(maxBatch, Math.max(minBatch, targetBatchMs / msPerEvent)));
  };

  const loop = async (): Promise<{ applied: number; failed: number }> => {
    let applied = 0;
    let failed = 0;
    let transientRetries = 0;
    for (;;) {
      again = false;
      const asked = limit;
      const started = performance.now();
      let result: { applied: number; failed: number[]; sequential?: boolean; deferred?: number };
      try {
        result = await store.applyInbox(asked, targetBatchMs);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'string' && TRANSIENT.has(code) && transientRetries < 20) {
          transientRetries++;
          await new Promise((r) => setTimeout(r, Math.min(200, 5 * 2 ** transientRetries)));
          continue;
        }
        logger.warn('inbox drain interrupted; pending events stay in the inbox', errorFields(error));
        return { applied, failed };
      }
      const ms = performance.now() - started;
      transientRetries = 0;
      applied += result.applied;
      failed += result.failed.length;
      if (result.failed.length > 0) logger.warn('webhook event failed to apply', { inboxIds: result.failed });
      if (result.sequential === true) {
        logger.warn('inbox batch applied one event at a time after an error in the set-based path', {
          applied: result.applied,
        });
      }
      adapt(result.applied, ms);
      const deferred = result.deferred ?? 0;
      if (result.applied === 0 && result.failed.length === 0 && deferred === 0 && !again) return { applied, failed };
      // Yield to the event loop before deciding: on PGlite an apply call resolves without ever reaching the poll phase,
      // so back-to-back calls would keep the server from reading requests (and would then see no acknowledgements
      // waiting). One macrotask lets arrived requests reach the inbox writer first.
      await yieldToEventLoop();
      // Under load (acknowledgements waiting, or deliveries committed while this batch was applied): rest, and after
      // a batch that was not full wait long enough for a bigger one. Otherwise a steady stream is applied one
      // delivery per call, the costliest way.
      const busy = ackBusy();
      // A batch cut short by its time budget counts as full: more is waiting.
      const full = deferred > 0 || result.applied + result.failed.length >= asked;
      if (!full && (busy || again)) await sleep(Math.max(ms * restRatio, lingerMs));
      else if (busy) await sleep(ms * restRatio);
    }
  };

  const drain = (): Promise<{ applied: number; failed: number }> => {
    if (running) {
      again = true;
      return running;
    }
    running = loop().finally(() => {
      running = null;
    });
    return running;
  };

  return {
    kick() {
      void drain();
    },
    drain,
    async idle() {
      while (running) await running;
    },
  };
}
