import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { loadFrameFonts } from '../../frames/index.ts';
import type { Env } from '../config/schema.ts';
import { createGigaVibe, type DevChainAdapters } from '../createGigaVibe.ts';
import type { Stores } from '../createStores.ts';
import { createNodeValidationMethods } from '../farcaster/nodeValidationMethods.ts';
import { capNodeServer, nodeServerOptions } from '../http/nodeServerLimits.ts';
import { createJobRunner } from '../jobs/createJobRunner.ts';
import { createMetrics } from '../metrics/createMetrics.ts';
import { assertPortFree } from '../startup/assertPortFree.ts';
import { createLogger, errorFields } from '../support/logger.ts';
import { loadNodeWebApp } from '../webapp/loadNodeWebApp.ts';
import type { InboxDrainerOptions } from '../webhooks/createInboxDrainer.ts';
import { nodeWebhookCrypto } from '../webhooks/nodeWebhookCrypto.ts';
import { createPublicOnlyFetch } from './createPublicOnlyFetch.ts';
import { closeServer, createShutdown } from './createShutdown.ts';
import { openDatabase } from './openDatabase.ts';

/** The development webhook secret: generated once, printed once, kept in DATA_DIR. */
async function developmentSecret(dataDir: string): Promise<string> {
  const file = path.resolve(dataDir, 'neynar-webhook-secret');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const secret = randomBytes(32).toString('hex');
    await mkdir(dataDir, { recursive: true });
    await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    console.log(
      `No NEYNAR_WEBHOOK_SECRET set: generated a development webhook secret (shown once, kept in ${file}):\n  ${secret}`,
    );
    return secret;
  }
}

/** A development chain the dev host started (src/dev.ts), with what the core needs of it and how to stop it. */
export interface NodeDevChain {
  adapters: DevChainAdapters;
  stop(): Promise<void>;
}

/** Drainer pacing per database, chosen with npm run bench:ingest. PostgreSQL: batches of up to about 250 ms (bigger
 * batches cost less per event), resting half as long while acknowledgements wait, and a backlog left by a burst
 * applied in two lanes at once (the second core is otherwise idle then). PGlite runs every query on the
 * server's one thread, so an apply call holds up every acknowledgement behind it: calls of about 20 ms (batches down
 * to 20 events; the call's time budget cuts a burst of costlier casts short), a rest as long as the call, and 100 ms
 * for a batch to gather under load. */
function drainerFor(kind: 'postgres' | 'pglite' | 'supabase'): Omit<InboxDrainerOptions, 'ackBusy'> {
  return kind === 'pglite'
    ? { targetBatchMs: 20, minBatch: 20, restRatio: 1, lingerMs: 100, initialBatch: 20 }
    : { targetBatchMs: 250, restRatio: 0.5, lingerMs: 50, lanes: 2 };
}

/** The Node host: opens the database, builds GigaVibe (createGigaVibe), serves its app, runs its jobs with one runner
 * (exclusive ones under a database lease, so several processes can share a database), and shuts down gracefully on
 * SIGINT/SIGTERM. Everything else lives in the core; `dev` is the development chain of `npm start`, if any. */
