import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { castDeleted, castHash, performanceCast, reaction, user } from '../scripts/neynarPayloads.ts';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';
import { testApp } from './support/testApp.ts';

const visible = castHash(1, 'd');
const deleted = castHash(2, 'd');

describe.each(databaseTargets())('row-level security for the anon role on $name', (target: DatabaseTarget) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await target.create();
    const app = testApp(db);
    await app.deliver(performanceCast(visible, user(4000)));
    await app.deliver(performanceCast(deleted, user(4001)));
    await app.deliver(reaction({ kind: 'created', type: 1, castHash: visible, reactor: user(5), at: Date.now() }));
    await app.deliver(castDeleted(deleted));
    await app.drainer.drain();
  });
  afterAll(async () => {
    await db.close();
  });

  /** Run statements as the anon role inside a transaction that is always rolled back. */
  const asAnon = <T>(fn: (q: (sql: string) => Promise<unknown[]>) => Promise<T>) =>
    db.sql.session(async (s) => {
      await s.exec('begin; set local role anon');
      try {
        return await fn((sql) => s.query(sql));
      } finally {
        await s.exec('rollback');
      }
    });

  const denied = async (sql: string) => {
    const error = await db.sql
      .session(async (s) => {
        await s.exec('begin; set local role anon');
        try {
          await s.query(sql);
          return null;
        } catch (e) {
          return e as Error;
        } finally {
          await s.exec('rollback');
        }
      })
      .catch((e: Error) => e);
    return error?.message ?? 'allowed';
  };

  it('reads visible performances, their metrics and artists, but not deleted ones', async () => {
    const rows = await asAnon((q) => q('select cast_hash from performances order by cast_hash'));
    expect(rows).toEqual([{ cast_hash: visible }]);
    const metrics = await asAnon((q) => q('select cast_hash, likes_count from performance_metrics'));
    expect(metrics).toEqual([{ cast_hash: visible, likes_count: 1 }]);
    const view = await asAnon((q) => q('select cast_hash, likes from performance_view'));
    expect(view).toEqual([{ cast_hash: visible, likes: 1 }]);
    // Artists of visible performances only: not the liker (fid 5), not the artist of the deleted cast.
    const users = await asAnon((q) => q('select farcaster_fid::int as fid from users order by 1'));
    expect(users).toEqual([{ fid: 4000 }]);
    const profile = await asAnon((q) =>
      q('select username, display_name, pfp_url, wallet_address from users where farcaster_fid = 4000'),
    );
    expect(profile).toHaveLength(1);
  });

  it("cannot read users' Neynar scores or the addresses of people who engaged (security regression)", async () => {
    for (const column of ['neynar_score', 'custody_address', 'verified_eth_addresses', 'primary_eth_address', '*']) {
      expect(await denied(`select ${column} from users`), column).toMatch(/permission denied/);
    }
  });

  it('holds no write privilege on any table or view, the read view included (security regression)', async () => {
    const rows = await db.sql.query<{ name: string; privilege: string }>(
      `select c.relname as name, p.privilege
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       cross join (values ('INSERT'), ('UPDATE'), ('DELETE'), ('TRUNCATE')) as p(privilege)
       cross join (values ('anon'), ('authenticated')) as r(role)
       where n.nspname = 'public' and c.relkind in ('r', 'v', 'm')
         and has_table_privilege(r.role, c.oid, p.privilege)`,
    );
    expect(rows).toEqual([]);
    const sequences = await db.sql.query<{ name: string }>(
      `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
       cross join (values ('USAGE'), ('SELECT'), ('UPDATE')) as p(privilege)
       cross join (values ('anon'), ('authenticated')) as r(role)
       where n.nspname = 'public' and c.relkind = 'S' and has_sequence_privilege(r.role, c.oid, p.privilege)`,
    );
    expect(sequences).toEqual([]);
    const [{ version } = { version: 0 }] = await db.sql.query<{ version: number }>(
      `select current_setting('server_version_num')::int as version`,
    );
    if (version >= 170000) {
      const maintain = await db.sql.query<{ name: string }>(
        `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
         cross join (values ('anon'), ('authenticated')) as r(role)
         where n.nspname = 'public' and c.relkind = 'r' and has_table_privilege(r.role, c.oid, 'MAINTAIN')`,
      );
      expect(maintain).toEqual([]);
    }
  });

  it('reads nothing private: inbox, analytics, reactions, casts, corrections, queue', async () => {
    for (const table of [
      'webhook_inbox',
      'analytics_events',
      'cast_reactions',
      'casts_seen',
      'metric_corrections',
      'viral_queue',
      'frame_actions',
      'frame_viewers',
      'trade_quotes',
      'trades',
    ]) {
      expect(await denied(`select * from ${table}`)).toMatch(/permission denied/);
    }
  });

  it('writes nothing and cannot call the server-only functions', async () => {
    expect(await denied(`update performances set title = 'x'`)).toMatch(/permission denied/);
    expect(await denied('insert into users (farcaster_fid, profile_at) values (1, now())')).toMatch(
      /permission denied/,
    );
    expect(await denied('delete from performance_metrics')).toMatch(/permission denied/);
    expect(await denied('select public.apply_webhook_inbox(10)')).toMatch(/permission denied/);
    expect(await denied(`select public.ingest_webhook_events('[]'::jsonb)`)).toMatch(/permission denied/);
    expect(await denied(`select public.record_metric_corrections('[]'::jsonb)`)).toMatch(/permission denied/);
    expect(await denied(`select public.record_frame_action('{}'::jsonb)`)).toMatch(/permission denied/);
    expect(await denied(`select public.record_pending_trade('{}'::jsonb)`)).toMatch(/permission denied/);
  });

  it("reads the market of visible performances' coins (on chain anyway), but not its internals or our trade links", async () => {
    for (const table of ['coin_transfers', 'market_cursors', 'market_coin_cursors', 'market_blocks']) {
      expect(await denied(`select * from ${table}`), table).toMatch(/permission denied/);
    }
    expect(await denied('select trade_id from coin_trades')).toMatch(/permission denied/);
    // Which transaction and router a swap came from is kept for the trade confirmer only.
    expect(await denied('select tx_from, tx_to, tx_input_hash, router from coin_trades')).toMatch(/permission denied/);
    const readable = await asAnon((q) =>
      q(`select (select count(*) from coin_trades)::int as trades, (select count(*) from coin_balances)::int as balances,
           (select count(*) from coin_candles)::int as candles`),
    );
    expect(readable).toEqual([{ trades: 0, balances: 0, candles: 0 }]);
    const market = await asAnon((q) =>
      q(`select price_wei, price, market_cap_wei, volume_24h_wei, change_24h, holders, last_trade_at, market_block
         from performance_coins`),
    );
    expect(market).toEqual([]);
    for (const call of [
      `select public.apply_market_step('{}'::jsonb)`,
      `select public.rollback_market(8453, 'x', 'chain-indexer', 1)`,
      `select public.renew_job_lease('chain-indexer', 'x', 60)`,
      'select public.market_state(8453)',
      `select public.apply_indexed_step('{}'::jsonb)`,
      `select public.indexed_trade_swap(8453, '0x', '0x', '0x')`,
      'select public.reconcile_trade_with_index(1)',
      `select public.lock_trade_tx(8453, '0x')`,
    ]) {
      expect(await denied(call), call).toMatch(/permission denied/);
    }
  });

  it('can call the public read functions', async () => {
    const rows = await asAnon((q) => q(`select public.get_performance('${visible}') ->> 'castHash' as h`));
    expect(rows).toEqual([{ h: visible }]);
  });

  it('has row-level security enabled on every table in public', async () => {
    const rows = await db.sql.query<{ relname: string }>(
      `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind = 'r' and not c.relrowsecurity`,
    );
    expect(rows).toEqual([]);
  });
});
