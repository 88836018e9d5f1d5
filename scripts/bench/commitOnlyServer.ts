/** The acknowledgement path alone, for `npm run bench:ingest`: the no-op server's stack (scripts/bench/noopServer.ts)
 * plus what GigaVibe does before it answers: the host's inbox writer (group commit, 2 inserts in flight) committing
 * every delivery to `webhook_inbox` on the same kind of database. Nothing is ever applied. Its ratio to the no-op
 * server is the most any apply strategy could reach for acknowledgements on this machine; GigaVibe's ratio to it is
 * what applying alongside costs. `GET /stored` answers how many inbox rows exist, so the benchmark can check that every
 * acknowledged new delivery was committed.
 * Runs as a child process; env: PORT, COMMIT_SECRET, and COMMIT_DATABASE_URL (PostgreSQL) or COMMIT_DATA_DIR (PGlite). */
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { capNodeServer, nodeServerOptions } from '../../src/http/nodeServerLimits.ts';
import { createErrorHandler } from '../../src/http/onError.ts';
import { openDatabase } from '../../src/node/openDatabase.ts';
import { createLogger } from '../../src/support/logger.ts';
import { createInboxWriter } from '../../src/webhooks/createInboxWriter.ts';
import { neynarWebhookRoute } from '../../src/webhooks/neynarWebhookRoute.ts';
import { nodeWebhookCrypto } from '../../src/webhooks/nodeWebhookCrypto.ts';
import { PERFORMANCE_CHANNEL } from '../neynarPayloads.ts';

const secret = process.env.COMMIT_SECRET;
if (!secret) throw new Error('set COMMIT_SECRET');
const databaseUrl = process.env.COMMIT_DATABASE_URL;
const dataDir = process.env.COMMIT_DATA_DIR;
if (!databaseUrl && !dataDir) throw new Error('set COMMIT_DATABASE_URL or COMMIT_DATA_DIR');
const port = Number(process.env.PORT);
const logger = createLogger('warn');

const db = await openDatabase(
  {
    DATABASE_URL: databaseUrl || undefined,
    DATA_DIR: dataDir ?? '',
    SUPABASE_URL: undefined,
    SUPABASE_SERVICE_ROLE_KEY: undefined,
    MIGRATE_ON_START: true,
  },
  { migrate: true, command: 'the commit-only bench server', logger },
);
const sql = db.sql;
if (sql === null) throw new Error('the commit-only server needs PostgreSQL or PGlite');
// The Node host's writer settings (src/node/startNodeHost.ts).
const writer = createInboxWriter(db.stores.ingest, { maxInFlight: 2 });

const app = new Hono();
app.onError(createErrorHandler(logger));
app.get('/healthz', (c) => c.json({ status: 'ok' }));
app.get('/stored', async (c) => {
  const [row] = await sql.query<{ n: number }>('select count(*)::int as n from public.webhook_inbox');
  return c.json({ stored: row?.n ?? 0 });
});
app.route(
  '/webhooks/neynar',
  neynarWebhookRoute({
    secrets: [secret],
    performanceChannelUrl: PERFORMANCE_CHANNEL,
    writer,
    logger,
    afterCommit: () => undefined,
    crypto: nodeWebhookCrypto,
  }),
);

const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1', serverOptions: nodeServerOptions() });
capNodeServer(server as Server);
const stop = () =>
  server.close(() => {
    void writer
      .flush()
      .then(() => sql.close())
      .finally(() => process.exit(0));
  });
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
