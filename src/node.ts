import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { createApp } from './app.ts';
import { type CoinChain, createCoinChain } from './coins/createCoinChain.ts';
import { createCoinWorker } from './coins/createCoinWorker.ts';
import { readCoinChainSettings } from './coins/readCoinChainSettings.ts';
import { ConfigError, loadConfig } from './config/loadConfig.ts';
import { openDatabase } from './db/openDatabase.ts';
import { createLogger, errorFields, type Logger } from './support/logger.ts';
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

/** Where coins are created: the configured chain; else, on the embedded database only (local development), a
 * devnet started here (anvil + Zora API stand-in, imported dynamically so no production path loads them); else
 * nowhere, and jobs wait with the reason. A production database never sees devnet coins. */
async function coinChain(
  env: ReturnType<typeof loadConfig>,
  databaseKind: string,
  logger: Logger,
): Promise<{ chain: CoinChain | null; reason: string; stop(): Promise<void> }> {
  const read = readCoinChainSettings(env);
  const none = async () => {};
  if (read.ok) {
    if (env.PUBLIC_URL === undefined) {
      return { chain: null, reason: 'PUBLIC_URL is not set: coin metadata URIs would point at localhost', stop: none };
    }
    return { chain: createCoinChain(read.settings), reason: '', stop: none };
  }
  if (env.BASE_RPC_URL !== undefined || databaseKind !== 'pglite')
    return { chain: null, reason: read.reason, stop: none };
  const { startDevnet } = await import('../scripts/devnet/startDevnet.ts');
  const { startZoraApiStandIn } = await import('../scripts/devnet/zoraApiStandIn.ts');
  // The chain is kept beside the embedded database, so a restart mid coin creation recovers against the same chain.
  const devnet = await startDevnet({ stateDir: path.resolve(env.DATA_DIR, 'devnet') });
  const standIn = await startZoraApiStandIn({ devnet });
  logger.warn('no BASE_RPC_URL: coins are created on a local devnet (anvil, chain id 8453) kept in DATA_DIR/devnet', {
    rpcUrl: devnet.rpcUrl,
    zoraApi: standIn.url,
    factory: devnet.addresses.coinFactory,
  });
  const chain = createCoinChain(
    {
      rpcUrl: devnet.rpcUrl,
      chainId: devnet.chainId,
      privateKey: devnet.accounts.platform.privateKey,
      zoraApiKey: undefined,
      zoraApiBaseUrl: standIn.url,
      platformReferrer: env.PLATFORM_REFERRER_ADDRESS,
    },
    { pollingIntervalMs: 200 },
  );
  return {
    chain,
    reason: '',
    async stop() {
      await standIn.close();
      await devnet.stop();
    },
  };
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

  const publicUrl = env.PUBLIC_URL ?? `http://localhost:${env.PORT}`;
  const server = serve({ fetch: gv.app.fetch, port: env.PORT }, (info) => {
    logger.info('listening', { port: info.port, database: db.kind, url: publicUrl });
  });

  // The coin worker starts once the chain is ready (a devnet takes a few seconds) and the metadata route is
  // served, because coins-sdk fetches the metadata URL before it returns calldata.
  const coins = coinChain(env, db.kind, logger).then((c) => {
    if (c.chain === null) logger.warn('coin creation is off; coin jobs wait', { reason: c.reason });
    const worker = createCoinWorker({
      store: db.store,
      logger,
      chain: c.chain,
      unconfiguredReason: c.reason,
      publicUrl,
      intervalMs: env.COIN_WORKER_SECONDS * 1000,
    });
    worker.start();
    void worker.runOnce();
    return { ...c, worker };
  });
  coins.catch((error: unknown) => logger.error('coin worker did not start', errorFields(error)));

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
    const c = await coins.catch(() => null);
    if (c) {
      await c.worker.stop();
      await c.stop();
    }
    await db.store.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('unhandledRejection', (error) => logger.error('unhandled rejection', errorFields(error)));
}

await main();
