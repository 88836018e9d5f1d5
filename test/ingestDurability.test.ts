import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { castHash, PERFORMANCE_CHANNEL, performanceCast, reaction, user } from '../scripts/neynarPayloads.ts';
import { createStores } from '../src/createStores.ts';
import { migrate, readBootstrap, readMigrations } from '../src/db/migrate.ts';
import { openPglite } from '../src/db/pglite.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { sqlRpc } from '../src/db/rpc.ts';
import type { SqlClient } from '../src/db/sqlClient.ts';
import { parseNeynarEvent } from '../src/webhooks/parseNeynarEvent.ts';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';
import { metricsOf, testApp } from './support/testApp.ts';

const T0 = Date.parse('2026-11-21T08:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000);
const artist = user(2000);

/** A scripted burst for one cast: likes, recasts, removals, exact duplicates and out-of-order events, with the
 * expected final counts computed independently by the reaction CRDT rule. */
function burst(hash: string, seed: number, size: number) {
  let state = seed;
  const rand = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  const payloads: unknown[] = [];
  const latest = new Map<string, { t: number; active: boolean }>();
  for (let i = 0; i < size; i++) {
    const fid = 10_000 + Math.floor(rand() * 40);
    const type = rand() < 0.75 ? 1 : 2;
    const active = rand() < 0.8;
    const t = Math.floor(rand() * 1000);
    const p = reaction({ kind: active ? 'created' : 'deleted', type, castHash: hash, reactor: user(fid), at: at(t) });
    payloads.push(p);
    if (rand() < 0.1) payloads.push(p);
    const key = `${type}:${fid}`;
    const prev = latest.get(key);
    if (!prev || t > prev.t || (t === prev.t && prev.active && !active)) latest.set(key, { t, active });
  }
  let likes = 0;
  let recasts = 0;
  for (const [key, v] of latest) {
    if (!v.active) continue;
    if (key.startsWith('1:')) likes++;
    else recasts++;
  }
  return { payloads, likes, recasts };
}

describe.each(databaseTargets())('ingest durability and concurrency on $name', (target: DatabaseTarget) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await target.create();
  });
  afterAll(async () => {
    await db.close();
  });

  it('applies an acknowledged event even if the process dies before applying it', async () => {
    const hash = castHash(1, 'b');
    const first = testApp(db, { applyMode: 'none' });
    expect((await first.deliver(performanceCast(hash, artist, at(0)))).status).toBe(200);
    for (let fid = 1; fid <= 5; fid++) {
      const res = await first.deliver(
        reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(fid), at: at(fid) }),
      );
      expect(res.status).toBe(200);
    }
    // "Crash": the first instance never applies anything. A new instance starts and drains what the inbox holds.
    expect((await first.get(`/api/performances/${hash}`)).status).toBe(404);
    const restarted = testApp(db, { applyMode: 'none' });
    expect(await restarted.drainer.drain()).toEqual({ applied: 6, failed: 0 });
    expect(await metricsOf(restarted, hash)).toMatchObject({ likes: 5 });
  });

  it('marks an event that cannot be applied as failed, keeps it, and applies the rest', async () => {
    const hash = castHash(2, 'b');
    const app = testApp(db, { applyMode: 'none' });
    await app.deliver(performanceCast(hash, artist, at(0)));
    const parsed = parseNeynarEvent(
      reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(9), at: at(1) }),
      { performanceChannelUrl: PERFORMANCE_CHANNEL, receivedAt: new Date() },
    );
    if (!parsed.ok || parsed.event.kind !== 'reaction') throw new Error('fixture');
    // A corrupted row (as if written by an older version): its time is not a time ('yesterday' would parse in Postgres).
    await db.stores.ingest.ingestDeliveries([
      {
        sha256: 'e'.repeat(64),
        rawBody: '{}',
        eventType: 'reaction.created',
        event: { ...parsed.event, at: 'not-a-time' },
      },
    ]);
    await app.deliver(reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(10), at: at(2) }));
    const result = await app.drainer.drain();
    expect(result).toEqual({ applied: 2, failed: 1 });
    const rows = await db.sql.query<{ state: string; error: string }>(
      'select state, error from webhook_inbox where body_sha256 = $1',
      ['e'.repeat(64)],
    );
    expect(rows[0]?.state).toBe('failed');
    expect(rows[0]?.error).toMatch(/^22007: invalid input syntax for type timestamp/);
    expect(await metricsOf(app, hash)).toMatchObject({ likes: 1 });
    expect((await app.get('/healthz')).body).toMatchObject({ database: { failedEvents: 1, pendingEvents: 0 } });

    // A retry puts it back in the queue; still corrupt, it fails again and leaves the queue again.
    expect(await db.stores.ingest.retryFailedWebhooks()).toBe(1);
    expect((await app.get('/healthz')).body).toMatchObject({ database: { failedEvents: 0, pendingEvents: 1 } });
    expect(await app.drainer.drain()).toEqual({ applied: 0, failed: 1 });
    expect((await app.get('/healthz')).body).toMatchObject({ database: { failedEvents: 1, pendingEvents: 0 } });
    const [queued] = await db.sql.query<{ n: number }>('select count(*)::int as n from webhook_inbox_pending');
    expect(queued?.n).toBe(0);
  });

  it('marks rows applied without touching any index: no index of the inbox names its state, pages keep room', async () => {
    // Marking a row applied is then a HOT update (one tuple on the same page, no index entries, a small WAL
    // record); an index that named `state` would make every applied event rewrite the row and all its indexes.
    const indexes = await db.sql.query<{ def: string }>(
      "select pg_get_indexdef(indexrelid) as def from pg_index where indrelid = 'public.webhook_inbox'::regclass",
    );
    expect(indexes.length).toBeGreaterThanOrEqual(3);
    for (const { def } of indexes) expect(def).not.toMatch(/\bstate\b/);
    const [table] = await db.sql.query<{ options: string[] | null }>(
      "select reloptions as options from pg_class where oid = 'public.webhook_inbox'::regclass",
    );
    expect(table?.options).toContain('fillfactor=50');
  });

  it('ends concurrent deliveries for one cast, from several instances, with exact counts', async () => {
    const hash = castHash(3, 'b');
    const { payloads, likes, recasts } = burst(hash, 42, 300);
    // Several "instances": each with its own connection pool (PostgreSQL) and its own in-process drainer.
    const pools: SqlClient[] = db.url === null ? [] : [1, 2, 3, 4].map(() => openPostgres(db.url!, { max: 8 }));
    const perInstance = pools.length === 0 ? [db.stores] : pools.map((p) => createStores(sqlRpc(p)));
    const instances = perInstance.map((stores) =>
      testApp({ ...db, stores }, { applyMode: 'inline', writer: { maxBatch: 16 } }),
    );
    await instances[0]!.deliver(performanceCast(hash, artist, at(0)));
    const responses = await Promise.all(payloads.map((p, i) => instances[i % instances.length]!.deliver(p)));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    await Promise.all(instances.map((a) => a.drainer.idle()));
    await Promise.all(instances.map((a) => a.drainer.drain()));
    expect(await metricsOf(instances[0]!, hash)).toMatchObject({ likes, recasts });
    expect(await db.stores.ingest.metricDrift()).toEqual([]);
    await Promise.all(pools.map((p) => p.close()));
  });

  it('applies each inbox row exactly once when several drainers race', async () => {
    const hash = castHash(4, 'b');
    const { payloads, likes, recasts } = burst(hash, 7, 400);
    const writer = testApp(db, { applyMode: 'none' });
    await writer.deliver(performanceCast(hash, artist, at(0)));
    for (const p of payloads) await writer.deliver(p);
    const pools: SqlClient[] = db.url === null ? [] : [1, 2, 3, 4].map(() => openPostgres(db.url!, { max: 2 }));
    const perDrainer = pools.length === 0 ? [db.stores, db.stores] : pools.map((p) => createStores(sqlRpc(p)));
    const drains = await Promise.all(
      perDrainer.map((stores) => testApp({ ...db, stores }, { applyMode: 'none' }).drainer.drain()),
    );
    const unique = new Set(payloads.map((p) => JSON.stringify(p))).size + 1;
    expect(drains.reduce((sum, d) => sum + d.applied, 0)).toBe(unique);
    expect(await metricsOf(writer, hash)).toMatchObject({ likes, recasts });
    const [counts] = await db.sql.query<{ inbox: number; analytics: number }>(
      `select (select count(*)::int from webhook_inbox where state = 'applied') as inbox,
              (select count(*)::int from analytics_events where inbox_id is not null) as analytics`,
    );
    expect(counts?.analytics).toBe(counts?.inbox);
    await Promise.all(pools.map((p) => p.close()));
  });
});

