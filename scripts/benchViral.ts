/** `npm run bench:viral`: viral detection benchmark on PostgreSQL. Seeds 100,000 performances and 1,000,000
 * reactions set-based (generate_series), builds the maintained aggregates with public.rebuild_viral_aggregates(),
 * then times the full sweep (public.sweep_viral, several runs, median), the incremental check (public.check_viral,
 * p50/p99 over many single calls) and, for context, one applied reaction (public.apply_reaction_event).
 * Targets: sweep < 1 s, incremental check < 2 ms. Uses a throwaway cluster (fsync on) or BENCH_DATABASE_URL. */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { migrate, readBootstrap, readMigrations } from '../src/db/migrate.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { createCleanup } from './bench/createCleanup.ts';
import { startPostgres } from './bench/startPostgres.ts';
import { formatTable, num, percentile } from './bench/summarize.ts';

const USAGE = `Viral detection benchmark (PostgreSQL).

Usage: npm run bench:viral -- [options]

Options:
  --performances <n>  performances to seed (default 100000)
  --reactions <n>     reactions to seed (default 1000000)
  --sweeps <n>        timed sweep runs (default 7)
  --checks <n>        timed incremental checks (default 5000)
  --help              show this help

Environment: BENCH_DATABASE_URL uses that PostgreSQL server (a scratch database is created and dropped) instead of
starting a throwaway cluster.`;

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Seed users, performances, exact counters and reactions in a few set-based statements. */
const SEED = `
select setseed(0.42);
insert into public.users (farcaster_fid, username, custody_address, neynar_score, profile_at)
select 10000000 + a, 'artist' || a, '0x' || lpad(to_hex(10000000 + a), 40, '0'), 0.9, now()
from generate_series(1, $artists) a;
insert into public.users (farcaster_fid, username, neynar_score, profile_at)
select f, 'fan' || f, case when random() < 0.2 then null else round(random()::numeric, 2)::real end, now()
from generate_series(1, $scored) f;
insert into public.performances (cast_hash, artist_fid, title, cast_created_at)
select '0x' || lpad(to_hex(i), 40, '0'), 10000000 + 1 + (i % $artists), 'Performance ' || i,
  now() - (random() * interval '60 days')
from generate_series(1, $performances) i;
insert into public.performance_metrics (cast_hash)
select cast_hash from public.performances;
-- Skewed popularity: a few performances get many reactions, most get a handful, mostly in the last weeks.
insert into public.cast_reactions (cast_hash, reaction_type, reactor_fid, active, event_at)
select '0x' || lpad(to_hex(1 + floor($performances * power(random(), 3))::int), 40, '0'),
  case when random() < 0.75 then 'like' else 'recast' end, r, random() > 0.05,
  now() - (power(random(), 2) * interval '45 days')
from generate_series(1, $reactions) r
on conflict do nothing;
update public.performance_metrics m set likes_count = c.likes, recasts_count = c.recasts
from (
  select cast_hash, count(*) filter (where reaction_type = 'like' and active)::int as likes,
    count(*) filter (where reaction_type = 'recast' and active)::int as recasts
  from public.cast_reactions group by cast_hash
) c
where c.cast_hash = m.cast_hash;
`;

