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

const TRANSIENT = new Set(['40P01', '40001', '55P03', '57014']);

/** Applies committed inbox rows in batches through `apply_webhook_inbox` (claimed with SKIP LOCKED, so several
 * processes may drain at once). A failed event is marked failed in the inbox and the drain continues; a
 * deadlock or serialization failure retries the batch; an unreachable database ends the drain, and the next kick
 * or the periodic sweep resumes it. Nothing is dropped: rows stay in the inbox until applied. */
export function createInboxDrainer(
  store: Pick<IngestStore, 'applyInbox'>,
  logger: Logger,
  options: { batchSize?: number } = {},
): InboxDrainer {
  const batchSize = options.batchSize ?? 2000;
  let running: Promise<{ applied: number; failed: number }> | null = null;
  let again = false;

  const loop = async (): Promise<{ applied: number; failed: number }> => {
    let applied = 0;
    let failed = 0;
    let transientRetries = 0;
    for (;;) {
      again = false;
      let result: { applied: number; failed: number[] };
      try {
        result = await store.applyInbox(batchSize);
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
      transientRetries = 0;
      applied += result.applied;
      failed += result.failed.length;
      if (result.failed.length > 0) logger.warn('webhook event failed to apply', { inboxIds: result.failed });
      if (result.applied === 0 && result.failed.length === 0 && !again) return { applied, failed };
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
