import { randomBytes } from 'node:crypto';
import { errorFields, type Logger } from '../support/logger.ts';
import { createChainProbe } from '../trading/createChainProbe.ts';
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
  /** Lease per claimed job (s); longer than a create + receipt wait. Default 180. */
  leaseSeconds?: number;
  /** Jobs per claim. Default 5. */
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

/** Build the coin worker: claims jobs (FOR UPDATE SKIP LOCKED, so several workers are safe) and runs each through
 * createPerformanceCoin one after another, so one process never races itself for a nonce. */
export function createCoinWorker(options: CoinWorkerOptions): CoinWorker {
  const { store, logger, chain } = options;
  const workerId = options.workerId ?? `coin-${randomBytes(4).toString('hex')}`;
  const leaseSeconds = options.leaseSeconds ?? 180;
  let running: Promise<CoinJobOutcome[]> | null = null;
  // Asked once per run that claimed jobs, before the Zora API: a job whose chain is down must say so, not report
  // whatever fails first (offline, that is the API call).
  const probeChain =
    chain === null
      ? null
      : createChainProbe({ client: chain.publicClient, rpcUrl: chain.rpcUrl, timeoutMs: 5000, cacheSeconds: 0 });

  const processAll = async (): Promise<CoinJobOutcome[]> => {
    const jobs = await store.claimViralJobs(workerId, options.batch ?? 5, leaseSeconds);
    const outcomes: CoinJobOutcome[] = [];
    const reached = jobs.length > 0 && probeChain !== null ? await probeChain() : null;
    if (reached !== null && !reached.reachable) {
      logger.warn('coin jobs retried later: the chain is unreachable', { jobs: jobs.length, error: reached.error });
      for (const job of jobs) {
        const released = await store.retryViralJob(job.id, reached.error, { worker: workerId });
        outcomes.push(released.ok ? { kind: 'retry', error: reached.error } : { kind: 'lease_lost', step: 'release' });
      }
      return outcomes;
    }
    for (const job of jobs) {
      if (chain === null) {
        const reason = options.unconfiguredReason ?? 'coin creation is not configured';
        const waited = await store.retryViralJob(job.id, reason, { waitSeconds: 60, worker: workerId });
        outcomes.push(waited.ok ? { kind: 'waiting', reason } : { kind: 'lease_lost', step: 'release' });
        continue;
      }
      try {
        outcomes.push(
          await createPerformanceCoin(job, {
            store,
            logger,
            chain,
            workerId,
            publicUrl: options.publicUrl,
            ...(options.faults ? { faults: options.faults } : {}),
            ...options.tuning,
          }),
        );
      } catch (error) {
        // Unknown state (a crash in all but name): keep the lease; once it expires the job is claimed as a
        // recovery, which inspects the chain before anything is sent again.
        logger.error('coin job crashed; it will be recovered when its lease expires', {
          job: job.id,
          ...errorFields(error),
        });
        outcomes.push({ kind: 'lease_lost', step: 'crashed' });
      }
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
