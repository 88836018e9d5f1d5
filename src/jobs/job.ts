/** A piece of background work, the same on every host: the Node host runs it every `everySeconds` with one runner
 * (createJobRunner), a Worker from its cron trigger (runDueJobs). `run` must be safe to run on several instances at
 * once (its work leased row by row in the database) unless `exclusive` is set, which makes every host take a lease on
 * the job's name for one period first. */
export interface Job {
  /** Lower-case kebab name, unique in the list; also the lease key of an exclusive job. */
  name: string;
  everySeconds: number;
  exclusive?: boolean;
  /** One run; `signal` aborts when the host stops or the run's time budget is spent. Throwing is logged, not fatal. */
  run(signal: AbortSignal): Promise<void>;
}

/** A job this server does not run, and why (said once at start, in one place: createGigaVibe). */
export interface SkippedJob {
  name: string;
  reason: string;
}

/** Where exclusive jobs take their lease (the database: public.claim_job_lease). */
export interface JobLeases {
  claimJobLease(name: string, holder: string, seconds: number): Promise<boolean>;
}