export async function startNodeHost(
  env: Env,
  options: {
    dev?: NodeDevChain;
    command?: string;
    /** Runs once when this start created the schema (the development host delivers its demo data here). */
    onFreshDatabase?: (stores: Stores) => Promise<void>;
    /** The mini app bundle: 'build' bundles the source at start (development), 'prebuilt' (default) reads
     * `npm run build`'s dist/client, building it only when missing. */
    webApp?: 'build' | 'prebuilt';
  } = {},
): Promise<void> {
  const logger = createLogger(env.LOG_LEVEL);
  // Port first, then the database: a second server stops before it touches anything.
  await assertPortFree(env.PORT);
  const db = await openDatabase(env, { command: options.command ?? 'the GigaVibe server', logger });
  if (db.applied.length > 0) logger.info('migrations applied', { versions: db.applied });
  if (db.fresh && options.onFreshDatabase !== undefined) await options.onFreshDatabase(db.stores);
  const secrets = env.NEYNAR_WEBHOOK_SECRET ?? [await developmentSecret(env.DATA_DIR)];
  const params = await db.stores.viral.applyViralConfig(env.VIRAL_SCORE_THRESHOLD ?? null);
  logger.info('viral parameters', { threshold: params.threshold, updatedBy: params.updated_by });
  const publicUrl = env.PUBLIC_URL ?? `http://localhost:${env.PORT}`;
  const metrics = createMetrics({ snapshot: () => db.stores.metrics.snapshot(), snapshotTimeoutMs: 2000, logger });

  const gv = createGigaVibe(env, {
    kind: 'node',
    stores: db.stores,
    logger,
    webhookSecrets: secrets,
    applyMode: 'inline',
    // Measured with npm run bench:ingest: node:crypto and at most 2 inbox inserts in flight give the best ack latency.
    writer: { maxInFlight: 2 },
    drainer: {
      ...drainerFor(db.kind),
      ...(env.INGEST_APPLY_REST_RATIO === undefined ? {} : { restRatio: env.INGEST_APPLY_REST_RATIO }),
      ...(env.INGEST_APPLY_LANES === undefined || db.kind === 'pglite' ? {} : { lanes: env.INGEST_APPLY_LANES }),
      ...(env.INGEST_APPLY_MAX_LAG_MS === undefined ? {} : { maxLagMs: env.INGEST_APPLY_MAX_LAG_MS }),
    },
    webhookCrypto: nodeWebhookCrypto,
    // The socket's peer, never X-Forwarded-For: behind a reverse proxy every client is the proxy (see the README).
    clientAddress: (c) => getConnInfo(c).remote.address,
    publicUrl,
    // Read from disk on the first frame image, not at boot.
    fonts: loadFrameFonts,
    // Measured: Ed25519 through OpenSSL instead of pure JS takes ~1.3 ms of CPU off every verified action.
    validationMethods: createNodeValidationMethods(),
    randomSecret: () => randomBytes(32).toString('hex'),
    ...(options.dev === undefined ? {} : { dev: options.dev.adapters }),
    metrics,
    webAppAssets: loadNodeWebApp(options.webApp ?? 'prebuilt', logger),
    ...(db.listener === null ? {} : { listener: db.listener }),
    // Notification URLs come from anyone's signed webhook event: send only to public addresses (the devnet's local
    // stand-ins on loopback too).
    ...(env.NOTIFICATION_PRIVATE_ADDRESS_CHECK
      ? { notificationFetch: createPublicOnlyFetch({ allowLoopback: options.dev !== undefined }) }
      : {}),
  });
  for (const job of gv.skipped) logger.warn('background job not run here', { job: job.name, reason: job.reason });

  // Finish whatever the inbox holds from before a crash or restart before serving.
  const recovered = await gv.drainer.drain();
  if (recovered.applied > 0) logger.info('applied events left in the inbox', recovered);

  const server = serve({ fetch: gv.app.fetch, port: env.PORT, serverOptions: nodeServerOptions() }, (info) => {
    logger.info('listening', { port: info.port, database: db.kind, url: publicUrl });
  });
  capNodeServer(server as Server);

  // Jobs start once the app is served: the coin job's coins-sdk call fetches our metadata route before it returns.
  const runner = createJobRunner(gv.jobs, { logger, leases: db.stores.jobs, metrics });
  server.once('listening', () => runner.start());

  // Requests in flight get SHUTDOWN_GRACE_SECONDS; the rest (the inbox batch, job runs, the database) 15 s more.
  const graceMs = env.SHUTDOWN_GRACE_SECONDS * 1000;
  const stop = createShutdown({
    deadlineMs: graceMs + 15_000,
    logger,
    exit: (code) => process.exit(code),
    steps: [
      // Streams end with a reconnect hint while the listener closes, so their clients reconnect to another instance.
      {
        name: 'http',
        run: () => Promise.all([closeServer(server as Server, graceMs), gv.stream?.close()]).then(() => {}),
      },
      { name: 'inbox writer', run: () => gv.writer.flush() },
      { name: 'jobs', run: () => runner.stop() },
      { name: 'inbox drainer', run: () => gv.drainer.idle() },
      { name: 'view log', run: () => gv.frames?.viewLog.stop() },
      { name: 'dev chain', run: () => options.dev?.stop() },
      { name: 'database', run: () => db.stores.close() },
    ],
  });
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('unhandledRejection', (error) => logger.error('unhandled rejection', errorFields(error)));
}