function timeSince(start: number): number {
  return performance.now() - start;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      performances: { type: 'string' },
      reactions: { type: 'string' },
      sweeps: { type: 'string' },
      checks: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const performances = Number(values.performances ?? 100_000);
  const reactions = Number(values.reactions ?? 1_000_000);
  const sweeps = Number(values.sweeps ?? 7);
  const checks = Number(values.checks ?? 5000);
  for (const [name, value] of Object.entries({ performances, reactions, sweeps, checks })) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  }

  const cleanup = createCleanup();
  try {
    console.log('GigaVibe viral detection benchmark');
    const server = await startPostgres(REPO_ROOT, process.env.BENCH_DATABASE_URL, cleanup.add);
    cleanup.add(() => server.stop());
    console.log(`${server.version}: ${server.description}`);
    const url = await server.createDatabase('gigavibe_bench_viral');
    const sql = openPostgres(url, { max: 2 });
    cleanup.add(() => sql.close());
    await migrate(sql, { migrations: await readMigrations(), bootstrap: await readBootstrap() });

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    cleanup.add(() => client.end());

    let start = performance.now();
    const seed = SEED.replaceAll('$performances', String(performances))
      .replaceAll('$reactions', String(reactions))
      .replaceAll('$artists', String(Math.max(1, Math.floor(performances / 10))))
      .replaceAll('$scored', String(Math.floor(reactions / 5)));
    await client.query(seed);
    const seeded = timeSince(start);
    start = performance.now();
    await client.query('select public.rebuild_viral_aggregates()');
    const rebuilt = timeSince(start);
    await client.query('vacuum analyze');
    const counts = await client.query<{ reactions: string; active: string; engagers: string; aggregates: string }>(
      `select (select count(*) from public.cast_reactions) as reactions,
         (select count(*) from public.cast_reactions where active) as active,
         (select count(*) from public.viral_engagers) as engagers,
         (select count(*) from public.viral_aggregates) as aggregates`,
    );
    const c = counts.rows[0];
    console.log(
      `seeded ${num(performances)} performances and ${num(Number(c?.reactions))} reactions ` +
        `(${num(Number(c?.active))} active, ${num(Number(c?.engagers))} engager rows) in ${num(seeded / 1000, 1)} s; ` +
        `rebuild_viral_aggregates() over ${num(Number(c?.aggregates))} performances: ${num(rebuilt / 1000, 2)} s`,
    );

    // A threshold that about 1% of performances cross, so the first sweep enqueues a realistic batch.
    const q = await client.query<{ t: number }>(
      `select percentile_cont(0.99) within group (order by (public.viral_score(a.likes_s, a.recasts_s, a.replies_s,
         a.views_s, a.engagers_s, a.ref_at, now(), p)).score) as t
       from public.viral_aggregates a, public.viral_params p`,
    );
    const threshold = Math.max(1, Math.round(q.rows[0]?.t ?? 100));
    await client.query(`select public.set_viral_params($1::jsonb, 'bench:viral')`, [JSON.stringify({ threshold })]);

    const sweepMs: number[] = [];
    const sweepResults: { checked: number; enqueued: number }[] = [];
    for (let i = 0; i < sweeps; i++) {
      start = performance.now();
      const r = await client.query<{ r: { checked: number; enqueued: number } }>('select public.sweep_viral() as r');
      sweepMs.push(timeSince(start));
      if (r.rows[0]) sweepResults.push(r.rows[0].r);
    }

    const hashes = await client.query<{ h: string }>(
      `select cast_hash as h from public.viral_aggregates order by random() limit ${checks}`,
    );
    const checkMs = new Float64Array(hashes.rows.length);
    for (const [i, row] of hashes.rows.entries()) {
      start = performance.now();
      await client.query('select public.check_viral($1)', [row.h]);
      checkMs[i] = timeSince(start);
    }
    checkMs.sort();
    // Server-side cost without the round trip: all checks in one statement, timed as a whole.
    start = performance.now();
    await client.query('select count(public.check_viral(h)) from unnest($1::text[]) h', [hashes.rows.map((r) => r.h)]);
    const serverMean = timeSince(start) / Math.max(1, hashes.rows.length);

    const applyMs = new Float64Array(2000);
    for (let i = 0; i < applyMs.length; i++) {
      const event = {
        kind: 'reaction',
        castHash: `0x${(1 + (i % 1000)).toString(16).padStart(40, '0')}`,
        reactorFid: 50_000_000 + i,
        reactionType: i % 4 === 0 ? 'recast' : 'like',
        active: true,
        at: new Date().toISOString(),
      };
      start = performance.now();
      await client.query('select public.apply_reaction_event($1::jsonb)', [JSON.stringify(event)]);
      applyMs[i] = timeSince(start);
    }
    applyMs.sort();

    const sortedSweeps = Float64Array.from(sweepMs).sort();
    const medianSweep = percentile(sortedSweeps, 0.5);
    const p50 = percentile(checkMs, 0.5);
    const p99 = percentile(checkMs, 0.99);
    console.log(
      `threshold ${num(threshold)} (99th percentile score); sweeps: ${sweepResults
        .map(
          (r, i) =>
            `${num(sweepMs[i] ?? 0, 0)} ms (${num(r.checked)} candidates with enough engagers, ${num(r.enqueued)} enqueued)`,
        )
        .join(', ')}`,
    );
    console.log('');
    console.log(
      formatTable(
        ['measure', 'p50 ms', 'p99 ms', 'median ms', 'target', 'met'],
        [
          ['full sweep (sweep_viral)', '—', '—', num(medianSweep, 1), '< 1000 ms', medianSweep < 1000 ? 'yes' : 'NO'],
          [
            'incremental check (check_viral, client round trip)',
            num(p50, 3),
            num(p99, 3),
            '—',
            '< 2 ms',
            p99 < 2 ? 'yes' : 'NO',
          ],
          [
            'incremental check (server-side mean, one statement)',
            '—',
            '—',
            num(serverMean, 3),
            '< 2 ms',
            serverMean < 2 ? 'yes' : 'NO',
          ],
          [
            'apply one new reaction (apply_reaction_event)',
            num(percentile(applyMs, 0.5), 3),
            num(percentile(applyMs, 0.99), 3),
            '—',
            '—',
            '',
          ],
        ],
      ),
    );
  } finally {
    await cleanup.run();
  }
}

await main();
