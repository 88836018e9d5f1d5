import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { createFrames, loadFrameFonts } from '../frames/index.ts';
import { createApp } from './app.ts';
import { type CoinChain, createCoinChain } from './coins/createCoinChain.ts';
import { createCoinWorker } from './coins/createCoinWorker.ts';
import { readCoinChainSettings } from './coins/readCoinChainSettings.ts';
import { ConfigError, loadConfig } from './config/loadConfig.ts';
import { openDatabase } from './db/openDatabase.ts';
import type { Store } from './db/store.ts';
import { UnavailableError } from './errors.ts';
import { createHubSignerCheck } from './farcaster/createHubSignerCheck.ts';
import { type AddressCheck, createHubVerificationCheck } from './farcaster/createHubVerificationCheck.ts';
import { createFrogHub, verifiedFrameAction } from './farcaster/frogHub.ts';
import { createNodeValidationMethods } from './farcaster/nodeValidationMethods.ts';
import type { SignerCheck } from './farcaster/verifyFrameAction.ts';
import { createRateLimiter } from './http/createRateLimiter.ts';
import { capNodeServer, nodeServerOptions } from './http/nodeServerLimits.ts';
import { createLogger, errorFields, type Logger } from './support/logger.ts';
import { createTradingServices, type TradingServices } from './trading/createTradingServices.ts';
import { prepareBuy } from './trading/prepareBuy.ts';
import { pruneTradeQuotes } from './trading/pruneTradeQuotes.ts';
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

/** The offline development chain of `npm start`: on the embedded database with no BASE_RPC_URL, a devnet (anvil +
 * Zora API stand-in, imported dynamically so no production path loads them) kept in DATA_DIR/devnet, so a restart
 * mid coin creation recovers against the same chain. A production database never sees devnet coins. */
async function startLocalChain(env: ReturnType<typeof loadConfig>, databaseKind: string, logger: Logger) {
  if (env.BASE_RPC_URL !== undefined || databaseKind !== 'pglite') return null;
  const { startDevnet } = await import('../scripts/devnet/startDevnet.ts');
  const { startZoraApiStandIn } = await import('../scripts/devnet/zoraApiStandIn.ts');
  const { devSwapRouterAbi } = await import('../scripts/devnet/devAbis.ts');
  const { createDevAddressCheck, createDevSignerCheck } = await import('../scripts/devnet/devFarcasterSigners.ts');
  const stateDir = path.resolve(env.DATA_DIR, 'devnet');
  const devnet = await startDevnet({ stateDir });
  const standIn = await startZoraApiStandIn({ devnet });
  // For `npm run frame:buy`, which sends the frame's transaction to this chain.
  await writeFile(path.join(stateDir, 'rpc-url'), `${devnet.rpcUrl}\n`);
  logger.warn(
    'no BASE_RPC_URL: coins are created and bought on a local devnet (anvil, chain id 8453) in DATA_DIR/devnet',
    {
      rpcUrl: devnet.rpcUrl,
      zoraApi: standIn.url,
      factory: devnet.addresses.coinFactory,
      router: devnet.addresses.swapRouter,
    },
  );
  return {
    devnet,
    standIn,
    routerAbi: devSwapRouterAbi,
    devSignerCheck: createDevSignerCheck(env.DATA_DIR),
    devAddressCheck: createDevAddressCheck(env.DATA_DIR),
    async stop() {
      await standIn.close();
      await devnet.stop();
    },
  };
}
type LocalChain = NonNullable<Awaited<ReturnType<typeof startLocalChain>>>;

/** Where coins are created: the configured chain; else the local devnet; else nowhere, and jobs wait with the
 * reason. The platform key goes to createCoinChain only. */
function coinChain(
  env: ReturnType<typeof loadConfig>,
  local: LocalChain | null,
): { chain: CoinChain | null; reason: string } {
  const read = readCoinChainSettings(env);
  if (read.ok) {
    if (env.PUBLIC_URL === undefined) {
      return { chain: null, reason: 'PUBLIC_URL is not set: coin metadata URIs would point at localhost' };
    }
    return { chain: createCoinChain(read.settings), reason: '' };
  }
  if (local === null) return { chain: null, reason: read.reason };
  const chain = createCoinChain(
    {
      rpcUrl: local.devnet.rpcUrl,
      chainId: local.devnet.chainId,
      privateKey: local.devnet.accounts.platform.privateKey,
      zoraApiKey: undefined,
      zoraApiBaseUrl: local.standIn.url,
      platformReferrer: env.PLATFORM_REFERRER_ADDRESS,
    },
    { pollingIntervalMs: 200 },
  );
  return { chain, reason: '' };
}

/** The performance frames: signed actions verified against HUB_URL (or, on the devnet only, the development signer
 * registry in DATA_DIR); without either every signed action is refused with 503, never trusted unverified. */
