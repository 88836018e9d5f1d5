import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { castCreated, castDeleted, castHash, performanceCast, reaction, user } from '../scripts/neynarPayloads.ts';
import { pruneRawEvents } from '../src/analytics/pruneRawEvents.ts';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';
import { metricsOf, type TestApp, testApp } from './support/testApp.ts';

const HOUR = 3_600_000;
const artist = user(4001);

interface Bucket {
  start: string;
  likes: number;
  recasts: number;
  replies: number;
  views: number;
  buys: number;
  sells: number;
  volumeWei: string;
  holders: number;
}
interface Analytics {
  castHash: string;
  bucket: string;
  from: string;
  to: string;
  buckets: Bucket[];
  totals: Record<string, number>;
  funnel: Record<string, number>;
}

const sum = (buckets: Bucket[], key: 'likes' | 'recasts' | 'replies' | 'views') =>
  buckets.reduce((total, b) => total + b[key], 0);

describe.each(databaseTargets())('analytics on $name', (target: DatabaseTarget) => {
  let db: TestDatabase;
  let app: TestApp;
  const song = castHash(1, 'a');
  const other = castHash(2, 'a');
  const now = Date.now();

  beforeAll(async () => {
    db = await target.create();
    app = testApp(db);
    await app.deliver(performanceCast(song, artist, now - 2 * HOUR));
    await app.deliver(performanceCast(other, artist, now - HOUR));
    // 6 likes, one taken back, a duplicate delivery, an out-of-order unlike older than its like, 2 recasts, 2 replies
    // (one then deleted), and an early like on a cast that is not a performance.
    for (let k = 0; k < 6; k++) {
      await app.deliver(reaction({ kind: 'created', type: 1, castHash: song, reactor: user(100 + k), at: now - k }));
    }
    await app.deliver(reaction({ kind: 'created', type: 1, castHash: song, reactor: user(100), at: now }));
    await app.deliver(reaction({ kind: 'deleted', type: 1, castHash: song, reactor: user(101), at: now + 5 }));
    await app.deliver(reaction({ kind: 'deleted', type: 1, castHash: song, reactor: user(102), at: now - 60_000 }));
    await app.deliver(reaction({ kind: 'created', type: 2, castHash: song, reactor: user(103), at: now }));
    await app.deliver(reaction({ kind: 'created', type: 2, castHash: song, reactor: user(104), at: now }));
    const reply1 = castHash(11, 'b');
    const reply2 = castHash(12, 'b');
    await app.deliver(castCreated({ hash: reply1, author: user(105), parentHash: song, at: now }));
    await app.deliver(castCreated({ hash: reply2, author: user(106), parentHash: song, at: now }));
    await app.deliver(castDeleted(reply2, { parentHash: song, at: now + 10 }));
    await app.deliver(reaction({ kind: 'created', type: 1, castHash: other, reactor: user(107), at: now }));
    await app.drainer.drain();
  });
  afterAll(async () => {
    await db.close();
  });

  const analytics = async (query: string) => {
    const res = await app.get(`/api/performances/${song}/analytics${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as Analytics;
  };

  it('sums of the hourly rollups equal the exact counters after duplicates, removals and reordering', async () => {
    const metrics = await metricsOf(app, song);
    expect(metrics).toEqual({ likes: 5, recasts: 2, replies: 1, views: 0 });
    const result = await analytics('?bucket=hour');
    expect(result.buckets).toHaveLength(48);
    expect({
      likes: sum(result.buckets, 'likes'),
      recasts: sum(result.buckets, 'recasts'),
      replies: sum(result.buckets, 'replies'),
      views: sum(result.buckets, 'views'),
    }).toEqual(metrics);
    expect(result.totals).toEqual(metrics);
    // Everything was counted in this hour (the hour the server counted it).
    const thisHour = new Date(Math.floor(Date.now() / HOUR) * HOUR).getTime();
    const nonEmpty = result.buckets.filter((b) => b.likes !== 0 || b.recasts !== 0 || b.replies !== 0);
    expect(nonEmpty.map((b) => Date.parse(b.start))).toEqual([thisHour]);
    // Likers 100, 102-105 (101 took it back; 102's unlike is older than its like); recasters and the
    // remaining replier are among them; the deleted reply's author is not.
    expect(result.funnel).toEqual({ viewers: 0, engagers: 5, buyers: 0 });
  });

  it('groups hours into UTC days, fills empty buckets with zeros and keeps holders as a running sum', async () => {
    // Hand-placed rollup rows (what the trade trigger writes): two days apart, with holder changes.
    const day = Date.UTC(2026, 9, 1);
    const add = (at: number, likes: number, holders: number) =>
      db.sql.query(`select public.add_performance_activity($1, $2, $3, 0, 0, 0, 1, 0, 1000, $4)`, [
        other,
        new Date(at).toISOString(),
        likes,
        holders,
      ]);
    await add(day + 1 * HOUR, 3, 2);
    await add(day + 5 * HOUR, 4, 1);
    await add(day + 2 * 24 * HOUR + 23 * HOUR, 1, -1);
    const res = await app.get(
      `/api/performances/${other}/analytics?bucket=day&from=${new Date(day).toISOString()}&to=${new Date(day + 4 * 24 * HOUR).toISOString()}`,
    );
    expect(res.status).toBe(200);
    const body = res.body as Analytics;
    expect(body.buckets.map((b) => [b.start.slice(0, 10), b.likes, b.buys, b.volumeWei, b.holders])).toEqual([
      ['2026-10-01', 7, 2, '2000', 3],
      ['2026-10-02', 0, 0, '0', 3],
      ['2026-10-03', 1, 1, '1000', 2],
      ['2026-10-04', 0, 0, '0', 2],
    ]);
    // A window that starts later carries the holders from before it.
    const later = await app.get(
      `/api/performances/${other}/analytics?bucket=hour&from=${new Date(day + 2 * 24 * HOUR + 22 * HOUR).toISOString()}&to=${new Date(day + 3 * 24 * HOUR).toISOString()}`,
    );
    expect((later.body as Analytics).buckets.map((b) => [b.likes, b.holders])).toEqual([
      [0, 3],
      [1, 2],
    ]);
  });

  it('refuses bad windows and parameters with a short 400, unknown casts and fids with 404', async () => {
    const bad = [
      '?bucket=week',
      '?from=yesterday',
      '?to=1',
      '?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z',
      '?bucket=hour&from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z',
      '?bucket=day&from=2020-01-01T00:00:00Z&to=2026-03-01T00:00:00Z',
      '?limit=5',
    ];
    for (const query of bad) {
      const res = await app.get(`/api/performances/${song}/analytics${query}`);
      expect(res.status, query).toBe(400);
      expect(Object.keys(res.body as object)).toEqual(['error']);
    }
    expect((await app.get('/api/performances/0x12/analytics')).status).toBe(400);
    expect((await app.get(`/api/performances/${castHash(99, 'e')}/analytics`)).status).toBe(404);
    for (const fid of ['0', '-1', 'abc', '99999999999999999999', '1.5']) {
      expect((await app.get(`/api/artists/${fid}/analytics`)).status, fid).toBe(400);
    }
    expect((await app.get('/api/artists/999999/analytics')).status).toBe(404);
  });

  it("sums an artist's performances and lists each one's totals", async () => {
    const res = await app.get('/api/artists/4001/analytics?bucket=hour');
    expect(res.status).toBe(200);
    const body = res.body as Analytics & { performances: { castHash: string; likes: number }[] };
    expect(body.totals).toEqual({ performances: 2, likes: 6, recasts: 2, replies: 1, views: 0 });
    expect(body.performances.map((p) => [p.castHash, p.likes])).toEqual([
      [other, 1],
      [song, 5],
    ]);
    expect(sum(body.buckets, 'likes')).toBe(6);
  });

  it('ranks the trending feed by decayed viral-weighted recent engagement, with stable pages', async () => {
    const page1 = await app.get('/api/performances?sort=trending&limit=1');
    expect(page1.status).toBe(200);
    const first = page1.body as { items: { castHash: string; trending: { points: number } }[]; nextCursor: string };
    expect(first.items.map((i) => i.castHash)).toEqual([song]);
    // song: 5 likes × 1 + 2 recasts × 2 + 1 reply × 3 in the current hour, decayed from the hour's start to `a`.
    const cursor = JSON.parse(Buffer.from(first.nextCursor, 'base64url').toString('utf8')) as { a: string };
    const hourStart = Math.floor(Date.parse(cursor.a) / HOUR) * HOUR;
    const decay = 0.5 ** ((Date.parse(cursor.a) - hourStart) / HOUR / 24);
    expect(first.items[0]?.trending.points).toBeCloseTo(12 * decay, 5);
    const page2 = await app.get(`/api/performances?sort=trending&limit=1&cursor=${first.nextCursor}`);
    const second = page2.body as { items: { castHash: string }[]; nextCursor: string | null };
    expect(second.items.map((i) => i.castHash)).toEqual([other]);
    expect(second.nextCursor).toBeNull();
    for (const bad of ['abc', Buffer.from('{"g":"x","a":"now","h":"0x1"}').toString('base64url')]) {
      expect((await app.get(`/api/performances?sort=trending&cursor=${bad}`)).status).toBe(400);
    }
    // A recent-feed cursor is not a trending cursor.
    const recent = (await app.get('/api/performances?sort=recent&limit=1')).body as { nextCursor: string };
    expect((await app.get(`/api/performances?sort=trending&cursor=${recent.nextCursor}`)).status).toBe(400);
  });

  it('retention deletes old raw rows in batches, keeps rollups and counters, and a redelivery changes nothing', async () => {
    const before = await metricsOf(app, song);
    const rollupsBefore = await db.sql.query('select * from public.performance_activity order by 1, 2');
    const [{ n: inboxTotal }] = (await db.sql.query(`select count(*)::int as n from public.webhook_inbox`)) as [
      { n: number },
    ];
    // Age every row but the last three inbox rows (and their analytics rows) by 100 days.
    await db.sql.query(`update public.webhook_inbox set received_at = now() - interval '100 days'
      where id <= (select max(id) - 3 from public.webhook_inbox)`);
    await db.sql.query(`update public.analytics_events set occurred_at = now() - interval '100 days'
      where inbox_id <= (select max(id) - 3 from public.webhook_inbox)`);
    const result = await pruneRawEvents(db.stores.analytics, { analyticsDays: 90, inboxDays: 14, batch: 4 });
    expect(result.inboxRows).toBe(inboxTotal - 3);
    const [{ n: inboxLeft }] = (await db.sql.query(`select count(*)::int as n from public.webhook_inbox`)) as [
      { n: number },
    ];
    expect(inboxLeft).toBe(3);
    const [{ n: oldAnalytics }] = (await db.sql.query(
      `select count(*)::int as n from public.analytics_events where occurred_at < now() - interval '90 days'`,
    )) as [{ n: number }];
    expect(oldAnalytics).toBe(0);
    expect(await db.sql.query('select * from public.performance_activity order by 1, 2')).toEqual(rollupsBefore);
    expect(await metricsOf(app, song)).toEqual(before);

    // The pruned deliveries come again (a late retry): stored anew, applied, and nothing moves.
    for (let k = 0; k < 6; k++) {
      await app.deliver(reaction({ kind: 'created', type: 1, castHash: song, reactor: user(100 + k), at: now - k }));
    }
    await app.deliver(reaction({ kind: 'deleted', type: 1, castHash: song, reactor: user(101), at: now + 5 }));
    await app.drainer.drain();
    expect(await metricsOf(app, song)).toEqual(before);
    expect(await db.sql.query('select * from public.performance_activity order by 1, 2')).toEqual(rollupsBefore);
    expect(await db.sql.query('select public.metric_drift() as d')).toEqual([{ d: [] }]);
  });

  it('lets the public roles read rollups of visible performances only', async () => {
    await app.deliver(castDeleted(other, { at: now + 20 }));
    await app.drainer.drain();
    const rows = await db.sql.session(async (s) => {
      await s.exec('begin; set local role anon');
      try {
        return await s.query<{ cast_hash: string }>('select distinct cast_hash from public.performance_activity');
      } finally {
        await s.exec('rollback');
      }
    });
    expect(rows.map((r) => r.cast_hash)).toEqual([song]);
  });
});
