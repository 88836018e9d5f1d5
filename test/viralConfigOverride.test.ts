import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';

/** VIRAL_SCORE_THRESHOLD lasts while it is set (issue: a threshold set once stuck in the data directory after a
 * later plain start). Every start, and every viral sweep, calls apply_viral_config with the variable or null. */
describe.each(databaseTargets())('VIRAL_SCORE_THRESHOLD override lifetime on $name', (target: DatabaseTarget) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await target.create();
  });
  afterAll(async () => {
    await db?.close();
  });

  const threshold = async () =>
    (await db.sql.query<{ t: number }>('select threshold as t from public.viral_params'))[0]?.t;
  const changes = async () =>
    (await db.sql.query<{ n: number }>('select count(*)::int as n from public.viral_param_changes'))[0]?.n ?? 0;

  it('restores the replaced threshold when the variable is unset, across several overriding starts', async () => {
    await db.stores.viral.setViralParams({ threshold: 120 }, 'ops@example');
    await db.stores.viral.applyViralConfig(10);
    await db.stores.viral.applyViralConfig(12);
    expect(await threshold()).toBe(12);
    const restored = await db.stores.viral.applyViralConfig(null);
    expect(restored).toMatchObject({ threshold: 120, updated_by: 'config:VIRAL_SCORE_THRESHOLD unset' });
    const n = await changes();
    await db.stores.viral.applyViralConfig(null);
    await db.stores.viral.applyViralConfig(null);
    expect(await changes()).toBe(n);
    expect(await threshold()).toBe(120);
  });

  it("keeps the override through other parameters' changes, and restores the threshold afterwards", async () => {
    await db.stores.viral.setViralParams({ threshold: 150 }, 'ops@example');
    await db.stores.viral.applyViralConfig(9);
    await db.stores.viral.setViralParams({ min_unique_engagers: 7 }, 'ops@example');
    expect(await threshold()).toBe(9);
    await db.stores.viral.applyViralConfig(null);
    expect(await threshold()).toBe(150);
    await db.stores.viral.setViralParams({ min_unique_engagers: 10 }, 'test');
  });

  it('never undoes a threshold someone set after the override', async () => {
    await db.stores.viral.applyViralConfig(5);
    await db.stores.viral.setViralParams({ threshold: 60 }, 'ops@example');
    await db.stores.viral.applyViralConfig(null);
    expect(await threshold()).toBe(60);
  });
});
