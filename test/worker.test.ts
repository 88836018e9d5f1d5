import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unstable_startWorker } from 'wrangler';
import { parseNeynarEvent } from '../src/webhooks/parseNeynarEvent.ts';
import { type PostgrestStandIn, startPostgrestStandIn } from './standins/postgrest.ts';
import { databaseTargets, type TestDatabase } from './support/databases.ts';
import { castHash, PERFORMANCE_CHANNEL, performanceCast, reaction, signed, user } from './support/neynarPayloads.ts';

// Nothing may leave the machine: no usage metrics, no request.cf download, no update check (banner), no remote mode.
process.env.WRANGLER_SEND_METRICS = 'false';
process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
process.env.WRANGLER_HIDE_BANNER = 'true';

const SERVICE_KEY = 'worker-test-service-role-key';
const SECRET = 'worker-test-webhook-secret-0123456789';
const root = path.resolve(import.meta.dirname, '..');
const T0 = Date.parse('2026-11-02T20:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);

type Worker = Awaited<ReturnType<typeof unstable_startWorker>>;
type Vars = Record<string, string>;

/** Run src/worker.ts in workerd through wrangler, locally, with exactly these variables (plus wrangler.toml [vars]). */
async function startWorker(name: string, vars: Vars, envFile: string): Promise<Worker> {
  const bindings = Object.fromEntries(
    Object.entries(vars).map(([key, value]) => [key, { type: 'secret_text' as const, value }]),
  );
  const worker = await unstable_startWorker({
    name,
    config: path.join(root, 'wrangler.toml'),
    // An empty env file stands in for .dev.vars/.env, so a developer's local files cannot leak into the test.
    envFiles: [envFile],
    bindings,
    sendMetrics: false,
    // `wrangler dev` derives this from compatibility_flags; the API leaves it to the caller.
    build: {
      nodejsCompatMode: (config: { compatibility_flags?: string[] }) =>
        config.compatibility_flags?.includes('nodejs_compat') ? 'v2' : null,
    },
    dev: {
      remote: false,
      inspector: false,
      watch: false,
      persist: false,
      logLevel: 'warn',
      // Serves /cdn-cgi/handler/scheduled, as `wrangler dev --test-scheduled` does. (Worker.scheduled() of wrangler
      // 4.86.0 looks the Worker up in the proxy's Miniflare instance and throws "worker not found".)
      testScheduled: true,
      server: { hostname: '127.0.0.1', port: 0 },
    },
  });
  await worker.ready;
  return worker;
}

async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** POST payloads to the Worker's webhook one by one, signed as Neynar signs them; answers [status, body] each. */
async function deliver(base: URL, payloads: unknown[]): Promise<[number, unknown][]> {
  const answers: [number, unknown][] = [];
  for (const payload of payloads) {
    const { body, headers } = await signed(SECRET, payload);
    const response = await fetch(new URL('/webhooks/neynar', base), { method: 'POST', body, headers });
    answers.push([response.status, await response.json()]);
  }
  return answers;
}

/** Read a performance through the Worker until its metrics are as expected (the apply runs in waitUntil). */
async function readPerformance(base: URL, hash: string, metrics: Record<string, number>) {
  const read = async () => {
    const response = await fetch(new URL(`/api/performances/${hash}`, base));
    return { status: response.status, body: (await response.json()) as { metrics?: unknown } };
  };
  return poll(read, (r) => r.status === 200 && JSON.stringify(r.body.metrics) === JSON.stringify(metrics));
}

/** A performance with two likes, a recast and a redelivered like, as Neynar would send them. */
function engagement(hash: string, artistFid: number, t: number) {
  return [
    performanceCast(hash, user(artistFid, { username: `artist${artistFid}` }), at(t)),
    reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(601), at: at(t + 1) }),
    reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(602), at: at(t + 2) }),
    reaction({ kind: 'created', type: 2, castHash: hash, reactor: user(603), at: at(t + 3) }),
    // A byte-identical redelivery of the first like: acknowledged, not counted twice.
    reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(601), at: at(t + 1) }),
  ];
}

