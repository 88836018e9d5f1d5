/** `npm run bench:analytics`: analytics reads and raw-event retention on PostgreSQL. Seeds one performance with
 * 1,000,000 engagement events over 30 days (raw analytics rows, and the hourly rollups those events produce), 100,000
 * engagers with addresses, 10,000 indexed trades of its coin and 1,000 other performances of the same artist; then
 * times the analytics routes through the real app (p50/p99, target < 50 ms) and the trending feed, and finally ages
 * every raw row past its retention and runs the retention job, reporting rows/s and table sizes before and after.
 * Uses a throwaway cluster (fsync on) or BENCH_DATABASE_URL. */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { pruneRawEvents } from '../src/analytics/pruneRawEvents.ts';
import { createApp } from '../src/app.ts';
import { createStores } from '../src/createStores.ts';
import { migrate, readBootstrap, readMigrations } from '../src/db/migrate.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { sqlRpc } from '../src/db/rpc.ts';
import { silentLogger } from '../src/support/logger.ts';
import { createCleanup } from './bench/createCleanup.ts';
import { startPostgres } from './bench/startPostgres.ts';
import { formatTable, num, percentile } from './bench/summarize.ts';

const USAGE = `Analytics benchmark (PostgreSQL).

Usage: npm run bench:analytics -- [options]

Options:
  --events <n>    engagement events of the big performance (default 1000000)
  --requests <n>  timed requests per route (default 200)
  --help          show this help

Environment: BENCH_DATABASE_URL uses that PostgreSQL server (a scratch database is created and dropped) instead of
starting a throwaway cluster.`;

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIG = `0x${'b'.repeat(40)}`;
const COIN = `0x${'c'.repeat(40)}`;

/** One artist, the big performance and its coin, 1,000 other performances, $events raw events over 30 days and the
 * rollups they make, 100,000 engagers with custody addresses, and 10,000 trades (through the rollup trigger). */
const SEED = `
insert into public.users (farcaster_fid, username, custody_address, profile_at)
values (1, 'artist', '0x' || lpad('1', 40, '0'), now());
insert into public.users (farcaster_fid, username, custody_address, profile_at)
select 1000 + f, 'fan' || f, '0x' || lpad(to_hex(1000 + f), 40, '0'), now() from generate_series(1, 100000) f;
insert into public.performances (id, cast_hash, artist_fid, title, cast_created_at)
values ('00000000-0000-0000-0000-00000000000b', '${BIG}', 1, 'The big one', now() - interval '30 days');
insert into public.performances (cast_hash, artist_fid, title, cast_created_at)
select '0x' || lpad(to_hex(i), 40, '0'), 1, 'Performance ' || i, now() - random() * interval '60 days'
from generate_series(1, 1000) i;
insert into public.viral_aggregates (cast_hash, performance_id, artist_fid, cast_created_at, ref_at, engagers)
values ('${BIG}', '00000000-0000-0000-0000-00000000000b', 1, now() - interval '30 days', now(), 100000);
insert into public.viral_engagers (cast_hash, fid, weight, engaged_at, like_at)
select '${BIG}', 1000 + f, 0.5, now() - interval '30 days' + f * interval '20 seconds',
  now() - interval '30 days' + f * interval '20 seconds'
from generate_series(1, 100000) f;
insert into public.analytics_events (event_type, fid, cast_hash, data, occurred_at)
select case when e % 10 < 7 then 'webhook.reaction.created' when e % 10 < 9 then 'webhook.cast.created'
    else 'frame.action' end,
  1000 + (e % 100000), '${BIG}', '{}'::jsonb, now() - random() * interval '30 days'
from generate_series(1, $events) e;
insert into public.performance_activity (cast_hash, bucket_start, likes, replies, views)
select cast_hash, date_trunc('hour', occurred_at, 'UTC'),
  count(*) filter (where event_type = 'webhook.reaction.created'),
  count(*) filter (where event_type = 'webhook.cast.created'),
  count(*) filter (where event_type = 'frame.action')
from public.analytics_events group by 1, 2;
insert into public.performance_metrics (cast_hash, likes_count, replies_count, views_count)
select cast_hash, sum(likes), sum(replies), sum(views) from public.performance_activity group by 1;
insert into public.performance_coins (performance_id, coin_address, chain_id, symbol, name, tx_hash)
values ('00000000-0000-0000-0000-00000000000b', '${COIN}', 8453, 'BIG', 'Big', '0x' || lpad('1', 64, '0'));
insert into public.coin_trades (chain_id, coin_address, performance_id, tx_hash, log_index, block_number, block_hash,
  block_time, trader, side, coin_amount, eth_amount, price_wei, sqrt_price_x96)
select 8453, '${COIN}', '00000000-0000-0000-0000-00000000000b', '0x' || lpad(to_hex(t), 64, '0'), 0, t,
  '0x' || lpad(to_hex(t), 64, '0'), now() - interval '20 days' + t * interval '2 minutes',
  '0x' || lpad(to_hex(1000 + 1 + (t * 7919) % 100000), 40, '0'), case when t % 4 = 0 then 'sell' else 'buy' end,
  1000000, 1000000000000000, 1000000000, 1
from generate_series(1, 10000) t;
insert into public.coin_balances (chain_id, coin_address, holder, balance, updated_block)
select distinct on (trader) 8453, '${COIN}', trader, 1000000, 1 from public.coin_trades;
`;

