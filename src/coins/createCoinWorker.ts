import { randomBytes } from 'node:crypto';
import { holdLease } from '../jobs/holdLease.ts';
import { errorFields, type Logger } from '../support/logger.ts';
import { type ChainProbeResult, createChainProbe } from '../trading/createChainProbe.ts';
import type { ClaimedJob } from '../viral/types.ts';
import type { CoinChain } from './createCoinChain.ts';
import type { CoinStore } from './createCoinStore.ts';
import {
  type CoinFaults,
  type CoinJobContext,
  type CoinJobOutcome,
  createPerformanceCoin,
} from './createPerformanceCoin.ts';

/** Options of the coin worker. `chain` is null when BASE_RPC_URL / PLATFORM_PRIVATE_KEY are missing: jobs then
 * wait with `unconfiguredReason`, nothing is lost. */
export interface CoinWorkerOptions {
  store: CoinStore;
  logger: Logger;
  chain: CoinChain | null;
  unconfiguredReason?: string;
  publicUrl: string;
  workerId?: string;
  /** Lease per claimed job (s), renewed every third of it while the job runs (holdLease), so it may be far shorter
   * than a create + receipt wait: a worker that dies lets its job be recovered within this long. Default 15. */
  leaseSeconds?: number;
  /** Jobs per run, claimed one at a time. Default 5. */
  batch?: number;
  faults?: CoinFaults;
  tuning?: Pick<CoinJobContext, 'maxRevertAttempts' | 'receiptTimeoutMs' | 'lookbackBlocks' | 'waitSeconds'>;
}

/** The coin-creation worker, run as the `coin-creation` job (src/createGigaVibe.ts): never two runs at once. */
export interface CoinWorker {
  workerId: string;
  /** Wait for a run in progress to end. */
  stop(): Promise<void>;
  /** Claim and process due jobs now (or join the run in progress). */
  runOnce(): Promise<CoinJobOutcome[]>;
}

/** Build the coin worker: claims due jobs one at a time (FOR UPDATE SKIP LOCKED, so several workers are safe) and
 * runs each through createPerformanceCoin while holding its short lease (holdLease renews it; a lost lease aborts the
 * job before its next side effect), one after another, so one process never races itself for a nonce. */
export function createCoinWorker(options: CoinWorkerOptions): CoinWorker {
  const { store, logger, chain } = options;
  const workerId = options.workerId ?? `coin-${randomBytes(4).toString('hex')}`;
  const leaseSeconds = options.leaseSeconds ?? 15;
  let running: Promise<CoinJobOutcome[]> | null = null;
  // Asked once per run that claimed jobs, before the Zora API: a job whose chain is down must say so, not report
  // whatever fails first (offline, that is the API call).
  const probeChain =
    chain === null
      ? null
      : createChainProbe({ client: chain.publicClient, rpcUrl: chain.rpcUrl, timeoutMs: 5000, cacheSeconds: 0 });

  const processJob = async (job: ClaimedJob, reached: ChainProbeResult | null): Promise<CoinJobOutcome> => {
    if (reached !== null && !reached.reachable) {
      const { error } = reached;
      const released = await store.retryViralJob(job.id, error, { worker: workerId });
      return released.ok ? { kind: 'retry', error } : { kind: 'lease_lost', step: 'release' };
    }
    if (chain === null) {
      const reason = options.unconfiguredReason ?? 'coin creation is not configured';
      const waited = await store.retryViralJob(job.id, reason, { waitSeconds: 60, worker: workerId });
      return waited.ok ? { kind: 'waiting', reason } : { kind: 'lease_lost', step: 'release' };
    }
    try {
      return await holdLease(
        {
          leaseSeconds,
          renew: () => store.renewViralJobLease(job.id, workerId, leaseSeconds),
          logger,
          fields: { job: job.id, castHash: job.castHash },
        },
        (signal) =>
          createPerformanceCoin(job, {
            store,
            logger,
            chain,
            workerId,
            publicUrl: options.publicUrl,
            signal,
            ...(options.faults ? { faults: options.faults } : {}),
            ...options.tuning,
          }),
      );
    } catch (error) {
      // Unknown state (a crash in all but name): the lease is no longer renewed, and once it expires the job is
      // claimed as a recovery, which inspects the chain before anything is sent again.
      logger.error('coin job crashed; it will be recovered when its lease expires', {
        job: job.id,
        ...errorFields(error),
      });
      return { kind: 'lease_lost', step: 'crashed' };
    }
  };

  const processAll = async (): Promise<CoinJobOutcome[]> => {
    const outcomes: CoinJobOutcome[] = [];
    let reached: ChainProbeResult | null = null;
    for (let i = 0; i < (options.batch ?? 5); i++) {
      // One job per claim: a claimed job's short lease is renewed only while it runs, so none waits leased.
      const [job] = await store.claimViralJobs(workerId, 1, leaseSeconds);
      if (job === undefined) break;
      if (reached === null && probeChain !== null) {
        reached = await probeChain();
        if (!reached.reachable) {
          logger.warn('coin jobs retried later: the chain is unreachable', { error: reached.error });
        }
      }
      outcomes.push(await processJob(job, reached));
    }
    return outcomes;
  };

  const runOnce = (): Promise<CoinJobOutcome[]> => {
    running ??= processAll()
      .catch((error: unknown) => {
        logger.error('coin worker run failed', errorFields(error));
        return [];
      })
      .finally(() => {
        running = null;
      });
    return running;
  };

  return {
    workerId,
    async stop() {
      if (running) await running;
    },
    runOnce,
  };
}