const ACCEPTED = [
  [200, { ok: true, duplicate: false, ignored: false }],
  [200, { ok: true, duplicate: false, ignored: false }],
  [200, { ok: true, duplicate: false, ignored: false }],
  [200, { ok: true, duplicate: false, ignored: false }],
  [200, { ok: true, duplicate: true, ignored: false }],
];
const METRICS = { likes: 2, recasts: 1, replies: 0, views: 0 };

/** Commit deliveries straight to the inbox without applying them, as when a waitUntil apply is cut short. */
async function leaveInInbox(db: TestDatabase, payloads: unknown[]): Promise<void> {
  await db.store.ingestDeliveries(
    payloads.map((payload) => {
      const rawBody = JSON.stringify(payload);
      const parsed = parseNeynarEvent(payload, { performanceChannelUrl: PERFORMANCE_CHANNEL, receivedAt: at(0) });
      if (!parsed.ok) throw new Error(parsed.reason);
      const sha256 = createHash('sha256').update(rawBody).digest('hex');
      return { sha256, rawBody, eventType: parsed.type, event: parsed.event };
    }),
  );
}

async function fireCron(base: URL): Promise<void> {
  const trigger = await fetch(new URL('/cdn-cgi/handler/scheduled?cron=*+*+*+*+*', base));
  expect([trigger.status, await trigger.text()]).toEqual([200, 'ok']);
}

async function emptyEnvFile(): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gigavibe-worker-test-'));
  const file = path.join(dir, 'empty.env');
  await writeFile(file, '');
  return { dir, file };
}

describe('Worker host on Supabase (src/worker.ts in workerd via wrangler, PostgREST stand-in over PGlite)', () => {
  let db: TestDatabase;
  let standIn: PostgrestStandIn;
  let env: { dir: string; file: string };
  let worker: Worker;
  let base: URL;

  beforeAll(async () => {
    const target = databaseTargets()[0];
    if (target === undefined) throw new Error('no database target');
    db = await target.create();
    standIn = await startPostgrestStandIn({ sql: db.sql, keys: { [SERVICE_KEY]: 'service_role' } });
    env = await emptyEnvFile();
    worker = await startWorker(
      'gigavibe-worker-test',
      { SUPABASE_URL: standIn.url, SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY, NEYNAR_WEBHOOK_SECRET: SECRET },
      env.file,
    );
    base = await worker.url;
  }, 60_000);

  afterAll(async () => {
    await worker?.dispose();
    await standIn?.close();
    await db?.close();
    if (env) await rm(env.dir, { recursive: true, force: true });
  });

  it('answers /healthz from the database behind the Data API', async () => {
    const response = await fetch(new URL('/healthz', base));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      database: { reachable: true, pendingEvents: 0, failedEvents: 0 },
    });
    expect(standIn.calls).toContainEqual({ fn: 'db_health', status: 200, role: 'service_role', code: null });
  });

  it('commits signed webhooks, applies them in waitUntil, and serves exact counts', async () => {
    const hash = castHash(0x77);
    expect(await deliver(base, engagement(hash, 501, 0))).toEqual(ACCEPTED);
    const performance = await readPerformance(base, hash, METRICS);
    expect(performance.status).toBe(200);
    expect(performance.body).toMatchObject({
      castHash: hash,
      artist: { fid: 501, username: 'artist501' },
      metrics: METRICS,
    });
    // The same numbers straight from SQL: the Worker really wrote through the Data API.
    expect((await db.store.getPerformance(hash))?.metrics).toEqual(METRICS);
    expect(await db.store.health()).toEqual({ ok: true, pendingEvents: 0, failedEvents: 0 });
    expect(standIn.calls.filter((c) => c.fn === 'ingest_webhook_events').map((c) => c.status)).toEqual([
      200, 200, 200, 200, 200,
    ]);
  });

  it('refuses an unsigned delivery with 401 and stores nothing', async () => {
    const before = standIn.calls.filter((c) => c.fn === 'ingest_webhook_events').length;
    const body = JSON.stringify(
      reaction({ kind: 'created', type: 1, castHash: castHash(0x78), reactor: user(9), at: at(9) }),
    );
    const response = await fetch(new URL('/webhooks/neynar', base), {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'missing or invalid X-Neynar-Signature' });
    expect(standIn.calls.filter((c) => c.fn === 'ingest_webhook_events').length).toBe(before);
  });

  it('drains events left in the inbox when the cron trigger fires', async () => {
    const hash = castHash(0x79);
    await leaveInInbox(db, [
      performanceCast(hash, user(502), at(10)),
      reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(611), at: at(11) }),
    ]);
    expect(await db.store.health()).toMatchObject({ pendingEvents: 2 });
    await fireCron(base);
    const health = await poll(
      () => db.store.health(),
      (h) => h.pendingEvents === 0,
    );
    expect(health).toEqual({ ok: true, pendingEvents: 0, failedEvents: 0 });
    expect((await db.store.getPerformance(hash))?.metrics.likes).toBe(1);
  });

  it('answers 503 naming NEYNAR_WEBHOOK_SECRET when started without it', async () => {
    const misconfigured = await startWorker(
      'gigavibe-worker-test-misconfigured',
      { SUPABASE_URL: standIn.url, SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY },
      env.file,
    );
    try {
      const url = await misconfigured.url;
      for (const [method, pathname] of [
        ['GET', '/healthz'],
        ['POST', '/webhooks/neynar'],
        ['GET', '/api/performances'],
      ] as const) {
        const response = await fetch(new URL(pathname, url), { method });
        expect(response.status).toBe(503);
        expect(await response.json()).toEqual({ error: 'server misconfigured: NEYNAR_WEBHOOK_SECRET' });
      }
    } finally {
      await misconfigured.dispose();
    }
  }, 60_000);
});

