import type { Job, JobLeases, SkippedJob } from '../jobs/job.ts';
import type { Logger } from '../support/logger.ts';
import { CHAIN_INDEXER_JOB, createChainIndexer } from './createChainIndexer.ts';
import { createIndexerChain } from './createIndexerChain.ts';
import type { MarketStore } from './createMarketStore.ts';

/** The indexer's slice of the configuration. */
export interface ChainIndexerConfig {
  chainId: number;
  rpcUrl: string | undefined;
  confirmations: number;
  blockRange: number;
}

/** The chain indexer as a job of the one job model: every second on Node (it keeps its lease between runs, so one
 * instance leads and another takes over within the lease's 6 s when it dies), and each Worker cron tick advances a
 * bounded number of steps. Without a chain RPC it is skipped, with why. */
export function chainIndexerJob(
  config: ChainIndexerConfig,
  deps: { store: MarketStore; leases: JobLeases; logger: Logger; holder: string; kind: 'node' | 'worker' },
): { job: Job } | { skipped: SkippedJob } {
  if (config.rpcUrl === undefined) {
    return { skipped: { name: CHAIN_INDEXER_JOB, reason: 'no chain RPC (BASE_RPC_URL): no market data is indexed' } };
  }
  const indexer = createChainIndexer({
    chainId: config.chainId,
    chain: createIndexerChain(config.rpcUrl),
    store: deps.store,
    leases: deps.leases,
    logger: deps.logger,
    holder: deps.holder,
    confirmations: config.confirmations,
    blockRange: config.blockRange,
    maxStepsPerRun: deps.kind === 'worker' ? 10 : 50,
  });
  return {
    job: {
      name: CHAIN_INDEXER_JOB,
      everySeconds: 1,
      async run(signal) {
        const { steps } = await indexer.runOnce(signal);
        for (const step of steps) {
          if (step.kind === 'applied' && step.trades + step.transfers > 0) deps.logger.debug('market indexed', step);
          if (step.kind === 'refused') deps.logger.info('market step refused', { reason: step.reason });
        }
      },
    },
  };
}
