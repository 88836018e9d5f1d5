import { errorFields, type Logger } from '../support/logger.ts';
import type { Job, JobLeases } from './job.ts';

/** The jobs a cron tick at `scheduledTime` should run, for a trigger firing every `tickSeconds`: every job whose
 * period is at most one tick, and each longer one in the tick where its period begins. Pure. */
export function selectDueJobs(jobs: readonly Job[], scheduledTime: number, tickSeconds: number): Job[] {
  const second = Math.floor(scheduledTime / 1000);
  return jobs.filter((job) => job.everySeconds <= tickSeconds || second % job.everySeconds < tickSeconds);
}

/** A Worker's cron tick: run the due jobs side by side within `budgetMs` (their signal aborts then), exclusive ones
 * only under their lease; a failing job is logged and does not stop the others. Resolves when all have ended. */
export async function runDueJobs(
  jobs: readonly Job[],
  options: {
    scheduledTime: number;
    tickSeconds: number;
    budgetMs: number;
    holder: string;
    leases: JobLeases;
    logger: Logger;
  },
): Promise<void> {
  const signal = AbortSignal.timeout(options.budgetMs);
  const due = selectDueJobs(jobs, options.scheduledTime, options.tickSeconds);
  await Promise.all(
    due.map(async (job) => {
      try {
        if (
          job.exclusive === true &&
          !(await options.leases.claimJobLease(job.name, options.holder, job.everySeconds))
        ) {
          return;
        }
        await job.run(signal);
      } catch (error) {
        options.logger.error('job failed; it runs again next tick', { job: job.name, ...errorFields(error) });
      }
    }),
  );
}
