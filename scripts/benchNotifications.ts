/** `npm run bench:notifications`: the mini app's notification fan-out on PostgreSQL. Seeds N fids with notifications
 * enabled, spread over S stand-in clients (scripts/devnet/notificationStandIn.ts on loopback: the real wire format,
 * 100 tokens at most per request, dedupe per token and notificationId), all of whom engaged with one performance; then
 * its coin launches (the `performance_coins` insert `confirm_coin` makes: the trigger queues one notification per fid
 * and one delivery per token in that transaction) and the notification sender (the job's own code, createNotificationSender
 * over the Rpc waist, with the Node host's fetch: createPublicOnlyFetch) sends them. A share of requests is answered 429 (Retry-After: 60) or 503; those tokens wait for
 * their retry, which the bench brings forward (`next_attempt_at = now()`) instead of waiting the real 30-60 s, and
 * times the pass that delivers them. Every token must be shown exactly once. Repeated per sender count (several
 * senders run at once, as several instances would: deliveries are leased with SKIP LOCKED).
 * Uses a throwaway cluster (fsync on) or BENCH_DATABASE_URL. */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createStores } from '../src/createStores.ts';
import { migrate, readBootstrap, readMigrations } from '../src/db/migrate.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { sqlRpc } from '../src/db/rpc.ts';
import { createNotificationSender } from '../src/miniapp/createNotificationSender.ts';
import { createPublicOnlyFetch } from '../src/node/createPublicOnlyFetch.ts';
import { silentLogger } from '../src/support/logger.ts';
import { createCleanup } from './bench/createCleanup.ts';
import { backgroundLoad, machineLine } from './bench/machine.ts';
import { positive } from './bench/parseIntFlag.ts';
import { startPostgres } from './bench/startPostgres.ts';
import { formatTable, num, percentile } from './bench/summarize.ts';
import { type NotificationStandIn, startNotificationStandIn } from './devnet/notificationStandIn.ts';

