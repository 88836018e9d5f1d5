import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { castHash } from '../scripts/neynarPayloads.ts';
import { loadConfig } from '../src/config/loadConfig.ts';
import { createGigaVibe, type GigaVibeHost } from '../src/createGigaVibe.ts';
import type { SqlSession } from '../src/db/sqlClient.ts';
import { silentLogger } from '../src/support/logger.ts';
import { databaseTargets, type TestDatabase } from './support/databases.ts';

/** What the seed's Supabase Realtime subscription needs, checked offline on both databases: the tables are in the
 * supabase_realtime publication, UPDATEs of them are publishable (a replica identity), and anon may read their rows
 * of visible performances, which is the check Realtime makes per subscriber before it sends a change. What needs a
 * Supabase project (the Realtime server decoding the WAL and pushing over its socket) is not proven here. */
describe.each(databaseTargets())('Supabase Realtime path on $name', (target) => {
  let db: TestDatabase;
  const visible = castHash(1, 'd');
  const hidden = castHash(2, 'd');
  const coinOf = (n: number) => `0x${n.toString(16).padStart(40, 'd')}`;

  beforeAll(async () => {
    db = await target.create();
    await db.sql.query(
      `insert into public.users (farcaster_fid, custody_address, profile_at) values (4242, $1, now())`,
      [`0x${'4'.repeat(40)}`],
    );
    for (const [n, hash] of [visible, hidden].entries()) {
      await db.sql.query(
        `with p as (insert into public.performances (cast_hash, artist_fid, title, cast_created_at)
                    values ($1, 4242, 'Take', now()) returning id)
         insert into public.performance_coins (performance_id, coin_address, chain_id, symbol, name, tx_hash)
         select id, $2, 8453, 'VIBE', 'Vibe', $3 from p`,
        [hash, coinOf(n), `0x${n.toString(16).padStart(64, 'e')}`],
      );
      await db.sql.query('insert into public.performance_metrics (cast_hash, likes_count) values ($1, 3)', [hash]);
    }
    await db.sql.query('update public.performances set deleted_at = now() where cast_hash = $1', [hidden]);
  });
  afterAll(async () => {
    await db?.close();
  });

  const asAnon = <T>(fn: (s: SqlSession) => Promise<T>): Promise<T> =>
    db.sql.session(async (s) => {
      await s.exec('begin; set local role anon');
      try {
        return await fn(s);
      } finally {
        await s.exec('rollback');
      }
    });

  it('publishes performance_coins and performance_metrics in supabase_realtime', async () => {
    const rows = await db.sql.query<{ tablename: string }>(
      `select tablename from pg_publication_tables where pubname = 'supabase_realtime' and schemaname = 'public'
       order by tablename`,
    );
    expect(rows.map((r) => r.tablename)).toEqual(expect.arrayContaining(['performance_coins', 'performance_metrics']));
    const [publication] = await db.sql.query<{ pubupdate: boolean; pubinsert: boolean }>(
      `select pubupdate, pubinsert from pg_publication where pubname = 'supabase_realtime'`,
    );
    expect(publication).toMatchObject({ pubupdate: true, pubinsert: true });
  });

  it('gives both tables a replica identity (their primary key), so their UPDATEs are published', async () => {
    const rows = await db.sql.query<{ relname: string; relreplident: string; has_pk: boolean }>(
      `select c.relname, c.relreplident::text as relreplident,
              exists (select 1 from pg_index i where i.indrelid = c.oid and i.indisprimary) as has_pk
       from pg_class c where c.oid in ('public.performance_coins'::regclass, 'public.performance_metrics'::regclass)
       order by c.relname`,
    );
    expect(rows).toEqual([
      { relname: 'performance_coins', relreplident: 'd', has_pk: true },
      { relname: 'performance_metrics', relreplident: 'd', has_pk: true },
    ]);
    // A published table without one refuses UPDATE ("cannot update table ... does not have a replica identity").
    await db.sql.query(`update public.performance_coins set pool_id = 'p' where coin_address = $1`, [coinOf(0)]);
    await db.sql.query('update public.performance_metrics set likes_count = 4 where cast_hash = $1', [visible]);
  });

  it('lets anon read the rows of visible performances only, and write nothing', async () => {
    const coins = await asAnon((s) =>
      s.query<{ coin_address: string }>('select coin_address from public.performance_coins order by coin_address'),
    );
    expect(coins.map((r) => r.coin_address)).toEqual([coinOf(0)]);
    const metrics = await asAnon((s) =>
      s.query<{ cast_hash: string }>('select cast_hash from public.performance_metrics order by cast_hash'),
    );
    expect(metrics.map((r) => r.cast_hash)).toEqual([visible]);
    await expect(
      asAnon((s) => s.query(`update public.performance_coins set pool_id = 'x' where coin_address = $1`, [coinOf(0)])),
    ).rejects.toThrow(/permission denied/);
  });

  it('keeps the stream read function away from the public roles', async () => {
    await expect(asAnon((s) => s.query(`select public.stream_subjects(8453, '{"coins": []}'::jsonb)`))).rejects.toThrow(
      /permission denied/,
    );
  });
});

describe('GET /api/stream where this host cannot stream', () => {
  const host = (kind: 'node' | 'worker'): GigaVibeHost => ({
    kind,
    stores: {} as GigaVibeHost['stores'],
    logger: silentLogger,
    webhookSecrets: ['stream-host-test-secret'],
    applyMode: kind === 'node' ? 'inline' : 'waitUntil',
    writer: {},
    publicUrl: null,
    fonts: [],
    randomSecret: () => 'ab'.repeat(16),
  });
  const coin = `0x${'a'.repeat(40)}`;

  it('answers 501 on Workers, pointing at Supabase Realtime', async () => {
    const gv = createGigaVibe(loadConfig({}), host('worker'));
    const res = await gv.app.request(`/api/stream?coins=${coin}`);
    expect(res.status).toBe(501);
    expect(((await res.json()) as { error: string }).error).toMatch(/Supabase Realtime/);
    expect(gv.stream).toBeNull();
  });

  it('answers 503 on a database that cannot LISTEN (the Supabase Data API), saying why', async () => {
    const gv = createGigaVibe(loadConfig({}), host('node'));
    const res = await gv.app.request(`/api/stream?coins=${coin}`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toMatch(/LISTEN.*Supabase Realtime/);
  });
});
