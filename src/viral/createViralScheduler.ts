import type { Store } from '../db/store.ts';
import type { Logger } from '../support/logger.ts';
import { sweepViral } from './sweepViral.ts';

/** The Node host's in-process viral sweep: runs every intervalMs, never two at once; stop() waits for a running one. */
export interface ViralScheduler {
  start(): void;
  stop(): Promise<void>;
  /** Run a sweep now (or join the one in progress). */
  runOnce(): Promise<void>;
}

/** Build the scheduler; Workers use their cron trigger instead (src/worker.ts). */
export function createViralScheduler(store: Store, logger: Logger, intervalMs: number): ViralScheduler {
  let timer: ReturnType<typeof setInterval> | null = null;
  let running: Promise<void> | null = null;
  const runOnce = (): Promise<void> => {
    running ??= sweepViral(store, logger).then(() => {
      running = null;
    });
    return running;
  };
  return {
    start() {
      if (timer !== null) return;
      timer = setInterval(() => void runOnce(), intervalMs);
      timer.unref?.();
    },
    async stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      if (running) await running;
    },
    runOnce,
  };
}
