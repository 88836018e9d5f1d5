/** `npm run bench:ingest-sql`: what webhook ingest costs PostgreSQL itself, without HTTP. On a throwaway cluster
 * (fsync on), the bench:ingest workload (parsed by the same code as the route) is committed to the inbox through
 * `ingest_webhook_events` in groups, then applied through `apply_webhook_inbox` in batches, on one connection whose
 * backend CPU time is read from /proc before and after each phase. With `--reference`, a second database applies the
 * same inbox with the one-by-one function the set-based one replaced (read from its migration). Prints CPU per event
 * and each ingest function's own time (`track_functions`). A benchmark, not a test. */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { migrate, readBootstrap, readMigrations } from '../src/db/migrate.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { parseNeynarEvent } from '../src/webhooks/parseNeynarEvent.ts';
import { createCleanup } from './bench/createCleanup.ts';
import { generateWorkload } from './bench/generateWorkload.ts';
import { backgroundLoad, machineLine } from './bench/machine.ts';
import { positive } from './bench/parseIntFlag.ts';
import { processCpuSeconds } from './bench/readCpu.ts';
import { referenceApplyFunction } from './bench/referenceApply.ts';
import { startPostgres } from './bench/startPostgres.ts';
import { formatTable, num } from './bench/summarize.ts';
import { PERFORMANCE_CHANNEL } from './neynarPayloads.ts';

const USAGE = `PostgreSQL cost of webhook ingest (inbox commit and apply), without HTTP.

Usage: npm run bench:ingest-sql -- [options]

Options:
  --events <n>         deliveries (default 20000: 200 performance casts, then reactions)
  --commit-batch <n>   deliveries per inbox commit (default 12, what the Node host's group commit reaches at 64 in
                       flight; 1 shows the cost of a commit alone)
  --apply-batch <n>    rows per apply_webhook_inbox call (default 2000)
  --reference          also apply with the one-by-one function the set-based one replaced
  --appliers <n>       connections applying at once, as several drainers (processes, or Workers requests) do
                       (default 1); reports the deadlocks PostgreSQL broke between them
  --lanes              with --appliers n, applier i claims lane i of n (apply_webhook_inbox's p_lane, p_lanes: the
                       events whose first user's fid falls in that lane), as the Node host's drainer does after a burst
  --help               show this help

Environment: BENCH_DATABASE_URL uses that PostgreSQL server (its role must be allowed to set track_functions).`;

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Phase {
  events: number;
  cpuSeconds: number;
  wallSeconds: number;
  /** WAL the cluster wrote during the phase (pg_current_wal_lsn before and after; the bench is alone on it). */
  walBytes: number;
}

interface Concurrency {
  /** Deadlocks PostgreSQL broke (each costs its victim deadlock_timeout, 1 s by default, and a retry). */
  deadlocks: number;
  /** Calls that found nothing to claim while rows were still pending (all locked by the other appliers). */
  emptyCalls: number;
}

interface DbRun {
  label: string;
  commit: Phase;
  apply: Phase;
  concurrency: Concurrency;
  /** Updates of webhook_inbox rows, and how many of them were HOT (pg_stat_user_tables). */
  inboxUpdates: { all: number; hot: number };
  functions: { name: string; calls: number; selfMs: number }[];
}

type Row = { sha256: string; raw_body: string; event_type: string; event: unknown; verified: true };

function deliveries(count: number): Row[] {
  const casts = Math.min(200, count);
  const workload = generateWorkload({ seed: 42, casts, reactions: count - casts, fids: 20_000 });
  const payloads: unknown[] = workload.casts.map((c) => c.payload);
  for (const r of workload.reactions) if (r.kind !== 'duplicate') payloads.push(r.payload);
  return payloads.map((payload) => {
    const rawBody = JSON.stringify(payload);
    const parsed = parseNeynarEvent(payload, { performanceChannelUrl: PERFORMANCE_CHANNEL, receivedAt: new Date() });
    if (!parsed.ok) throw new Error(`workload delivery rejected: ${parsed.reason}`);
    return {
      sha256: createHash('sha256').update(rawBody).digest('hex'),
      raw_body: rawBody,
      event_type: parsed.type,
      event: parsed.event,
      verified: true,
    };
  });
}

