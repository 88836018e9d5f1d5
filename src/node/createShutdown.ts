import type { Server } from 'node:http';
import { errorFields, type Logger } from '../support/logger.ts';

/** One step of the shutdown, run after the one before it has ended. */
export interface ShutdownStep {
  name: string;
  run(): Promise<void> | void;
}

export interface ShutdownOptions {
  steps: readonly ShutdownStep[];
  /** The whole shutdown's bound: past it the process exits 1, naming the step that hung. */
  deadlineMs: number;
  logger: Logger;
  exit(code: number): void;
}

/** The Node host's shutdown: runs `steps` in order once (a second signal only logs), logs and goes past a step that
 * throws, exits 0 when every step has ended, and exits 1 at `deadlineMs` if one hangs. */
export function createShutdown(options: ShutdownOptions): (signal: string) => Promise<void> {
  const { logger } = options;
  let started = false;
  return async (signal) => {
    if (started) {
      logger.warn('already shutting down', { signal });
      return;
    }
    started = true;
    logger.info('shutting down', { signal, deadlineMs: options.deadlineMs });
    let current = '';
    let done = false;
    const deadline = setTimeout(() => {
      if (done) return;
      done = true;
      logger.error('shutdown deadline passed; exiting', { step: current, deadlineMs: options.deadlineMs });
      options.exit(1);
    }, options.deadlineMs);
    for (const step of options.steps) {
      if (done) return;
      current = step.name;
      try {
        await step.run();
      } catch (error) {
        logger.error('shutdown step failed', { step: step.name, ...errorFields(error) });
      }
    }
    clearTimeout(deadline);
    if (done) return;
    done = true;
    logger.info('shut down', { signal });
    options.exit(0);
  };
}

/** Stop accepting connections and let requests in progress finish: idle keep-alive connections are closed at once
 * and as they go idle, every connection still open after `graceMs` is closed. Resolves when the server has closed. */
export function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    const grace = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(grace);
      resolve();
    });
    server.closeIdleConnections();
  });
}
