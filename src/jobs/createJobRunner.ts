import { randomBytes } from 'node:crypto';
import type { JobRunResult, Metrics } from '../metrics/metrics.ts';
import { errorFields, type Logger } from '../support/logger.ts';
import type { Job, JobLeases } from './job.ts';

/** The Node host's runner of the background jobs. */
export interface JobRunner {
  holder: string;
  /** Run every job now, then every `everySeconds` after each run ends (runs of one job never overlap). */
  start(): void;
  /** Run one job now (or join its run in progress); resolves when it ends. For start-up steps and tests. */
  runNow(name: string): Promise<void>;
  /** Stop scheduling, abort runs in progress and wait for them to end. */
  stop(): Promise<void>;
}

interface Slot {
  job: Job;
  timer: ReturnType<typeof setTimeout> | null;
  running: Promise<void> | null;
}

/** One runner for every job on the Node host: a timer per job, never two runs of a job at once, exclusive jobs only
 * when this instance takes their lease (so several processes share a database without running a sweep twice per
 * period), failures logged with the job's name and retried next period. */
export function createJobRunner(
  jobs: readonly Job[],
  options: {
    logger: Logger;
    leases: JobLeases;
    holder?: string;
    /** Counts runs, failures and durations per job, and the time since each last succeeded (GET /metrics). */
    metrics?: Pick<Metrics, 'jobRun'>;
  },
): JobRunner {
  const { logger, leases } = options;
  const holder = options.holder ?? `node-${randomBytes(4).toString('hex')}`;
  const stopping = new AbortController();
  const slots = new Map<string, Slot>();
  for (const job of jobs) {
    if (slots.has(job.name)) throw new Error(`two jobs are named ${job.name}`);
    slots.set(job.name, { job, timer: null, running: null });
  }
  let started = false;

  const runSlot = (slot: Slot): Promise<void> => {
    slot.running ??= (async () => {
      const { job } = slot;
      const started = performance.now();
      let result: JobRunResult = 'failed';
      try {
        if (job.exclusive === true && !(await leases.claimJobLease(job.name, holder, job.everySeconds))) {
          result = 'skipped';
          return;
        }
        await job.run(stopping.signal);
        result = 'ok';
      } catch (error) {
        if (!stopping.signal.aborted)
          logger.error('job failed; it runs again next period', { job: job.name, ...errorFields(error) });
      } finally {
        options.metrics?.jobRun(job.name, result, (performance.now() - started) / 1000);
      }
    })().finally(() => {
      slot.running = null;
      schedule(slot);
    });
    return slot.running;
  };

  const schedule = (slot: Slot): void => {
    if (!started || stopping.signal.aborted) return;
    if (slot.timer !== null) clearTimeout(slot.timer);
    slot.timer = setTimeout(() => {
      slot.timer = null;
      void runSlot(slot);
    }, slot.job.everySeconds * 1000);
    slot.timer.unref?.();
  };

  return {
    holder,
    start() {
      if (started) return;
      started = true;
      for (const slot of slots.values()) void runSlot(slot);
    },
    runNow(name) {
      const slot = slots.get(name);
      if (slot === undefined) return Promise.reject(new Error(`no job named ${name}`));
      return runSlot(slot);
    },
    async stop() {
      stopping.abort(new Error('the server is stopping'));
      for (const slot of slots.values()) {
        if (slot.timer !== null) clearTimeout(slot.timer);
        slot.timer = null;
      }
      await Promise.all([...slots.values()].map((slot) => slot.running));
    },
  };
}
