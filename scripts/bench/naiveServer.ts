/** The naive baseline for `npm run bench:ingest`: what a first attempt at webhook counting usually looks like. Same
 * HMAC check as GigaVibe, then JSON.parse and a per-event read-modify-write of a counter (SELECT the value, UPDATE it
 * to value ± 1): no inbox, no idempotency, no ordering rule, no transaction. It is fast to write and wrong under
 * duplicates, reordering and concurrent requests, which is what the benchmark shows.
 * Runs as a child process; env: PORT, NAIVE_SECRET, and NAIVE_DATABASE_URL (PostgreSQL) or NAIVE_DATA_DIR (PGlite). */
import { PGlite } from '@electric-sql/pglite';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import pg from 'pg';
import { createSignatureVerifier } from '../../src/webhooks/verifySignature.ts';

interface Db {
  query<Row>(sql: string, params?: unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

async function openDb(): Promise<Db> {
  const url = process.env.NAIVE_DATABASE_URL;
  if (url) {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    pool.on('error', () => undefined);
    return {
      query: async <Row>(sql: string, params: unknown[] = []) => (await pool.query(sql, params)).rows as Row[],
      close: () => pool.end(),
    };
  }
  const dir = process.env.NAIVE_DATA_DIR;
  if (!dir) throw new Error('set NAIVE_DATABASE_URL or NAIVE_DATA_DIR');
  const db = new PGlite(dir);
  await db.waitReady;
  return {
    query: async <Row>(sql: string, params: unknown[] = []) => (await db.query<Row>(sql, params)).rows,
    close: () => db.close(),
  };
}

type Webhook =
  | { kind: 'cast'; hash: string }
  | { kind: 'reaction'; hash: string; metric: 'likes' | 'recasts'; delta: 1 | -1 }
  | { kind: 'other' };

const record = (v: unknown): Record<string, unknown> | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

function readWebhook(payload: unknown): Webhook | null {
  const body = record(payload);
  const data = record(body?.data);
  if (body === null || data === null) return null;
  if (body.type === 'cast.created') return typeof data.hash === 'string' ? { kind: 'cast', hash: data.hash } : null;
  if (body.type === 'reaction.created' || body.type === 'reaction.deleted') {
    const hash = record(data.cast)?.hash;
    if (typeof hash !== 'string' || (data.reaction_type !== 1 && data.reaction_type !== 2)) return null;
    const metric = data.reaction_type === 1 ? 'likes' : 'recasts';
    return { kind: 'reaction', hash: hash.toLowerCase(), metric, delta: body.type === 'reaction.created' ? 1 : -1 };
  }
  return { kind: 'other' };
}

async function main(): Promise<void> {
  const secret = process.env.NAIVE_SECRET;
  if (!secret) throw new Error('set NAIVE_SECRET');
  const db = await openDb();
  await db.query(
    'create table if not exists naive_counts (cast_hash text not null, metric text not null, ' +
      'value integer not null, primary key (cast_hash, metric))',
  );
  const version = (await db.query<{ v: string }>("select current_setting('server_version') as v"))[0]?.v ?? '?';
  const verify = createSignatureVerifier([secret]);
  const app = new Hono();

  app.get('/healthz', (c) => c.json({ status: 'ok', version }));

  app.post('/webhooks/neynar', async (c) => {
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (!(await verify(bytes, c.req.header('x-neynar-signature')))) return c.json({ error: 'bad signature' }, 401);
    let webhook: Webhook | null;
    try {
      webhook = readWebhook(JSON.parse(new TextDecoder().decode(bytes)));
    } catch {
      webhook = null;
    }
    if (webhook === null) return c.json({ error: 'bad payload' }, 400);
    if (webhook.kind === 'cast') {
      await db.query("insert into naive_counts values ($1, 'likes', 0), ($1, 'recasts', 0) on conflict do nothing", [
        webhook.hash.toLowerCase(),
      ]);
    } else if (webhook.kind === 'reaction') {
      const rows = await db.query<{ value: number }>(
        'select value from naive_counts where cast_hash = $1 and metric = $2',
        [webhook.hash, webhook.metric],
      );
      const current = rows[0]?.value;
      if (current === undefined) {
        await db.query(
          'insert into naive_counts values ($1, $2, $3) on conflict (cast_hash, metric) do update set value = $3',
          [webhook.hash, webhook.metric, webhook.delta],
        );
      } else {
        await db.query('update naive_counts set value = $3 where cast_hash = $1 and metric = $2', [
          webhook.hash,
          webhook.metric,
          current + webhook.delta,
        ]);
      }
    }
    return c.json({ ok: true });
  });

  app.get('/counts/:hash', async (c) => {
    const rows = await db.query<{ metric: string; value: number }>(
      'select metric, value from naive_counts where cast_hash = $1',
      [c.req.param('hash').toLowerCase()],
    );
    const get = (metric: string) => rows.find((r) => r.metric === metric)?.value ?? 0;
    return c.json({ likes: get('likes'), recasts: get('recasts') });
  });

  const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 8790), hostname: '127.0.0.1' });
  const stop = () => {
    server.close();
    void db.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

await main();