describe('crash in the middle of applying a batch', () => {
  it('on PGlite: a restart after an uncommitted apply finds every event still pending, then applies it once', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gigavibe-crash-'));
    try {
      const hash = castHash(5, 'b');
      let sql = await openPglite(dir);
      await migrate(sql, { migrations: await readMigrations(), bootstrap: await readBootstrap() });
      const app = testApp({
        kind: 'pglite',
        sql,
        stores: createStores(sqlRpc(sql)),
        url: null,
        close: () => sql.close(),
      });
      await app.deliver(performanceCast(hash, artist, at(0)));
      await app.deliver(reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(1), at: at(1) }));
      // Apply inside a transaction that never commits, then stop the database: the process "died" mid-apply.
      await sql.session(async (s) => {
        await s.exec('begin');
        await s.query('select public.apply_webhook_inbox(500)');
      });
      await sql.close();
      sql = await openPglite(dir);
      const stores = createStores(sqlRpc(sql));
      expect((await stores.ingest.health()).pendingEvents).toBe(2);
      const restarted = testApp({ kind: 'pglite', sql, stores, url: null, close: () => sql.close() });
      expect(await restarted.drainer.drain()).toEqual({ applied: 2, failed: 0 });
      expect(await metricsOf(restarted, hash)).toMatchObject({ likes: 1 });
      await sql.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  const url = process.env.TEST_DATABASE_URL;
  it.runIf(Boolean(url))(
    'on PostgreSQL: a backend killed mid-apply leaves events pending; they are applied once',
    async () => {
      const target = databaseTargets().find((t) => t.name === 'postgres')!;
      const db = await target.create();
      try {
        const hash = castHash(6, 'b');
        const app = testApp(db, { applyMode: 'none' });
        await app.deliver(performanceCast(hash, artist, at(0)));
        for (let fid = 1; fid <= 3; fid++) {
          await app.deliver(reaction({ kind: 'created', type: 2, castHash: hash, reactor: user(fid), at: at(fid) }));
        }
        const victim = new pg.Client({ connectionString: db.url! });
        victim.on('error', () => undefined);
        await victim.connect();
        const [{ pid }] = (await victim.query<{ pid: number }>('select pg_backend_pid() as pid')).rows as [
          { pid: number },
        ];
        await victim.query('begin');
        await victim.query('select public.apply_webhook_inbox(500)');
        await db.sql.query('select pg_terminate_backend($1)', [pid]);
        await victim.end().catch(() => undefined);
        expect((await db.stores.ingest.health()).pendingEvents).toBe(4);
        expect(await app.drainer.drain()).toEqual({ applied: 4, failed: 0 });
        expect(await metricsOf(app, hash)).toMatchObject({ recasts: 3 });
      } finally {
        await db.close();
      }
    },
  );
});

describe('an unreachable database', () => {
  it('answers 503 with Retry-After on webhooks and reads, and 503 on /healthz, never 500', async () => {
    const sql = openPostgres('postgres://nobody@127.0.0.1:1/none', { max: 1 });
    const stores = createStores(sqlRpc(sql));
    const app = testApp(
      { kind: 'postgres', sql, stores, url: null, close: () => sql.close() },
      { applyMode: 'inline' },
    );
    const res = await app.deliver(performanceCast(castHash(7, 'b'), artist, at(0)));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toEqual({ error: 'could not store the event; retry later' });
    expect((await app.get(`/api/performances/${castHash(7, 'b')}`)).status).toBe(503);
    expect((await app.get('/api/performances')).status).toBe(503);
    expect(await app.get('/healthz')).toEqual({
      status: 503,
      body: { status: 'unavailable', database: { reachable: false }, chain: { configured: false } },
    });
    await sql.close();
  });
});