const postgres = databaseTargets().find((t) => t.name === 'postgres');
if (postgres !== undefined) {
  describe('Worker host on PostgreSQL (DATABASE_URL: pg over cloudflare:sockets, one connection per request)', () => {
    const APP = 'gigavibe_worker_test';
    let db: TestDatabase;
    let env: { dir: string; file: string };
    let worker: Worker;
    let base: URL;
    const workerConnections = async () =>
      (
        await db.sql.query<{ n: number }>(
          'select count(*)::integer as n from pg_stat_activity where application_name = $1',
          [APP],
        )
      )[0]?.n;

    beforeAll(async () => {
      db = await postgres.create();
      if (db.url === null) throw new Error('PostgreSQL target without a URL');
      const url = new URL(db.url);
      url.searchParams.set('application_name', APP);
      env = await emptyEnvFile();
      worker = await startWorker(
        'gigavibe-worker-test-postgres',
        { DATABASE_URL: url.toString(), NEYNAR_WEBHOOK_SECRET: SECRET },
        env.file,
      );
      base = await worker.url;
    }, 60_000);

    afterAll(async () => {
      await worker?.dispose();
      await db?.close();
      if (env) await rm(env.dir, { recursive: true, force: true });
    });

    it('serves /healthz, commits and applies signed webhooks, and closes every connection', async () => {
      const health = await fetch(new URL('/healthz', base));
      expect([health.status, await health.json()]).toEqual([
        200,
        { status: 'ok', database: { reachable: true, pendingEvents: 0, failedEvents: 0 } },
      ]);
      const hash = castHash(0x7a);
      expect(await deliver(base, engagement(hash, 701, 20))).toEqual(ACCEPTED);
      const performance = await readPerformance(base, hash, METRICS);
      expect(performance.body).toMatchObject({ castHash: hash, metrics: METRICS });
      expect((await db.store.getPerformance(hash))?.metrics).toEqual(METRICS);
      // No connection outlives its invocation. (This cannot tell the Worker's own end() in waitUntil from workerd
      // dropping the socket when the invocation finishes: both leave zero.)
      expect(await poll(workerConnections, (n) => n === 0)).toBe(0);
    });

    it('drains events left in the inbox when the cron trigger fires', async () => {
      const hash = castHash(0x7b);
      await leaveInInbox(db, [performanceCast(hash, user(702), at(30))]);
      await fireCron(base);
      const health = await poll(
        () => db.store.health(),
        (h) => h.pendingEvents === 0,
      );
      expect(health).toEqual({ ok: true, pendingEvents: 0, failedEvents: 0 });
      expect((await db.store.getPerformance(hash))?.castHash).toBe(hash);
      expect(await poll(workerConnections, (n) => n === 0)).toBe(0);
    });
  });
}
