import { describe, expect, it } from 'vitest';
import { silentLogger } from '../support/logger.ts';
import { chainIndexerJob } from './chainIndexerJob.ts';
import type { MarketStore } from './createMarketStore.ts';

const deps = {
  store: {} as MarketStore,
  leases: { claimJobLease: async () => false },
  logger: silentLogger,
  holder: 'indexer-test',
  kind: 'node' as const,
};

describe('chainIndexerJob', () => {
  it('is skipped, with why, without a chain RPC', () => {
    const out = chainIndexerJob({ chainId: 8453, rpcUrl: undefined, confirmations: 10, blockRange: 2000 }, deps);
    expect(out).toEqual({ skipped: { name: 'chain-indexer', reason: expect.stringContaining('BASE_RPC_URL') } });
  });

  it('runs every second and does nothing while another instance holds the lease', async () => {
    const out = chainIndexerJob(
      { chainId: 8453, rpcUrl: 'http://127.0.0.1:9', confirmations: 10, blockRange: 2000 },
      deps,
    );
    if (!('job' in out)) throw new Error('expected a job');
    expect(out.job).toMatchObject({ name: 'chain-indexer', everySeconds: 1 });
    expect(out.job.exclusive).toBeUndefined();
    // Not the leader: no chain read is attempted (the RPC above refuses connections).
    await expect(out.job.run(new AbortController().signal)).resolves.toBeUndefined();
  });
});