async function runOn(
  url: string,
  label: string,
  rows: Row[],
  commitBatch: number,
  applyBatch: number,
  reference: boolean,
  appliers: number,
  lanes = false,
): Promise<DbRun> {
  const sql = openPostgres(url, { max: 1 });
  try {
    await migrate(sql, { migrations: await readMigrations(), bootstrap: await readBootstrap() });
  } finally {
    await sql.close();
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    if (reference) await client.query(await referenceApplyFunction());
    await client.query("set track_functions = 'all'");
    const pidOf = async (c: pg.Client) =>
      Number((await c.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid);
    const pid = await pidOf(client);
    // Extra connections for --appliers (the first applier is `client`).
    const others: pg.Client[] = [];
    for (let i = 1; i < appliers; i++) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      others.push(c);
    }
    const pids = [pid, ...(await Promise.all(others.map(pidOf)))];
    const lsn = async () =>
      (await client.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn')).rows[0]?.lsn ?? '0/0';
    const phase = async (backends: number[], work: () => Promise<number>): Promise<Phase> => {
      const cpuNow = () => backends.reduce((sum, p) => sum + processCpuSeconds(p), 0);
      const lsn0 = await lsn();
      const cpu0 = cpuNow();
      const t0 = performance.now();
      const events = await work();
      const cpuSeconds = cpuNow() - cpu0;
      const wallSeconds = (performance.now() - t0) / 1000;
      const wal = await client.query<{ bytes: string }>('select pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn) as bytes', [
        await lsn(),
        lsn0,
      ]);
      return { events, cpuSeconds, wallSeconds, walBytes: Number(wal.rows[0]?.bytes ?? 0) };
    };
    const commit = await phase([pid], async () => {
      for (let i = 0; i < rows.length; i += commitBatch) {
        await client.query('select public.ingest_webhook_events($1)', [JSON.stringify(rows.slice(i, i + commitBatch))]);
      }
      return rows.length;
    });
    const fn = reference ? 'reference_apply_webhook_inbox' : 'apply_webhook_inbox';
    const concurrency: Concurrency = { deadlocks: 0, emptyCalls: 0 };
    const pendingLeft = async () =>
      Number(
        (await client.query<{ n: string }>("select count(*) as n from public.webhook_inbox where state = 'pending'"))
          .rows[0]?.n,
      );
    // Each applier calls until a call finds nothing; then, while rows are still pending (claimed by others), it
    // waits and looks again, as the drainer's next kick would.
    const applier = async (c: pg.Client, index: number): Promise<number> => {
      let applied = 0;
      // With --lanes, applier i claims lane i of `appliers` (apply_webhook_inbox's p_lane/p_lanes).
      const [text, params] = lanes
        ? [`select public.${fn}($1, null, $2, $3) as r`, [applyBatch, index, appliers]]
        : [`select public.${fn}($1) as r`, [applyBatch]];
      for (;;) {
        let result: { applied: number; failed: number[] } | undefined;
        try {
          result = (await c.query<{ r: typeof result }>(text, params)).rows[0]?.r;
        } catch (error) {
          if ((error as { code?: string }).code !== '40P01') throw error;
          concurrency.deadlocks++;
          continue;
        }
        if (result === undefined || result.failed.length > 0)
          throw new Error(`${fn} failed: ${JSON.stringify(result)}`);
        applied += result.applied;
        if (result.applied > 0) continue;
        if ((await pendingLeft()) === 0) return applied;
        concurrency.emptyCalls++;
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const apply = await phase(pids, async () => {
      const counts = await Promise.all([client, ...others].map((c, i) => applier(c, i)));
      return counts.reduce((a, b) => a + b, 0);
    });
    await Promise.all(others.map((c) => c.end()));
    // Function statistics reach the view when the backend reports them (at most once a second while idle).
    await new Promise((r) => setTimeout(r, 1200));
    const updates = await client.query<{ all: string; hot: string }>(
      "select n_tup_upd as all, n_tup_hot_upd as hot from pg_stat_user_tables where relname = 'webhook_inbox'",
    );
    const stats = await client.query<{ funcname: string; calls: string; self_time: number }>(
      'select funcname, calls, self_time from pg_stat_user_functions order by self_time desc limit 10',
    );
    return {
      label,
      commit,
      apply,
      concurrency,
      inboxUpdates: { all: Number(updates.rows[0]?.all ?? 0), hot: Number(updates.rows[0]?.hot ?? 0) },
      functions: stats.rows.map((s) => ({ name: s.funcname, calls: Number(s.calls), selfMs: s.self_time })),
    };
  } finally {
    await client.end();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      events: { type: 'string' },
      'commit-batch': { type: 'string' },
      'apply-batch': { type: 'string' },
      reference: { type: 'boolean' },
      appliers: { type: 'string' },
      lanes: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const events = positive(values.events, 'events', 20_000, 1_000_000);
  const commitBatch = positive(values['commit-batch'], 'commit-batch', 12, 5000);
  const applyBatch = positive(values['apply-batch'], 'apply-batch', 2000, 5000);
  const appliers = positive(values.appliers, 'appliers', 1, 64);

  console.log('GigaVibe ingest in PostgreSQL (no HTTP)');
  console.log(machineLine());
  console.log(`background load before start: ${num(await backgroundLoad(), 2)} cores busy`);
  const rows = deliveries(events);
  const cleanup = createCleanup();
  const runs: DbRun[] = [];
  try {
    const postgres = await startPostgres(REPO_ROOT, process.env.BENCH_DATABASE_URL || undefined, cleanup.add);
    cleanup.add(postgres.stop);
    console.log(`${postgres.version}: ${postgres.description}`);
    console.log(
      `${num(rows.length)} distinct deliveries; commits of ${commitBatch}; apply calls of up to ${applyBatch} rows` +
        (appliers > 1 ? ` by ${appliers} connections at once${values.lanes ? ', one lane each' : ''}` : ''),
    );
    runs.push(
      await runOn(
        await postgres.createDatabase('ingest_sql'),
        'set-based',
        rows,
        commitBatch,
        applyBatch,
        false,
        appliers,
        (values.lanes ?? false) && appliers > 1,
      ),
    );
    if (values.reference) {
      runs.push(
        await runOn(
          await postgres.createDatabase('ingest_sql_ref'),
          'one by one',
          rows,
          commitBatch,
          applyBatch,
          true,
          appliers,
        ),
      );
    }
  } finally {
    await cleanup.run();
  }

  const perEvent = (p: Phase) => num((p.cpuSeconds * 1000) / Math.max(1, p.events), 3);
  console.log(
    `\n${formatTable(
      [
        'apply',
        'events',
        'commit CPU ms/event',
        'commit wall s',
        'apply CPU ms/event',
        'apply wall s',
        'WAL KB/event (commit, apply)',
        'inbox updates HOT',
        'deadlocks',
        'empty calls',
      ],
      runs.map((r) => [
        r.label,
        num(r.apply.events),
        perEvent(r.commit),
        num(r.commit.wallSeconds, 2),
        perEvent(r.apply),
        num(r.apply.wallSeconds, 2),
        `${num(r.commit.walBytes / 1024 / Math.max(1, r.commit.events), 2)}, ${num(r.apply.walBytes / 1024 / Math.max(1, r.apply.events), 2)}`,
        `${num(r.inboxUpdates.hot)} of ${num(r.inboxUpdates.all)}`,
        num(r.concurrency.deadlocks),
        num(r.concurrency.emptyCalls),
      ]),
    )}`,
  );
  for (const r of runs) {
    console.log(`\n${r.label}: own time per function (track_functions; wall time inside the function)`);
    console.log(
      formatTable(
        ['function', 'calls', 'self ms', 'self ms per event'],
        r.functions.map((f) => [f.name, num(f.calls), num(f.selfMs), num(f.selfMs / Math.max(1, r.apply.events), 4)]),
      ),
    );
  }
  return 0;
}

process.exitCode = await main().catch((error: unknown) => {
  console.error(`bench:ingest-sql failed: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
});
