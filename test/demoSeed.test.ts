import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../scripts/demo/seedDemo.ts';
import { PERFORMANCE_CHANNEL } from '../scripts/neynarPayloads.ts';
import { parseNeynarEvent } from '../src/webhooks/parseNeynarEvent.ts';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';

const NOW = new Date();

describe.each(databaseTargets())('demo data through the ingest path on $name', (target: DatabaseTarget) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await target.create();
    await seedDemo(db.stores.ingest, { channelUrl: PERFORMANCE_CHANNEL, now: NOW });
  });
  afterAll(async () => {
    await db?.close();
  });

  it('gives counts, viral scores and unique engagers that agree (no counter seeded by hand)', async () => {
    const lena = await db.stores.performances.getPerformance('0x00000000000000000000000000000000000d0001');
    expect(lena?.title).toBe('Reality Check (live at the pier)');
    expect(lena?.metrics).toEqual({ likes: 42, recasts: 7, replies: 5, views: 0 });
    expect(lena?.viral.score).toBeGreaterThan(0);
    // 42 likers; the recasters and repliers are among them or add to them, the artist never counts.
    expect(lena?.viral.components.uniqueEngagers.count).toBe(42);
    const mo = await db.stores.performances.getPerformance('0x00000000000000000000000000000000000d0003');
    expect(mo?.metrics).toEqual({ likes: 5, recasts: 1, replies: 0, views: 0 });
    expect(mo?.viral.score).toBeGreaterThan(0);
    expect(await db.stores.ingest.metricDrift()).toEqual([]);
    const corrections = await db.sql.query<{ n: number }>('select count(*)::int as n from public.metric_corrections');
    expect(corrections[0]?.n).toBe(0);
  });

  it('stores every delivery as the webhook would: the event is what the parser makes of the raw body', async () => {
    const rows = await db.sql.query<{ raw_body: string; event: unknown; state: string }>(
      'select raw_body, event, state from public.webhook_inbox order by id',
    );
    expect(rows.length).toBeGreaterThan(80);
    for (const row of rows) {
      expect(row.state).toBe('applied');
      const parsed = parseNeynarEvent(JSON.parse(row.raw_body), {
        performanceChannelUrl: PERFORMANCE_CHANNEL,
        receivedAt: NOW,
      });
      expect(parsed.ok && parsed.event).toEqual(row.event);
    }
  });

  it('never mints a coin paid out to a made-up address: demo artists have no wallet, so a viral demo waits', async () => {
    const lena = await db.stores.performances.getPerformance('0x00000000000000000000000000000000000d0001');
    expect(lena?.artist.walletAddress).toBeNull();
    expect(lena?.viral.score).toBeGreaterThan(lena?.viral.threshold ?? Number.POSITIVE_INFINITY);
    await db.stores.viral.sweepViral();
    const [job] = await db.stores.coins.claimViralJobs('demo-test', 10, 60);
    expect(job?.artistWalletAddress ?? null).toBeNull();
  });

  it("leaves the README's sample cast hash (0x…e0001) free for npm run send-sample", async () => {
    const seen = await db.sql.query<{ n: number }>(
      `select count(*)::int as n from public.casts_seen where cast_hash = '0x00000000000000000000000000000000000e0001'`,
    );
    expect(seen[0]?.n).toBe(0);
  });

  it('counts nothing twice when run again', async () => {
    await seedDemo(db.stores.ingest, { channelUrl: PERFORMANCE_CHANNEL, now: new Date(NOW.getTime() + 60_000) });
    const lena = await db.stores.performances.getPerformance('0x00000000000000000000000000000000000d0001');
    expect(lena?.metrics).toEqual({ likes: 42, recasts: 7, replies: 5, views: 0 });
    expect(await db.stores.ingest.metricDrift()).toEqual([]);
  });
});
