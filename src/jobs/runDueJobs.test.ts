import { describe, expect, it } from 'vitest';
import { silentLogger } from '../support/logger.ts';
import type { Job } from './job.ts';
import { runDueJobs, selectDueJobs } from './runDueJobs.ts';

const job = (name: string, everySeconds: number, run: Job['run'] = async () => undefined): Job => ({
  name,
  everySeconds,
  run,
});

describe('selectDueJobs', () => {
  const jobs = [job('drain', 5), job('sweep', 60), job('prune', 600), job('hourly', 3600)];
  it('runs jobs of at most one tick every tick, longer ones in the tick their period begins', () => {
    const names = (ms: number) => selectDueJobs(jobs, ms, 60).map((j) => j.name);
    expect(names(Date.UTC(2026, 10, 30, 10, 0, 0))).toEqual(['drain', 'sweep', 'prune', 'hourly']);
    expect(names(Date.UTC(2026, 10, 30, 10, 10, 0))).toEqual(['drain', 'sweep', 'prune']);
    expect(names(Date.UTC(2026, 10, 30, 10, 10, 59))).toEqual(['drain', 'sweep', 'prune']);
    expect(names(Date.UTC(2026, 10, 30, 10, 11, 0))).toEqual(['drain', 'sweep']);
    // A cron trigger that fires a few seconds late still runs the period's job once.
    expect(names(Date.UTC(2026, 10, 30, 11, 0, 7))).toEqual(['drain', 'sweep', 'prune', 'hourly']);
  });
});

describe('runDueJobs', () => {
  it('runs due jobs side by side; one failing or over budget does not stop the others', async () => {
    const ran: string[] = [];
    let aborted = false;
    const jobs = [
      job('fails', 5, async () => {
        throw new Error('boom');
      }),
      job(
        'slow',
        5,
        (signal) =>
          new Promise<void>((resolve) =>
            signal.addEventListener('abort', () => {
              aborted = true;
              resolve();
            }),
          ),
      ),
      job('ok', 5, async () => void ran.push('ok')),
      { ...job('exclusive', 5, async () => void ran.push('exclusive')), exclusive: true },
    ];
    await runDueJobs(jobs, {
      scheduledTime: Date.now(),
      tickSeconds: 60,
      budgetMs: 50,
      holder: 'worker-a',
      leases: { claimJobLease: async () => false },
      logger: silentLogger,
    });
    expect(ran).toEqual(['ok']);
    expect(aborted).toBe(true);
  });
});