const USAGE = `Notification fan-out benchmark (PostgreSQL).

Usage: npm run bench:notifications -- [options]

Options:
  --subscribers <n>  fids with notifications enabled, all early supporters of the performance (default 10000)
  --clients <n>      stand-in notification servers the tokens are spread over (default 4)
  --senders <list>   sender counts to run, comma-separated (default 1,4)
  --fault-every <n>  every n-th request of a client is answered 503, and the one after it 429 (default 25; 0: none)
  --help             show this help

Environment: BENCH_DATABASE_URL uses that PostgreSQL server (a scratch database is created and dropped) instead of
starting a throwaway cluster.`;

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PUBLIC_URL = 'https://bench.example.com';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string' },
    clients: { type: 'string' },
    senders: { type: 'string' },
    'fault-every': { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const subscribers = positive(values.subscribers, 'subscribers', 10_000, 1_000_000);
const clientCount = positive(values.clients, 'clients', 4, 64);
const faultEvery = positive(values['fault-every'], 'fault-every', 25, 100_000, true);
const senderCounts = (values.senders ?? '1,4').split(',').map((v) => positive(v, 'senders', 1, 32));

interface Round {
  senders: number;
  enqueueMs: number;
  deliveries: number;
  firstPassMs: number;
  firstPassSent: number;
  requests: number;
  requestMs: Float64Array;
  answered429: number;
  answered503: number;
  retriedTokens: number;
  retryPassMs: number;
  retryPasses: number;
  shownOnce: boolean;
}

const cleanup = createCleanup();
try {
  const load = await backgroundLoad();
  const server = await startPostgres(REPO_ROOT, process.env.BENCH_DATABASE_URL, cleanup.add);
  cleanup.add(() => server.stop());
  const url = await server.createDatabase('gigavibe_bench_notifications');
  const sql = openPostgres(url, { max: 8 });
  cleanup.add(() => sql.close());
  await migrate(sql, { migrations: await readMigrations(), bootstrap: await readBootstrap() });
  const stores = createStores(sqlRpc(sql));

  const clients: NotificationStandIn[] = [];
  for (let i = 0; i < clientCount; i++) {
    const client = await startNotificationStandIn({
      answerWith: (n) => (faultEvery === 0 ? null : n % faultEvery === 0 ? 503 : n % faultEvery === 1 ? 429 : null),
    });
    cleanup.add(() => client.close());
    clients.push(client);
  }

  // N fids, each with one client (app key, notification URL, token), round robin over the stand-ins.
  await sql.query(
    `insert into public.users (farcaster_fid, username, profile_at) values (1, 'artist', now());
     insert into public.miniapp_subscriptions
       (fid, app_key, notification_url, token, added, notifications_enabled, last_event, last_event_at)
     select 1000 + f, '0x' || lpad(to_hex(f), 64, '0'), (array[${clients.map((c) => `'${c.url}'`).join(', ')}])[1 + f % ${clientCount}],
       'token-' || f, true, true, 'miniapp_added', now()
     from generate_series(1, ${subscribers}) f;`,
  );

  const rounds: Round[] = [];
  for (const [index, senders] of senderCounts.entries()) {
    const castHash = `0x${(0xbe0000 + index).toString(16).padStart(40, '0')}`;
    await sql.query(
      `with p as (
         insert into public.performances (cast_hash, artist_fid, title, cast_created_at)
         values ($1, 1, $2, now() - interval '2 hours') returning id, cast_created_at)
       insert into public.viral_aggregates (cast_hash, performance_id, artist_fid, cast_created_at, ref_at, engagers)
       select $1, p.id, 1, p.cast_created_at, now(), $3 from p`,
      [castHash, `Bench set ${index + 1}`, subscribers],
    );
    await sql.query(
      `insert into public.viral_engagers (cast_hash, fid, weight, engaged_at, like_at)
       select $1, 1000 + f, 0.5, now() - interval '1 hour', now() - interval '1 hour'
       from generate_series(1, $2::int) f`,
      [castHash, subscribers],
    );
    for (const client of clients) {
      client.requests.length = 0;
      client.shown.length = 0;
    }
    await sql.query('vacuum analyze public.miniapp_notification_deliveries');

    // The coin launches: what confirm_coin inserts; the trigger queues every delivery in this transaction.
    const enqueueStart = performance.now();
    await sql.query(
      `insert into public.performance_coins (performance_id, coin_address, chain_id, symbol, name, tx_hash)
       select id, '0x' || lpad(to_hex(${index + 1}), 40, 'c'), 8453, 'BENCH', 'Bench', '0x' || lpad(to_hex(${index + 1}), 64, 'd')
       from public.performances where cast_hash = '${castHash}'`,
    );
    const enqueueMs = performance.now() - enqueueStart;
    const [queued] = await sql.query<{ n: number }>(
      `select count(*)::int as n from public.miniapp_notification_deliveries d
       join public.miniapp_notifications n on n.id = d.notification_id where n.subject = $1`,
      [castHash],
    );

    // The Node host's own fetch for notifications (public addresses only; loopback allowed here, as on the devnet).
    const hostFetch = createPublicOnlyFetch({ allowLoopback: true });
    const requestMs: number[] = [];
    let answered429 = 0;
    let answered503 = 0;
    const timedFetch: typeof fetch = async (input, init) => {
      const start = performance.now();
      const response = await hostFetch(input, init);
      requestMs.push(performance.now() - start);
      if (response.status === 429) answered429++;
      if (response.status === 503) answered503++;
      return response;
    };
    const makeSender = (i: number) =>
      createNotificationSender({
        store: stores.miniapp,
        publicUrl: PUBLIC_URL,
        logger: silentLogger,
        workerId: `bench-${index}-${i}`,
        fetch: timedFetch,
        allowLoopbackHttp: true,
      });
    const pool = Array.from({ length: senders }, (_, i) => makeSender(i));
    /** Every sender runs until a run finds nothing due; answers tokens sent. */
    const drain = async () => {
      let sent = 0;
      await Promise.all(
        pool.map(async (sender) => {
          for (;;) {
            const run = await sender.runOnce();
            sent += run.sent;
            if (run.sent + run.invalid + run.rate_limited + run.retry + run.failed === 0) return;
          }
        }),
      );
      return sent;
    };

    const firstStart = performance.now();
    const firstPassSent = await drain();
    const firstPassMs = performance.now() - firstStart;
    const firstRequests = requestMs.length;
    const [waiting] = await sql.query<{ n: number }>(
      `select count(*)::int as n from public.miniapp_notification_deliveries where status = 'pending'`,
    );
    // Bring the retries forward (the real wait is 30-60 s for a 429, 15 s for a 503) until none is left; a retry may
    // meet a fault again.
    const retryStart = performance.now();
    let retryPasses = 0;
    for (;;) {
      const [left] = await sql.query<{ n: number }>(
        `update public.miniapp_notification_deliveries set next_attempt_at = now() where status = 'pending'
         returning 1 as n`,
      );
      if (left === undefined || retryPasses >= 10) break;
      retryPasses++;
      await drain();
    }
    const retryPassMs = performance.now() - retryStart;

    const shown = clients.flatMap((c) => c.shown.map((s) => s.token));
    const [pending] = await sql.query<{ n: number }>(
      `select count(*)::int as n from public.miniapp_notification_deliveries where status <> 'sent'`,
    );
    rounds.push({
      senders,
      enqueueMs,
      deliveries: queued?.n ?? 0,
      firstPassMs,
      firstPassSent,
      requests: firstRequests,
      requestMs: Float64Array.from(requestMs).sort(),
      answered429,
      answered503,
      retriedTokens: waiting?.n ?? 0,
      retryPassMs,
      retryPasses,
      shownOnce: shown.length === subscribers && new Set(shown).size === subscribers && (pending?.n ?? 1) === 0,
    });
    // The next round starts from a clean outbox.
    await sql.query('delete from public.miniapp_notification_deliveries');
  }

  console.log(machineLine());
  console.log(
    `PostgreSQL ${server.version} (${server.description}); ${num(subscribers)} subscribers over ${clientCount} ` +
      `stand-in clients; every ${faultEvery || '—'}th request of a client 503, the next 429; ` +
      `other processes kept ${num(load, 2)} cores busy at start; ${new Date().toISOString()}`,
  );
  console.log(
    formatTable(
      [
        'senders',
        'enqueue ms',
        'deliveries',
        'first pass s',
        'sent/s',
        'requests',
        'tokens/req',
        'req p50 ms',
        'req p99 ms',
        '429',
        '503',
        'retried',
        'retry passes',
        'retries ms',
        'each shown once',
      ],
      rounds.map((r) => [
        String(r.senders),
        num(r.enqueueMs, 1),
        num(r.deliveries),
        num(r.firstPassMs / 1000, 2),
        num(r.firstPassSent / (r.firstPassMs / 1000)),
        num(r.requests),
        num((r.firstPassSent + r.retriedTokens) / r.requests, 1),
        num(percentile(r.requestMs, 0.5), 1),
        num(percentile(r.requestMs, 0.99), 1),
        num(r.answered429),
        num(r.answered503),
        num(r.retriedTokens),
        String(r.retryPasses),
        num(r.retryPassMs, 0),
        r.shownOnce ? 'yes' : 'NO',
      ]),
    ),
  );
} finally {
  await cleanup.run();
}