async function framesSetup(
  env: ReturnType<typeof loadConfig>,
  store: Store,
  logger: Logger,
  local: LocalChain | null,
  trading: TradingServices,
  publicUrl: string,
) {
  let checkSigner: SignerCheck;
  // A signed action's wallet address must be one of the fid's verified addresses (the identity bridge, then this).
  let checkAddress: AddressCheck;
  if (env.HUB_URL !== undefined) {
    checkSigner = createHubSignerCheck({
      hubUrl: env.HUB_URL,
      apiKey: env.HUB_API_KEY,
      cacheSeconds: env.HUB_SIGNER_CACHE_SECONDS,
    });
    checkAddress = createHubVerificationCheck({
      hubUrl: env.HUB_URL,
      apiKey: env.HUB_API_KEY,
      cacheSeconds: env.HUB_SIGNER_CACHE_SECONDS,
    });
  } else if (local !== null) {
    logger.warn('no HUB_URL: frame action signers are checked against the development registry in DATA_DIR/devnet');
    checkSigner = local.devSignerCheck;
    checkAddress = local.devAddressCheck;
  } else {
    logger.warn('no HUB_URL: signed frame actions are refused (503) until it is set');
    checkSigner = async () => {
      throw new UnavailableError('Frame actions are not available on this server yet', undefined, 300);
    };
    checkAddress = async () => {
      throw new UnavailableError('Frame actions are not available on this server yet', undefined, 300);
    };
  }
  return createFrames(
    {
      publicUrl,
      chainId: trading.deps.chainId,
      buyBounds: trading.deps.bounds,
      ...(env.MINIAPP_URL === undefined ? {} : { miniAppUrl: env.MINIAPP_URL }),
      maxAgeSeconds: env.FRAME_MAX_AGE_SECONDS,
      // Frog signs frame state with it; our frames never read Frog state, so a per-process key is enough.
      stateSecret: randomBytes(32).toString('hex'),
    },
    {
      store,
      logger,
      hub: createFrogHub({
        maxAgeSeconds: env.FRAME_MAX_AGE_SECONDS,
        allowedOrigin: publicUrl,
        checkSigner,
        // Measured: Ed25519 through OpenSSL instead of pure JS takes ~1.3 ms of CPU off every verified action.
        validationMethods: createNodeValidationMethods(),
      }),
      verifiedAction: verifiedFrameAction,
      checkAddress,
      ...(trading.transactionSeen ? { transactionSeen: trading.transactionSeen } : {}),
      buy: (request) => prepareBuy(request, trading.deps),
      ...(trading.coinPrice ? { coinPrice: trading.coinPrice } : {}),
      fonts: await loadFrameFonts(),
    },
  );
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
  const local = await startLocalChain(env, db.kind, logger);
  const trading = createTradingServices(env, db.store, logger, {
    local:
      local === null
        ? null
        : {
            chainId: local.devnet.chainId,
            rpcUrl: local.devnet.rpcUrl,
            zoraApiBaseUrl: local.standIn.url,
            router: local.devnet.addresses.swapRouter,
            routerAbi: local.routerAbi,
            poolManager: local.devnet.addresses.poolManager,
          },
  });
  const confirmer = trading.confirmer(db.store, logger);
  const publicUrl = env.PUBLIC_URL ?? `http://localhost:${env.PORT}`;
  const frames = await framesSetup(env, db.store, logger, local, trading, publicUrl);
  const gv = createApp(
    {
      webhookSecrets: secrets,
      performanceChannelUrl: env.PERFORMANCE_CHANNEL_URL,
      adminToken: env.ADMIN_TOKEN,
    },
    // Measured with npm run bench:ingest: node:crypto and at most 2 inbox inserts in flight give the best ack latency.
    {
      store: db.store,
      logger,
      webhookCrypto: nodeWebhookCrypto,
      writer: { maxInFlight: 2 },
      trading: trading.deps,
      // The socket's peer, never X-Forwarded-For: behind a reverse proxy every client is the proxy (see the README).
      clientAddress: (c) => getConnInfo(c).remote.address,
      frameActionLimiter: createRateLimiter({ perMinute: env.FRAME_ACTION_RATE_PER_MINUTE }),
      frames,
    },
  );

  // Finish whatever the inbox holds from before a crash or restart, then keep sweeping.
  const recovered = await gv.drainer.drain();
  if (recovered.applied > 0) logger.info('applied events left in the inbox', recovered);
  const sweep = setInterval(() => gv.drainer.kick(), 5_000);
  const viral = createViralScheduler(db.store, logger, env.VIRAL_SWEEP_SECONDS * 1000);
  viral.start();
  void viral.runOnce();
  void frames.warm().catch((error: unknown) => logger.error('frame image warm-up failed', errorFields(error)));
  const prune = setInterval(() => {
    frames
      .pruneFrameActions()
      .catch((error: unknown) => logger.warn('replay registry prune failed', errorFields(error)));
    pruneTradeQuotes(db.store).catch((error: unknown) => logger.warn('trade quote prune failed', errorFields(error)));
  }, 600_000);
  if (confirmer) confirmer.start();
  else logger.warn('no chain RPC: reported trades stay pending until BASE_RPC_URL is set');

  const server = serve({ fetch: gv.app.fetch, port: env.PORT, serverOptions: nodeServerOptions() }, (info) => {
    logger.info('listening', { port: info.port, database: db.kind, url: publicUrl });
  });
  capNodeServer(server as Server);

  // The coin worker starts once the metadata route is served: coins-sdk fetches the metadata URL before it returns
  // calldata.
  const coins = coinChain(env, local);
  if (coins.chain === null) logger.warn('coin creation is off; coin jobs wait', { reason: coins.reason });
  const worker = createCoinWorker({
    store: db.store,
    logger,
    chain: coins.chain,
    unconfiguredReason: coins.reason,
    publicUrl,
    intervalMs: env.COIN_WORKER_SECONDS * 1000,
  });
  server.once('listening', () => {
    worker.start();
    void worker.runOnce();
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    clearInterval(sweep);
    clearInterval(prune);
    server.close();
    await gv.writer.flush();
    await frames.viewLog.stop();
    await gv.drainer.idle();
    await viral.stop();
    await worker.stop();
    await confirmer?.stop();
    await local?.stop();
    await db.store.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('unhandledRejection', (error) => logger.error('unhandled rejection', errorFields(error)));
}

await main();
