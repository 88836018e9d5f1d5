/** The ceiling for `npm run bench:ingest`: the same HTTP stack as the GigaVibe Node host (@hono/node-server with the
 * host's server limits, Hono, the real `POST /webhooks/neynar` route: size-limited body read, HMAC-SHA512 check with
 * node:crypto, JSON parse, event validation and the body's SHA-256) whose inbox stores nothing and applies nothing.
 * What GigaVibe does beyond it (commit to the inbox, apply) is what the ratio to this server measures.
 * Runs as a child process; env: PORT, NOOP_SECRET. */
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { capNodeServer, nodeServerOptions } from '../../src/http/nodeServerLimits.ts';
import { createErrorHandler } from '../../src/http/onError.ts';
import { createLogger } from '../../src/support/logger.ts';
import type { InboxWriter } from '../../src/webhooks/createInboxWriter.ts';
import { neynarWebhookRoute } from '../../src/webhooks/neynarWebhookRoute.ts';
import { nodeWebhookCrypto } from '../../src/webhooks/nodeWebhookCrypto.ts';
import { PERFORMANCE_CHANNEL } from '../neynarPayloads.ts';

const secret = process.env.NOOP_SECRET;
if (!secret) throw new Error('set NOOP_SECRET');
const port = Number(process.env.PORT);
const logger = createLogger('warn');

/** Every delivery is "new" and nothing is kept. */
const discard: InboxWriter = {
  write: async () => true,
  flush: async () => undefined,
  busy: () => false,
};

const app = new Hono();
app.onError(createErrorHandler(logger));
app.get('/healthz', (c) => c.json({ status: 'ok' }));
app.route(
  '/webhooks/neynar',
  neynarWebhookRoute({
    secrets: [secret],
    performanceChannelUrl: PERFORMANCE_CHANNEL,
    writer: discard,
    logger,
    afterCommit: () => undefined,
    crypto: nodeWebhookCrypto,
  }),
);

const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1', serverOptions: nodeServerOptions() });
capNodeServer(server as Server);
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
