import { describe, expect, it } from 'vitest';
import { createLogger, type Logger, silentLogger } from '../support/logger.ts';
import { createJobRunner } from './createJobRunner.ts';
import type { Job, JobLeases } from './job.ts';

const freeLeases: JobLeases = { claimJobLease: async () => true };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function recordingLogger(): Logger & { errors: Record<string, unknown>[] } {
  const errors: Record<string, unknown>[] = [];
  return { ...createLogger('silent'), error: (_msg, fields) => void errors.push(fields ?? {}), errors };
}

describe('createJobRunner', () => {
  it('runs each job at start and again every period after its run ends, never two runs of a job at once', async () => {
    let active = 0;
    let most = 0;
    let runs = 0;
    const slow: Job = {
      name: 'slow',
      everySeconds: 0.02,
      async run() {
        active++;
        most = Math.max(most, active);
        runs++;
        await sleep(30);
        active--;
      },
    };
    const runner = createJobRunner([slow], { logger: silentLogger, leases: freeLeases });
    runner.start();
    await Promise.all([runner.runNow('slow'), runner.runNow('slow'), sleep(200)]);
    await runner.stop();
    expect(most).toBe(1);
    expect(runs).toBeGreaterThanOrEqual(3);
    const after = runs;
    await sleep(100);
    expect(runs).toBe(after);
  });

  it('logs a failing run with the job name and runs the job again next period', async () => {
    const logger = recordingLogger();
    let calls = 0;
    const flaky: Job = {
      name: 'flaky',
      everySeconds: 0.01,
      async run() {
        calls++;
        if (calls === 1) throw new Error('database down');
      },
    };
    const runner = createJobRunner([flaky], { logger, leases: freeLeases });
    runner.start();
    await sleep(100);
    await runner.stop();
    expect(calls).toBeGreaterThan(1);
    expect(logger.errors[0]).toMatchObject({ job: 'flaky', error: 'database down' });
  });

  it('runs an exclusive job only when this instance takes its lease for one period', async () => {
    const asked: [string, string, number][] = [];
    let free = false;
    const leases: JobLeases = {
      claimJobLease: async (name, holder, seconds) => {
        asked.push([name, holder, seconds]);
        return free;
      },
    };
    let runs = 0;
    const sweep: Job = { name: 'sweep', everySeconds: 30, exclusive: true, run: async () => void runs++ };
    const shared: Job = { name: 'shared', everySeconds: 30, run: async () => void runs++ };
    const runner = createJobRunner([sweep, shared], { logger: silentLogger, leases, holder: 'node-a' });
    await runner.runNow('sweep');
    await runner.runNow('shared');
    expect(runs).toBe(1);
    free = true;
    await runner.runNow('sweep');
    expect(runs).toBe(2);
    expect(asked).toEqual([
      ['sweep', 'node-a', 30],
      ['sweep', 'node-a', 30],
    ]);
    await runner.stop();
  });

  it('aborts running jobs on stop and waits for them to end', async () => {
    let aborted = false;
    const long: Job = {
      name: 'long',
      everySeconds: 60,
      run: (signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve();
          });
        }),
    };
    const runner = createJobRunner([long], { logger: silentLogger, leases: freeLeases });
    runner.start();
    await sleep(10);
    await runner.stop();
    expect(aborted).toBe(true);
  });

  it('reports every run to metrics with its result: ok, failed, and skipped when another instance holds the lease', async () => {
    const runs: [string, string][] = [];
    const metrics = { jobRun: (job: string, result: string) => void runs.push([job, result]) };
    const jobs: Job[] = [
      { name: 'fine', everySeconds: 60, async run() {} },
      {
        name: 'broken',
        everySeconds: 60,
        async run() {
          throw new Error('boom');
        },
      },
      { name: 'leased', everySeconds: 60, exclusive: true, async run() {} },
    ];
    const leases: JobLeases = { claimJobLease: async (name) => name !== 'leased' };
    const runner = createJobRunner(jobs, { logger: recordingLogger(), leases, metrics });
    await Promise.all(jobs.map((job) => runner.runNow(job.name)));
    await runner.stop();
    expect(runs.sort()).toEqual([
      ['broken', 'failed'],
      ['fine', 'ok'],
      ['leased', 'skipped'],
    ]);
  });

  it('refuses two jobs with one name and an unknown name', async () => {
    const job: Job = { name: 'a', everySeconds: 1, run: async () => undefined };
    expect(() => createJobRunner([job, job], { logger: silentLogger, leases: freeLeases })).toThrow(/two jobs/);
    const runner = createJobRunner([job], { logger: silentLogger, leases: freeLeases });
    await expect(runner.runNow('b')).rejects.toThrow(/no job named b/);
  });
});
