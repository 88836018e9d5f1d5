/** `npm run bench:realtime`: Server-Sent Events fan-out benchmark. Starts the real Node server (src/node.ts) as a child
 * process on PostgreSQL (a throwaway cluster, or BENCH_DATABASE_URL), opens 1,000 concurrent subscribers to one coin
 * on GET /api/stream, then commits UPDATEs of the coin's row at a steady rate and measures, per subscriber, the time
 * from the UPDATE's commit (its acknowledgement to the benchmark) to the coin event arriving: the database
 * notification, the instance's debounce and batched read, and the fan-out over HTTP. It also records the server's CPU
 * and resident memory with the subscribers idle (heartbeats only) and during the updates. The end-to-end phase
 * (scripts/bench/measureEndToEnd.ts) runs the development host (src/dev.ts: embedded database, anvil, the devnet
 * contracts) and measures a buy's receipt → the coin event at every subscriber, through the chain indexer.
 * A benchmark, not a test: all traffic stays on 127.0.0.1. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createCleanup } from './bench/createCleanup.ts';
import { readRssMb, sampleRss } from './bench/framesSampleRss.ts';
import { machineLine, waitForQuiet } from './bench/machine.ts';
import { measureEndToEnd } from './bench/measureEndToEnd.ts';
import { positive } from './bench/parseIntFlag.ts';
import { processCpuSeconds } from './bench/readCpu.ts';
import { openSubscribers } from './bench/realtimeSubscribers.ts';
import { startPostgres } from './bench/startPostgres.ts';
import { freePort, startServer } from './bench/startServer.ts';
import { formatTable, num, percentile } from './bench/summarize.ts';

const USAGE = `Real-time benchmark: Server-Sent Events fan-out (GET /api/stream on the Node host, PostgreSQL) and end to
end (a buy mined on the devnet → the coin event, on the development host).

Usage: npm run bench:realtime -- [options]

Options:
  --phase <p>         fanout, e2e or all (default all)
  --subscribers <n>   concurrent SSE subscribers in the fan-out phase (default 1000)
  --e2e-subscribers <n> concurrent SSE subscribers in the end-to-end phase (default 1000)
  --buys <n>          buys sent in the end-to-end phase (default 20)
  --buy-spacing-ms <n> time between buys (default 1500)
  --updates <n>       coin UPDATEs committed during the fan-out phase (default 120)
  --rate <n>          UPDATEs per second (default 4)
  --idle-seconds <n>  seconds with every subscriber connected and nothing changing (default 10)
  --wait-quiet <s>    wait up to s seconds for the machine to be idle before measuring (default 0)
  --server-node-arg A extra node option for the server, e.g. --cpu-prof (repeatable)
  --help              show this help

Environment: BENCH_DATABASE_URL uses that PostgreSQL server (a scratch database is created and dropped) instead of
starting a throwaway cluster.`;

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECRET = 'bench-realtime-webhook-secret-0123456789';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      phase: { type: 'string' },
      subscribers: { type: 'string' },
      'e2e-subscribers': { type: 'string' },
      buys: { type: 'string' },
      'buy-spacing-ms': { type: 'string' },
      updates: { type: 'string' },
      rate: { type: 'string' },
      'idle-seconds': { type: 'string' },
      'wait-quiet': { type: 'string' },
      'server-node-arg': { type: 'string', multiple: true },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const subscribers = positive(values.subscribers, 'subscribers', 1000, 10_000);
  const updates = positive(values.updates, 'updates', 120, 100_000);
  const rate = positive(values.rate, 'rate', 4, 1000);
  const idleSeconds = positive(values['idle-seconds'], 'idle-seconds', 10, 3600, true);
  const waitQuiet = positive(values['wait-quiet'], 'wait-quiet', 0, 3600, true);
  const phase = values.phase ?? 'all';
  if (!['fanout', 'e2e', 'all'].includes(phase)) throw new Error('--phase must be fanout, e2e or all');
  const e2eSubscribers = positive(values['e2e-subscribers'], 'e2e-subscribers', 1000, 10_000);
  const buys = positive(values.buys, 'buys', 20, 1000);
  const spacingMs = positive(values['buy-spacing-ms'], 'buy-spacing-ms', 1500, 60_000);

  const cleanup = createCleanup();
  try {
    console.log(machineLine());
    if (phase !== 'e2e') await fanOut({ subscribers, updates, rate, idleSeconds, waitQuiet, values, cleanup });
    if (phase !== 'fanout') {
      await waitForQuiet(waitQuiet);
      await measureEndToEnd({
        repoRoot: REPO_ROOT,
        subscribers: e2eSubscribers,
        buys,
        spacingMs,
        cleanup: cleanup.add,
      });
    }
  } finally {
    await cleanup.run();
  }
}

/** The fan-out phase: the Node host on PostgreSQL, UPDATEs of one coin's row → events at every subscriber. */
async function fanOut(o: {
  subscribers: number;
  updates: number;
  rate: number;
  idleSeconds: number;
  waitQuiet: number;
  values: { 'server-node-arg'?: string[] | undefined };
  cleanup: ReturnType<typeof createCleanup>;
}): Promise<void> {
  const { subscribers, updates, rate, idleSeconds, waitQuiet, values, cleanup } = o;
  {
    const postgres = await startPostgres(REPO_ROOT, process.env.BENCH_DATABASE_URL, cleanup.add);
    cleanup.add(() => postgres.stop());
    console.log(`database: ${postgres.version}, ${postgres.description}`);
    const url = await postgres.createDatabase('gigavibe_bench_realtime');
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'gigavibe-bench-realtime-'));
    cleanup.add(() => rm(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const server = await startServer({
      name: 'gigavibe',
      cwd: REPO_ROOT,
      entry: 'src/node.ts',
      port,
      nodeArgs: values['server-node-arg'] ?? [],
      logFile: path.join(dataDir, 'server.log'),
      env: {
        PORT: String(port),
        DATABASE_URL: url,
        DATA_DIR: dataDir,
        NEYNAR_WEBHOOK_SECRET: SECRET,
        LOG_LEVEL: 'warn',
        STREAM_MAX_CONNECTIONS: String(subscribers + 100),
        STREAM_MAX_CONNECTIONS_PER_CLIENT: String(subscribers + 100),
        STREAM_CONNECTS_PER_MINUTE: String(subscribers * 10),
      },
      timeoutMs: 180_000,
    });
    cleanup.add(() => server.stop());

    const db = new pg.Client({ connectionString: url });
    await db.connect();
    cleanup.add(() => db.end());
    const coin = `0x${randomBytes(20).toString('hex')}`;
    const cast = `0x${randomBytes(20).toString('hex')}`;
    await db.query(`insert into public.users (farcaster_fid, custody_address, profile_at) values (1, $1, now())`, [
      `0x${'1'.repeat(40)}`,
    ]);
    await db.query(
      `with p as (insert into public.performances (cast_hash, artist_fid, title, cast_created_at)
                  values ($1, 1, 'Bench take', now()) returning id)
       insert into public.performance_coins (performance_id, coin_address, chain_id, symbol, name, tx_hash)
       select id, $2, 8453, 'BENCH', 'Bench coin', $3 from p`,
      [cast, coin, `0x${randomBytes(32).toString('hex')}`],
    );

    await waitForQuiet(waitQuiet);
    await measureTriggerCost(db, cast);
    const rssBefore = readRssMb(server.pid);
    const connectStarted = performance.now();
    const pool = await openSubscribers(`http://127.0.0.1:${port}/api/stream?coins=${coin}`, subscribers);
    cleanup.add(async () => pool.close());
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    const rssConnected = readRssMb(server.pid);
    console.log(
      `connected ${pool.ready()} subscribers in ${num(connectSeconds, 1)} s ` +
        `(server RSS ${num(rssBefore, 0)} → ${num(rssConnected, 0)} MiB)`,
    );

    const idleCpu0 = processCpuSeconds(server.pid);
    const idleRss = sampleRss(server.pid, 500);
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    const idle = idleRss.stop();
    const idleCpu = (processCpuSeconds(server.pid) - idleCpu0) / Math.max(1, idleSeconds);

    const commits: number[] = [];
    const cpu0 = processCpuSeconds(server.pid);
    const rss = sampleRss(server.pid, 500);
    const started = performance.now();
    for (let n = 0; n < updates; n++) {
      const due = started + (n * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await db.query('update public.performance_coins set pool_id = $2 where coin_address = $1', [coin, `bench-${n}`]);
      commits[n] = performance.now();
    }
    // Let the last events arrive.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const wall = (performance.now() - started) / 1000;
    const busy = rss.stop();
    const cpu = (processCpuSeconds(server.pid) - cpu0) / wall;

    const latencies: number[] = [];
    const lastPerUpdate: number[] = [];
    let missing = 0;
    for (let n = 0; n < updates; n++) {
      const got = pool.received(n);
      missing += Math.max(0, subscribers - got.length);
      const commit = commits[n] ?? 0;
      for (const at of got) latencies.push(at - commit);
      if (got.length > 0) lastPerUpdate.push(Math.max(...got) - commit);
    }
    const sorted = Float64Array.from(latencies).sort();
    const lastSorted = Float64Array.from(lastPerUpdate).sort();
    console.log(
      `\nfan-out: ${updates} UPDATEs at ${rate}/s to ${subscribers} subscribers (${latencies.length} events)`,
    );
    console.log(
      formatTable(
        ['commit → event (ms)', 'p50', 'p90', 'p99', 'max'],
        [
          ['every event', ...[0.5, 0.9, 0.99, 1].map((q) => num(percentile(sorted, q), 1))],
          ['last subscriber of each update', ...[0.5, 0.9, 0.99, 1].map((q) => num(percentile(lastSorted, q), 1))],
        ],
      ),
    );
    console.log(
      `states superseded before they were read: ${missing} of ${updates * subscribers} (events carry state: when ` +
        'the instance falls behind, later changes arrive as one event)',
    );
    console.log(`subscribers dropped or ended: ${pool.closed()}`);
    console.log(
      formatTable(
        ['server', 'CPU (cores)', 'RSS start (MiB)', 'RSS peak', 'RSS end', 'RSS slope, last half (MiB/min)'],
        [
          [
            `idle, ${subscribers} subscribers`,
            num(idleCpu, 3),
            num(idle.startMb, 0),
            num(idle.peakMb, 0),
            num(idle.endMb, 0),
            num(idle.lastHalfSlopeMbPerMin, 1),
          ],
          [
            `${rate} updates/s`,
            num(cpu, 3),
            num(busy.startMb, 0),
            num(busy.peakMb, 0),
            num(busy.endMb, 0),
            num(busy.lastHalfSlopeMbPerMin, 1),
          ],
        ],
      ),
    );
    pool.close();
  }
}

/** What the notification triggers add to the ingest path's writes: the same single-row UPDATE of performance_metrics
 * (one per applied webhook event that changes a count) looped inside PostgreSQL (no network round trips in the
 * measurement), committing after each UPDATE and after every 100 (as the inbox drainer applies a batch), with the
 * stream triggers disabled and enabled, alternating rounds so other load on the machine falls on both. The server's
 * LISTEN connection is open, so every commit that notifies signals a listener. */
async function measureTriggerCost(db: pg.Client, cast: string): Promise<void> {
  await db.query('insert into public.performance_metrics (cast_hash) values ($1) on conflict do nothing', [cast]);
  const n = 2000;
  const time = async (perCommit: number): Promise<number> => {
    const started = performance.now();
    await db.query(`do $$
      begin
        for i in 1..${n} loop
          update public.performance_metrics set likes_count = likes_count + 1 where cast_hash = '${cast}';
          if i % ${perCommit} = 0 then commit; end if;
        end loop;
      end $$`);
    return ((performance.now() - started) * 1000) / n;
  };
  const toggle = (on: boolean) =>
    db.query(
      `alter table public.performance_metrics ${on ? 'enable' : 'disable'} trigger performance_metrics_stream_update`,
    );
  const results = { off1: [] as number[], on1: [] as number[], off100: [] as number[], on100: [] as number[] };
  for (let round = 0; round < 5; round++) {
    for (const on of [false, true]) {
      await toggle(on);
      results[on ? 'on1' : 'off1'].push(await time(1));
      results[on ? 'on100' : 'off100'].push(await time(100));
    }
  }
  await toggle(true);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const row = (label: string, off: number[], on: number[]) => [
    label,
    num(median(off), 1),
    num(median(on), 1),
    num(median(on) - median(off), 1),
  ];
  console.log(`\ningest write cost of the stream triggers (median of 5 alternating rounds of ${n} UPDATEs, µs each)`);
  console.log(
    formatTable(
      ['UPDATE performance_metrics', 'triggers off', 'triggers on', 'added'],
      [row('commit after each', results.off1, results.on1), row('commit after 100', results.off100, results.on100)],
    ),
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
