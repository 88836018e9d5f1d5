import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { castCreated, castDeleted, castHash, performanceCast, reaction, user } from '../scripts/neynarPayloads.ts';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';
import { deliverToStore } from './support/deliverToStore.ts';
import { testApp } from './support/testApp.ts';
import { jobsFor, setParams } from './support/viralFixtures.ts';

const DAY = 86_400_000;
const now = () => Date.now();
const artist = user(7000, { score: 0.9 });
const fan = (fid: number, score?: number) => user(fid, score === undefined ? {} : { score });

describe.each(databaseTargets())('viral detection on $name', (target: DatabaseTarget) => {
  let db: TestDatabase;
  let n = 0;
  const fresh = () => castHash(++n * 104_729, 'e');
  let fids = 10_000;
  /** Distinct fans with the given Neynar score (undefined: unknown). */
  const fans = (count: number, score?: number) => Array.from({ length: count }, () => fan(++fids, score));

  beforeAll(async () => {
    db = await target.create();
  });
  afterAll(async () => {
    await db.close();
  });

  const score = async (hash: string) => {
    const p = await db.stores.performances.getPerformance(hash);
    if (p === null) throw new Error(`no performance ${hash}`);
    return p.viral;
  };
  const likes = (hash: string, who: ReturnType<typeof fan>[], at: number) =>
    who.map((r, i) => reaction({ kind: 'created', type: 1, castHash: hash, reactor: r, at: at + i }));

  describe('public.viral_score and public.viral_quality', () => {
    it('weights engagers by Neynar score: artist 0, unknown 0.5, scaled to 1 at 0.7', async () => {
      const rows = await db.sql.query<Record<string, number>>(
        `select public.viral_quality(null, false, p) as unknown, public.viral_quality(0.9, true, p) as artist,
           public.viral_quality(0.35, false, p) as half, public.viral_quality(0.95, false, p) as full,
           public.viral_quality(0, false, p) as zero
         from public.viral_params p`,
      );
      expect(rows[0]).toEqual({ unknown: 0.5, artist: 0, half: 0.5, full: 1, zero: 0 });
    });

    it('decays by half per half-life and adds weighted components', async () => {
      const rows = await db.sql.query<{ score: number; likes: number; recasts: number; engagers: number }>(
        `select (s).score, (s).likes, (s).recasts, (s).engagers from (
           select public.viral_score(10, 4, 0, 0, 5, now() - interval '24 hours', now(), p) as s
           from public.viral_params p) x`,
      );
      const r = rows[0];
      expect(r?.likes).toBeCloseTo(5, 6);
      expect(r?.recasts).toBeCloseTo(4, 6);
      expect(r?.engagers).toBeCloseTo(5, 6);
      expect(r?.score).toBeCloseTo(14, 6);
    });
  });

  describe('maintained aggregates', () => {
    it("ignores the artist's own likes, recasts and replies", async () => {
      const hash = fresh();
      await deliverToStore(db.stores.ingest, [performanceCast(hash, artist), ...likes(hash, fans(3, 0.9), now())]);
      const before = await score(hash);
      await deliverToStore(db.stores.ingest, [
        reaction({ kind: 'created', type: 1, castHash: hash, reactor: artist, at: now() }),
        reaction({ kind: 'created', type: 2, castHash: hash, reactor: artist, at: now() }),
        castCreated({ hash: fresh(), author: artist, parentHash: hash }),
      ]);
      const after = await score(hash);
      expect(after.components.likes.count).toBe(4);
      expect(after.components.uniqueEngagers.count).toBe(3);
      expect(after.score).toBeCloseTo(before.score, 1);
      expect(after.components.uniqueEngagers.contribution).toBeCloseTo(
        before.components.uniqueEngagers.contribution,
        1,
      );
    });

    it('counts low-quality accounts less than high-quality ones', async () => {
      const good = fresh();
      const bots = fresh();
      await deliverToStore(db.stores.ingest, [performanceCast(good, artist), ...likes(good, fans(10, 0.9), now())]);
      await deliverToStore(db.stores.ingest, [performanceCast(bots, artist), ...likes(bots, fans(10, 0.07), now())]);
      const g = await score(good);
      const b = await score(bots);
      expect(g.components.likes.count).toBe(b.components.likes.count);
      expect(g.score).toBeGreaterThan(5 * b.score);
      expect(b.score).toBeGreaterThan(0);
    });

    it('lets a burst today beat the same engagement a month ago', async () => {
      const today = fresh();
      const old = fresh();
      await deliverToStore(db.stores.ingest, [
        performanceCast(today, artist),
        ...likes(today, fans(10), now() - 60_000),
      ]);
      await deliverToStore(db.stores.ingest, [
        performanceCast(old, artist, now() - 31 * DAY),
        ...likes(old, fans(10), now() - 30 * DAY),
      ]);
      const t = await score(today);
      const o = await score(old);
      expect(t.score).toBeGreaterThan(1000 * o.score);
      expect(t.components.likes.contribution).toBeCloseTo(5, 1);
    });

    it('subtracts exactly what a removed like, recast or reply added, and matches a full rebuild', async () => {
      const hash = fresh();
      const people = fans(6, 0.5);
      const replies = people.slice(0, 2).map((p) => ({ hash: fresh(), author: p }));
      await deliverToStore(db.stores.ingest, [
        performanceCast(hash, artist, now() - 3 * DAY),
        ...likes(hash, people, now() - 2 * DAY),
        ...people.map((p, i) =>
          reaction({ kind: 'created', type: 2, castHash: hash, reactor: p, at: now() - DAY + i * 1000 }),
        ),
        ...replies.map((r) => castCreated({ hash: r.hash, author: r.author, parentHash: hash, at: now() - 3_600_000 })),
      ]);
      await deliverToStore(db.stores.ingest, [
        reaction({ kind: 'deleted', type: 1, castHash: hash, reactor: people[0] ?? artist, at: now() - 1000 }),
        reaction({ kind: 'deleted', type: 2, castHash: hash, reactor: people[1] ?? artist, at: now() - 1000 }),
        castDeleted(replies[0]?.hash ?? '', { parentHash: hash }),
      ]);
      const read = () =>
        db.sql.query<Record<string, number>>(
          `select (s).score, (s).likes, (s).recasts, (s).replies, (s).engagers as e, engagers from (
             select public.viral_score(a.likes_s, a.recasts_s, a.replies_s, a.views_s, a.engagers_s, a.ref_at,
               now(), p) as s, a.engagers
             from public.viral_aggregates a, public.viral_params p where a.cast_hash = $1) x`,
          [hash],
        );
      const incremental = (await read())[0];
      await db.sql.query('select public.rebuild_viral_aggregates($1)', [hash]);
      const rebuilt = (await read())[0];
      expect(incremental?.engagers).toBe(6);
      expect(rebuilt?.engagers).toBe(6);
      expect(incremental?.score).toBeGreaterThan(0);
      expect(Math.abs((incremental?.score ?? 0) - (rebuilt?.score ?? 0))).toBeLessThan(0.01);
    });

    it('counts engagement that arrived before its cast once the cast is a performance', async () => {
      const hash = fresh();
      await deliverToStore(db.stores.ingest, likes(hash, fans(4, 0.9), now()));
      await deliverToStore(db.stores.ingest, [performanceCast(hash, artist)]);
      const v = await score(hash);
      expect(v.components.likes.count).toBe(4);
      expect(v.components.uniqueEngagers.count).toBe(4);
      expect(v.components.likes.contribution).toBeCloseTo(4, 1);
    });
  });

  describe('detection and the queue', () => {
    it('enqueues exactly one job when the threshold is crossed, however often it is crossed again', async () => {
      await setParams(db, { threshold: 20, min_unique_engagers: 5 });
      const hash = fresh();
      await deliverToStore(db.stores.ingest, [performanceCast(hash, artist), ...likes(hash, fans(4, 0.9), now())]);
      expect(await jobsFor(db, hash)).toBe(0);
      expect((await score(hash)).status).toBe('tracking');
      await deliverToStore(db.stores.ingest, likes(hash, fans(10, 0.9), now()));
      expect(await jobsFor(db, hash)).toBe(1);
      await deliverToStore(db.stores.ingest, likes(hash, fans(10, 0.9), now()));
      await db.stores.viral.sweepViral();
      expect(await db.stores.viral.checkViral(hash)).toBe(false);
      expect(await jobsFor(db, hash)).toBe(1);
      const v = await score(hash);
      expect(v.status).toBe('queued');
      expect(v.threshold).toBe(20);
      const p = await db.stores.performances.getPerformance(hash);
      expect(p?.coin).toBeNull();
    });

    it('finds crossings in the sweep (threshold lowered, minimum age reached)', async () => {
      await setParams(db, { threshold: 1000, min_unique_engagers: 3, min_age_seconds: 3600 });
      const hash = fresh();
      await deliverToStore(db.stores.ingest, [performanceCast(hash, artist), ...likes(hash, fans(8, 0.9), now())]);
      await setParams(db, { threshold: 10 });
      expect(await jobsFor(db, hash)).toBe(0);
      expect(await db.stores.viral.checkViral(hash)).toBe(false);
      const early = await db.stores.viral.sweepViral();
      expect(await jobsFor(db, hash)).toBe(0);
      expect(early.enqueued).toBe(0);
      const later = await db.stores.viral.sweepViral(new Date(now() + 2 * 3_600_000));
      expect(later.enqueued).toBeGreaterThanOrEqual(1);
      expect(await jobsFor(db, hash)).toBe(1);
      expect((await db.stores.viral.sweepViral(new Date(now() + 2 * 3_600_000))).enqueued).toBe(0);
      await setParams(db, { min_age_seconds: 0 });
    });

    it('never enqueues a deleted performance', async () => {
      await setParams(db, { threshold: 1000, min_unique_engagers: 3 });
      const hash = fresh();
      await deliverToStore(db.stores.ingest, [performanceCast(hash, artist), ...likes(hash, fans(8, 0.9), now())]);
      await deliverToStore(db.stores.ingest, [castDeleted(hash)]);
      await setParams(db, { threshold: 5 });
      await deliverToStore(db.stores.ingest, likes(hash, fans(5, 0.9), now()));
      await db.stores.viral.sweepViral();
      expect(await db.stores.viral.checkViral(hash)).toBe(false);
      expect(await jobsFor(db, hash)).toBe(0);
      const deletedFirst = fresh();
      await deliverToStore(db.stores.ingest, [castDeleted(deletedFirst), performanceCast(deletedFirst, artist)]);
      await deliverToStore(db.stores.ingest, likes(deletedFirst, fans(8, 0.9), now()));
      await db.stores.viral.sweepViral();
      expect(await jobsFor(db, deletedFirst)).toBe(0);
    });

    it('gives one job for 50 concurrent threshold crossings (deliveries, drains, checks and sweeps at once)', async () => {
      await setParams(db, { threshold: 1000, min_unique_engagers: 3 });
      const hash = fresh();
      await deliverToStore(db.stores.ingest, [performanceCast(hash, artist), ...likes(hash, fans(20, 0.9), now())]);
      // Commit (not apply) 50 more likes, then lower the threshold: every path below now crosses it at once.
      const pending = likes(hash, fans(50, 0.9), now());
      const app = testApp(db);
      for (const p of pending) expect((await app.deliver(p)).status).toBe(200);
      await setParams(db, { threshold: 10 });
      const work = Array.from({ length: 50 }, (_, i) => i);
      if (db.url !== null) {
        const clients = await Promise.all(
          work.map(async () => {
            const c = new pg.Client({ connectionString: db.url ?? '' });
            await c.connect();
            return c;
          }),
        );
        try {
          await Promise.all(
            clients.map((c, i) =>
              c.query(
                i % 3 === 0
                  ? 'select public.apply_webhook_inbox(2)'
                  : i % 3 === 1
                    ? 'select public.sweep_viral()'
                    : `select public.check_viral('${hash}')`,
              ),
            ),
          );
        } finally {
          await Promise.all(clients.map((c) => c.end()));
        }
      } else {
        await Promise.all(
          work.map((i) =>
            i % 3 === 0
              ? db.stores.ingest.applyInbox(2)
              : i % 3 === 1
                ? db.stores.viral.sweepViral()
                : db.stores.viral.checkViral(hash),
          ),
        );
      }
      await app.drainer.drain();
      expect(await jobsFor(db, hash)).toBe(1);
      const rows = await db.sql.query<{ n: number }>(
        `select count(*)::int as n from public.viral_queue q join public.performances p on p.id = q.performance_id
         where p.cast_hash = $1`,
        [hash],
      );
      expect(rows[0]?.n).toBe(1);
    });
  });

  describe('parameters', () => {
    it('records every change with who, when, old and new, and applies VIRAL_SCORE_THRESHOLD only when it differs', async () => {
      const count = async () =>
        (await db.sql.query<{ n: number }>('select count(*)::int as n from public.viral_param_changes'))[0]?.n ?? 0;
      const before = await count();
      const applied = await db.stores.viral.applyViralConfig(123.5);
      expect(applied.threshold).toBe(123.5);
      expect(applied.updated_by).toBe('config:VIRAL_SCORE_THRESHOLD');
      expect(await count()).toBe(before + 1);
      await db.stores.viral.applyViralConfig(123.5);
      expect(await count()).toBe(before + 1);
      const last = await db.sql.query<{ changed_by: string; old_params: { threshold: number }; new_params: object }>(
        'select changed_by, old_params, new_params from public.viral_param_changes order by id desc limit 1',
      );
      expect(last[0]?.changed_by).toBe('config:VIRAL_SCORE_THRESHOLD');
      expect(last[0]?.new_params).toMatchObject({ threshold: 123.5 });
      // Unset, the override ends: the threshold it replaced comes back (recorded), once.
      expect((await db.stores.viral.applyViralConfig(null)).threshold).toBe(last[0]?.old_params.threshold);
      await db.stores.viral.applyViralConfig(null);
      expect(await count()).toBe(before + 2);
      await db.stores.viral.setViralParams({ like_weight: 1.5 }, 'ops@example');
      const direct = await db.sql.query<{ changed_by: string }>(
        'select changed_by from public.viral_param_changes order by id desc limit 1',
      );
      expect(direct[0]?.changed_by).toBe('ops@example');
      await expect(db.sql.query('delete from public.viral_param_changes')).rejects.toThrow(/never deleted/);
      await expect(db.stores.viral.setViralParams({ threshold: -1 }, 'ops')).rejects.toThrow();
      await db.stores.viral.setViralParams({ like_weight: 1 }, 'test');
    });
  });
});
