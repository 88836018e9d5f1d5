import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/loadConfig.ts';
import { createGigaVibe, type GigaVibeHost } from '../src/createGigaVibe.ts';
import { silentLogger } from '../src/support/logger.ts';
import { databaseTargets, type TestDatabase } from './support/databases.ts';

/** The core's jobs do their work on a host without metrics (Workers, tests): `metrics?.count(await run())` once
 * skipped the run itself, so on Workers no trade was ever confirmed (regression). */
describe('createGigaVibe jobs without metrics', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    const target = databaseTargets()[0];
    if (target === undefined) throw new Error('no database target');
    db = await target.create();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('the coin-creation job claims coin jobs', async () => {
    let claims = 0;
    const coins = {
      ...db.stores.coins,
      claimViralJobs: (...args: Parameters<typeof db.stores.coins.claimViralJobs>) => {
        claims++;
        return db.stores.coins.claimViralJobs(...args);
      },
    };
    const host: GigaVibeHost = {
      kind: 'node',
      stores: { ...db.stores, coins },
      logger: silentLogger,
      webhookSecrets: ['core-jobs-test-secret'],
      applyMode: 'inline',
      writer: {},
      publicUrl: null,
      fonts: [],
      randomSecret: () => 'ab'.repeat(16),
    };
    const { jobs } = createGigaVibe(loadConfig({}), host);
    const coinJob = jobs.find((job) => job.name === 'coin-creation');
    if (coinJob === undefined) throw new Error('no coin-creation job');
    await coinJob.run(new AbortController().signal);
    expect(claims).toBe(1);
  });
});
