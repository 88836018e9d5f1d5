import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './config/loadConfig.ts';
import { openDatabase } from './db/openDatabase.ts';
import { createLogger, errorFields } from './support/logger.ts';
import { createViralScheduler } from './viral/createViralScheduler.ts';
import { nodeWebhookCrypto } from './webhooks/nodeWebhookCrypto.ts';

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

/** Node host: `npm start`. Reads the environment (the only place besides the Worker entry), opens the database,
 * serves the app, drains the inbox on start and periodically, and shuts down gracefully. */
async function main(): Promise<void> {
  let env: ReturnType<typeof loadConfig>;
  try {
    env = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(env.LOG_LEVEL);
  const db = await openDatabase(env);
  if (db.applied.length > 0) logger.info('migrations applied', { versions: db.applied });
  const secrets = env.NEYNAR_WEBHOOK_SECRET ?? [await developmentSecret(env.DATA_DIR)];
  const params = await db.store.applyViralConfig(env.VIRAL_SCORE_THRESHOLD ?? null);
  logger.info('viral parameters', { threshold: params.threshold, updatedBy: params.updated_by });
  const gv = createApp(
    {
      webhookSecrets: secrets,
      performanceChannelUrl: env.PERFORMANCE_CHANNEL_URL,
      adminToken: env.ADMIN_TOKEN,
    },
    // Measured with npm run bench:ingest: node:crypto and at most 2 inbox inserts in flight give the best ack latency.
    { store: db.store, logger, webhookCrypto: nodeWebhookCrypto, writer: { maxInFlight: 2 } },
  );

  // Finish whatever the inbox holds from before a crash or restart, then keep sweeping.
  const recovered = await gv.drainer.drain();
  if (recovered.applied > 0) logger.info('applied events left in the inbox', recovered);
  const sweep = setInterval(() => gv.drainer.kick(), 5_000);
  const viral = createViralScheduler(db.store, logger, env.VIRAL_SWEEP_SECONDS * 1000);
  viral.start();
  void viral.runOnce();

  const server = serve({ fetch: gv.app.fetch, port: env.PORT }, (info) => {
    logger.info('listening', {
      port: info.port,
      database: db.kind,
      url: env.PUBLIC_URL ?? `http://localhost:${info.port}`,
    });
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    clearInterval(sweep);
    server.close();
    await gv.writer.flush();
    await gv.drainer.idle();
    await viral.stop();
    await db.store.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('unhandledRejection', (error) => logger.error('unhandled rejection', errorFields(error)));
}

await main();