async function time(requests: number, call: () => Response | Promise<Response>): Promise<Float64Array> {
  const ms = new Float64Array(requests);
  for (let i = 0; i < requests; i++) {
    const start = performance.now();
    const res = await call();
    if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
    ms[i] = performance.now() - start;
  }
  return ms.sort();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { events: { type: 'string' }, requests: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const events = Number(values.events ?? 1_000_000);
  const requests = Number(values.requests ?? 200);
  for (const [name, value] of Object.entries({ events, requests })) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  }
  const cleanup = createCleanup();
  try {
    console.log('GigaVibe analytics benchmark');
    const server = await startPostgres(REPO_ROOT, process.env.BENCH_DATABASE_URL, cleanup.add);
    cleanup.add(() => server.stop());
    console.log(`${server.version}: ${server.description}`);
    const url = await server.createDatabase('gigavibe_bench_analytics');
    const sql = openPostgres(url, { max: 4 });
    cleanup.add(() => sql.close());
    await migrate(sql, { migrations: await readMigrations(), bootstrap: await readBootstrap() });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    cleanup.add(() => client.end());

    let start = performance.now();
    await client.query(SEED.replaceAll('$events', String(events)));
    await client.query('vacuum analyze');
    const rollups = await client.query<{ n: string }>('select count(*) as n from public.performance_activity');
    console.log(
      `seeded ${num(events)} raw events of one performance (${num(Number(rollups.rows[0]?.n))} hourly rollup rows), ` +
        `100,000 engagers, 10,000 trades, 1,000 other performances in ${num((performance.now() - start) / 1000, 1)} s`,
    );

    const stores = createStores(sqlRpc(sql));
    const { app } = createApp(
      { webhookSecrets: ['bench-secret-0123456789abcdef'], performanceChannelUrl: 'https://example.com/p' },
      { stores, logger: silentLogger, applyMode: 'none' },
    );
    const day = 86_400_000;
    const routes: [string, string][] = [
      ['performance, 48 hour buckets (default)', `/api/performances/${BIG}/analytics`],
      ['performance, 30 day buckets', `/api/performances/${BIG}/analytics?bucket=day`],
      [
        'performance, 720 hour buckets (30 days)',
        `/api/performances/${BIG}/analytics?bucket=hour&from=${new Date(Date.now() - 30 * day).toISOString()}`,
      ],
      ['artist (1,001 performances), 30 days', '/api/artists/1/analytics?bucket=day'],
      ['trending feed, first page of 20', '/api/performances?sort=trending&limit=20'],
    ];
    const rows: string[][] = [];
    for (const [name, route] of routes) {
      await time(5, () => app.request(route));
      const ms = await time(requests, () => app.request(route));
      const p99 = percentile(ms, 0.99);
      rows.push([name, num(percentile(ms, 0.5), 1), num(p99, 1), '< 50', p99 < 50 ? 'yes' : 'NO']);
    }
    console.log('');
    console.log(formatTable(['route (in-process app, one client)', 'p50 ms', 'p99 ms', 'target ms', 'met'], rows));

    // Retention: everything raw is past its age; 200,000 applied inbox rows too.
    await client.query(`insert into public.webhook_inbox (body_sha256, raw_body, event_type, event, signature_verified,
        received_at, state, applied_at)
      select encode(sha256(i::text::bytea), 'hex'), '{}', 'reaction.created', '{}'::jsonb, true,
        now() - interval '100 days', 'applied', now() - interval '100 days'
      from generate_series(1, 200000) i`);
    await client.query(`update public.analytics_events set occurred_at = occurred_at - interval '100 days'`);
    await client.query('vacuum analyze');
    const size = async () =>
      (
        await client.query<{ a: string; w: string }>(
          `select pg_total_relation_size('public.analytics_events') as a, pg_total_relation_size('public.webhook_inbox') as w`,
        )
      ).rows[0];
    const before = await size();
    const mib = (bytes: string | undefined) => `${num(Number(bytes) / 1048576, 1)} MiB`;
    start = performance.now();
    let runs = 0;
    const total = { analyticsEvents: 0, inboxRows: 0 };
    for (;;) {
      const r = await pruneRawEvents(stores.analytics, { analyticsDays: 90, inboxDays: 14 });
      runs++;
      total.analyticsEvents += r.analyticsEvents;
      total.inboxRows += r.inboxRows;
      if (r.analyticsEvents === 0 && r.inboxRows === 0) break;
    }
    const seconds = (performance.now() - start) / 1000;
    await client.query('vacuum public.analytics_events, public.webhook_inbox');
    const after = await size();
    const metrics = await client.query<{ likes: number }>(
      `select likes_count as likes from public.performance_metrics where cast_hash = '${BIG}'`,
    );
    const rollupsAfter = await client.query<{ n: string }>('select count(*) as n from public.performance_activity');
    console.log('');
    console.log(
      `retention: ${num(total.analyticsEvents)} analytics rows and ${num(total.inboxRows)} inbox rows deleted in ` +
        `${num(seconds, 1)} s over ${runs} job runs of ≤ 40 batches of 5,000 ` +
        `(${num((total.analyticsEvents + total.inboxRows) / seconds)} rows/s); analytics_events ${mib(before?.a)} → ` +
        `${mib(after?.a)} (vacuumed: space reusable), webhook_inbox ${mib(before?.w)} → ${mib(after?.w)}; ` +
        `rollup rows ${num(Number(rollupsAfter.rows[0]?.n))} (unchanged), likes counter ${num(metrics.rows[0]?.likes ?? 0)}`,
    );
    for (const [name, route] of routes.slice(0, 1)) {
      const ms = await time(requests, () => app.request(route));
      console.log(
        `after retention, ${name}: p50 ${num(percentile(ms, 0.5), 1)} ms, p99 ${num(percentile(ms, 0.99), 1)} ms`,
      );
    }
  } finally {
    await cleanup.run();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
