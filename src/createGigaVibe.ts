import { type Context, Hono } from 'hono';
import type { Abi, Address } from 'viem';
import { FRAMES_BASE_PATH } from '../frames/basePath.ts';
import type { FrameFontSource, ResvgWasm } from '../frames/createCardRenderer.ts';
import { createFrames, type Frames } from '../frames/createFrames.tsx';
import { pruneRawEvents } from './analytics/pruneRawEvents.ts';
import { createApp, type GigaVibeApp } from './app.ts';
import { createCoinChain } from './coins/createCoinChain.ts';
import { createCoinWorker } from './coins/createCoinWorker.ts';
import { readCoinChainSettings } from './coins/readCoinChainSettings.ts';
import type { Env } from './config/schema.ts';
import type { Stores } from './createStores.ts';
import type { Listener } from './db/listen.ts';
import { UnavailableError } from './errors.ts';
import { createHubSignerCheck } from './farcaster/createHubSignerCheck.ts';
import { type AddressCheck, createHubVerificationCheck } from './farcaster/createHubVerificationCheck.ts';
import { createFrogHub, verifiedFrameAction } from './farcaster/frogHub.ts';
import type { SignerCheck, VerifyFrameActionOptions } from './farcaster/verifyFrameAction.ts';
import { createRateLimiter } from './http/createRateLimiter.ts';
import type { Job, SkippedJob } from './jobs/job.ts';
import { chainIndexerJob } from './market/chainIndexerJob.ts';
import type { Metrics } from './metrics/metrics.ts';
import { createMiniAppServer, type MiniAppServer } from './miniapp/createMiniAppServer.ts';
import { DEFAULT_QUICK_AUTH_ORIGIN } from './miniapp/createQuickAuthenticator.ts';
import { readAccountAssociation } from './miniapp/parseAccountAssociation.ts';
import { createPerformanceViews } from './performances/createPerformanceViews.ts';
import { createStreamHub, type StreamHub } from './stream/createStreamHub.ts';
import { REALTIME_POINTER, type StreamSource } from './stream/streamRoute.ts';
import { errorFields, type Logger } from './support/logger.ts';
import type { ClientAddress } from './trading/buyRoute.ts';
import { createTradingServices, type TradingConfig, type TradingServices } from './trading/createTradingServices.ts';
import { prepareBuy } from './trading/prepareBuy.ts';
import { pruneTradeQuotes } from './trading/pruneTradeQuotes.ts';
import { sweepViral } from './viral/sweepViral.ts';
import type { LoadWebAppAssets } from './webapp/webAppAssets.ts';
import type { InboxDrainerOptions } from './webhooks/createInboxDrainer.ts';
import type { WebhookCrypto } from './webhooks/webhookCrypto.ts';

type Wrap = <A extends unknown[], R>(call: (...args: A) => Promise<R>) => (...args: A) => Promise<R>;

/** The development chain's adapters (the devnet host only; see src/dev.ts): its router and PoolManager, and its
 * Farcaster signer and verified-address registries standing in for a hub. */
export interface DevChainAdapters {
  routers: readonly { address: Address; abi: Abi }[];
  poolManager: Address;
  checkSigner: SignerCheck;
  checkAddress: AddressCheck;
}

/** What a host lends the core: only what differs between Node and Workers. */
export interface GigaVibeHost {
  kind: 'node' | 'worker';
  /** Node: the process's stores; Workers: stores that reach the calling invocation's (createRequestScopes). */
  stores: Stores;
  logger: Logger;
  webhookSecrets: readonly string[];
  /** Node: applied in process right after the commit; Workers: in the request's waitUntil, by a drainer of its own. */
  applyMode: 'inline' | 'waitUntil';
  /** Group commit of the inbox writer (Node); Workers pass maxInFlight Infinity (no cross-request batches). */
  writer: { maxBatch?: number; maxInFlight?: number };
  /** Batch sizing and pacing of the in-process inbox drainer (Node; see createInboxDrainer). */
  drainer?: Omit<InboxDrainerOptions, 'ackBusy'>;
  webhookCrypto?: WebhookCrypto;
  clientAddress?: ClientAddress;
  /** The frames' origin: Node defaults it to http://localhost:PORT; null (Workers without PUBLIC_URL) answers 503. */
  publicUrl: string | null;
  /** The frame image fonts, or their loader (called on the first image). */
  fonts: FrameFontSource;
  loadResvgWasm?: () => Promise<ResvgWasm>;
  /** Faster signature checks where the host has them (Node: node:crypto Ed25519). */
  validationMethods?: VerifyFrameActionOptions['validationMethods'];
  /** Ties adapter calls that outlive a request to the invocation that made them (Workers). */
  keepingAlive?: Wrap;
  /** A fresh random hex secret (Frog's state key; our frames never read Frog state, so per process is enough). */
  randomSecret(): string;
  dev?: DevChainAdapters;
  /** Bound of the frames' in-memory PNG cache (default 32 MiB); Workers keep it small (128 MB per isolate). */
  imageCacheBytes?: number;
  /** Node only (createMetrics over prom-client, which needs Node APIs): requests, webhooks, jobs, coins and trades
   * are counted there and served at GET /metrics behind METRICS_TOKEN. Workers pass none: /metrics is a 404. */
  metrics?: Metrics;
  /** The mini app's client bundle (Node: esbuild or dist/client; Workers: bundled Text modules); unset: no /app. */
  webAppAssets?: LoadWebAppAssets;
  /** LISTEN on the database (Node on PGlite or PostgreSQL) for GET /api/stream; unset: the stream answers 503 (the
   * Supabase Data API cannot listen) or, on Workers, 501. */
  listener?: Listener;
  /** The mini app notification sender's fetch (Node: only public addresses, checked at connect time). */
  notificationFetch?: typeof fetch;
}

/** The server, built once: the HTTP app, the background jobs every host runs (and those this host cannot, with why),
 * and the parts a host closes or flushes. */
export interface GigaVibe extends GigaVibeApp {
  jobs: Job[];
  skipped: SkippedJob[];
  frames: Frames | null;
  trading: TradingServices;
  /** The mini app's server side (null without PUBLIC_URL: its routes answer 503); its `authenticate` is the Quick
   * Auth check other routes take. */
  miniApp: MiniAppServer | null;
  /** This instance's stream hub (Node with a listener), closed first on shutdown. */
  stream: StreamHub | null;
}

/** Frames answers without PUBLIC_URL (Workers): every frame route says what is missing. */
function framesUnconfigured(): Hono {
  const app = new Hono();
  // Frames v1 clients show `message` from an error answer.
  app.all(`${FRAMES_BASE_PATH}/*`, (c) => c.json({ message: 'server misconfigured: PUBLIC_URL' }, 503));
  return app;
}

/** The mini app's routes without PUBLIC_URL (Workers): its URLs and the Quick Auth audience come from it. */
function miniAppUnconfigured(): Hono {
  const app = new Hono();
  const off = (c: Context) => c.json({ error: 'server misconfigured: PUBLIC_URL' }, 503);
  for (const path of ['/api/me', '/.well-known/farcaster.json', '/p/:castHash', '/webhooks/miniapp'])
    app.all(path, off);
  return app;
}

/** Longest wait for a coin's on-chain price before a performance is answered (API) or drawn (frames) without it. */
const PRICE_TIMEOUT_MS = 1500;

const refuseUntilHub = async (): Promise<never> => {
  throw new UnavailableError('Frame actions are not available on this server yet', undefined, 300);
};

/** The trading slice of the configuration. */
function tradingConfig(env: Env, dev: DevChainAdapters | undefined): TradingConfig {
  return {
    chainId: env.CHAIN_ID,
    rpcUrl: env.BASE_RPC_URL,
    zoraApiBaseUrl: env.ZORA_API_BASE_URL,
    zoraApiKey: env.ZORA_API_KEY,
    bounds: { min: env.BUY_MIN_ETH, max: env.BUY_MAX_ETH, default: env.BUY_DEFAULT_ETH },
    slippage: env.BUY_SLIPPAGE,
    launchGuardSeconds: env.BUY_LAUNCH_GUARD_SECONDS,
    ratePerMinute: env.BUY_RATE_PER_MINUTE,
    ratePerBuyerPerMinute: env.BUY_RATE_PER_BUYER_PER_MINUTE,
    confirmerSeconds: env.TRADE_CONFIRMER_SECONDS,
    confirmations: env.CHAIN_CONFIRMATIONS,
    ...(dev === undefined ? {} : { extraRouters: dev.routers, poolManager: dev.poolManager }),
  };
}

/** Build GigaVibe from the parsed configuration and a host: the one place the configuration is cut into slices (each
 * factory gets only its own; the platform key reaches only the coin creator), adapters are chosen, and the list of
 * background jobs is made. Hosts stay thin: the Node host opens the database, serves `app` and runs `jobs` with one
 * runner; the Worker adapts its bindings and runs `jobs` from cron. */
export function createGigaVibe(env: Env, host: GigaVibeHost): GigaVibe {
  const { stores, logger } = host;
  const wrap: Wrap = host.keepingAlive ?? ((call) => call);
  const trading = createTradingServices(tradingConfig(env, host.dev), { store: stores.trading, logger, wrap });
  // The one performance view, built once (per process on Node, per isolate on Workers) and rendered by both the JSON
  // API and the frames, so they share its reads and caches.
  const performanceViews = createPerformanceViews({
    stores,
    coinPrice: trading.coinPrice,
    logger,
    priceTimeoutMs: PRICE_TIMEOUT_MS,
  });

  let checkSigner: SignerCheck;
  let checkAddress: AddressCheck;
  if (env.HUB_URL !== undefined) {
    const hub = { hubUrl: env.HUB_URL, apiKey: env.HUB_API_KEY, cacheSeconds: env.HUB_SIGNER_CACHE_SECONDS };
    checkSigner = wrap(createHubSignerCheck(hub));
    checkAddress = wrap(createHubVerificationCheck(hub));
  } else if (host.dev !== undefined) {
    logger.warn('no HUB_URL: frame action signers are checked against the development registry in DATA_DIR/devnet');
    checkSigner = host.dev.checkSigner;
    checkAddress = host.dev.checkAddress;
  } else {
    logger.warn('no HUB_URL: signed frame actions are refused (503) until it is set');
    checkSigner = refuseUntilHub;
    checkAddress = refuseUntilHub;
  }

  let frames: Frames | null = null;
  if (host.publicUrl === null) {
    logger.warn('no PUBLIC_URL: the frames answer 503 until it is set');
  } else {
    frames = createFrames(
      {
        publicUrl: host.publicUrl,
        chainId: trading.deps.chainId,
        buyBounds: trading.deps.bounds,
        ...(env.MINIAPP_URL === undefined ? {} : { miniAppUrl: env.MINIAPP_URL }),
        maxAgeSeconds: env.FRAME_MAX_AGE_SECONDS,
        stateSecret: host.randomSecret(),
        ...(host.imageCacheBytes === undefined ? {} : { imageCacheBytes: host.imageCacheBytes }),
      },
      {
        stores,
        logger,
        hub: createFrogHub({
          maxAgeSeconds: env.FRAME_MAX_AGE_SECONDS,
          allowedOrigin: host.publicUrl,
          checkSigner,
          ...(host.validationMethods === undefined ? {} : { validationMethods: host.validationMethods }),
        }),
        verifiedAction: verifiedFrameAction,
        checkAddress,
        ...(trading.transactionSeen ? { transactionSeen: trading.transactionSeen } : {}),
        buy: (request) => prepareBuy(request, trading.deps),
        performanceViews,
        fonts: host.fonts,
        ...(host.loadResvgWasm === undefined ? {} : { loadResvgWasm: host.loadResvgWasm }),
      },
    );
  }

  let miniApp: MiniAppServer | null = null;
  if (host.publicUrl !== null) {
    miniApp = createMiniAppServer(
      {
        publicUrl: host.publicUrl,
        quickAuthOrigin: env.QUICK_AUTH_ORIGIN ?? DEFAULT_QUICK_AUTH_ORIGIN,
        chainId: trading.deps.chainId,
        name: env.MINIAPP_NAME,
        splashBackgroundColor: env.MINIAPP_SPLASH_BACKGROUND_COLOR,
        accountAssociation: readAccountAssociation(env),
      },
      {
        store: stores.miniapp,
        logger,
        getPerformanceView: performanceViews.getPerformanceView,
        fonts: host.fonts,
        ...(host.loadResvgWasm === undefined ? {} : { loadResvgWasm: host.loadResvgWasm }),
        checkSigner,
        ...(host.clientAddress === undefined ? {} : { clientAddress: host.clientAddress }),
        allowLoopbackNotificationUrls: host.dev !== undefined,
        ...(host.notificationFetch === undefined ? {} : { notificationFetch: host.notificationFetch }),
      },
    );
  }
  const { source: streamSource, hub: stream } = streamOf(env, host, trading.deps.chainId);

  const gv = createApp(
    {
      webhookSecrets: host.webhookSecrets,
      performanceChannelUrl: env.PERFORMANCE_CHANNEL_URL,
      adminToken: env.ADMIN_TOKEN,
      metricsToken: env.METRICS_TOKEN,
    },
    {
      stores,
      logger,
      getPerformanceView: performanceViews.getPerformanceView,
      applyMode: host.applyMode,
      writer: host.writer,
      ...(host.drainer === undefined ? {} : { drainer: host.drainer }),
      ...(host.webhookCrypto === undefined ? {} : { webhookCrypto: host.webhookCrypto }),
      trading: trading.deps,
      sell: trading.sell,
      ...(miniApp === null
        ? {}
        : {
            reportTrade: {
              store: stores.trading,
              chainId: trading.deps.chainId,
              authenticate: miniApp.authenticate,
              checkAddress,
              fetchTransaction: trading.fetchTransaction,
              limiter: trading.deps.limits?.client,
              clientAddress: host.clientAddress,
            },
          }),
      ...(trading.readHoldings === undefined
        ? {}
        : {
            portfolio: {
              store: stores.portfolio,
              chainId: trading.deps.chainId,
              readHoldings: trading.readHoldings,
              limiter: createRateLimiter({ perMinute: env.PORTFOLIO_RATE_PER_MINUTE }),
              clientAddress: host.clientAddress,
            },
          }),
      ...(trading.chainHealth === undefined ? {} : { chainHealth: trading.chainHealth }),
      ...(host.clientAddress === undefined ? {} : { clientAddress: host.clientAddress }),
      frameActionLimiter: createRateLimiter({ perMinute: env.FRAME_ACTION_RATE_PER_MINUTE }),
      frames: frames ?? { hono: framesUnconfigured() },
      miniApp: miniApp ?? { hono: miniAppUnconfigured() },
      ...(host.metrics === undefined ? {} : { metrics: host.metrics }),
      ...(host.webAppAssets === undefined
        ? {}
        : {
            webApp: {
              assets: host.webAppAssets,
              config: {
                publicUrl: host.publicUrl,
                chainId: trading.deps.chainId,
                quickAuthOrigin: env.QUICK_AUTH_ORIGIN ?? DEFAULT_QUICK_AUTH_ORIGIN,
              },
            },
          }),
      stream: streamSource,
      streamConnectLimiter: createRateLimiter({ perMinute: env.STREAM_CONNECTS_PER_MINUTE }),
    },
  );

  const { jobs, skipped } = backgroundJobs(env, host, gv, frames, trading, miniApp);
  return { ...gv, jobs, skipped, frames, trading, miniApp, stream };
}

/** GET /api/stream's source: a hub over the host's listener, or why this host has none. */
function streamOf(env: Env, host: GigaVibeHost, chainId: number): { source: StreamSource; hub: StreamHub | null } {
  if (host.kind === 'worker') {
    const message = `this server runs on Workers and keeps no streams open; ${REALTIME_POINTER}`;
    return { source: { unavailable: { status: 501, message } }, hub: null };
  }
  if (host.listener === undefined) {
    const message = `live updates need a database connection that can LISTEN (DATABASE_URL or the embedded database); ${REALTIME_POINTER}`;
    return { source: { unavailable: { status: 503, message } }, hub: null };
  }
  const hub = createStreamHub({
    listener: host.listener,
    read: (subjects) => host.stores.stream.readSubjects({ chainId, ...subjects }),
    logger: host.logger,
    metrics: host.metrics,
    maxConnections: env.STREAM_MAX_CONNECTIONS,
    maxConnectionsPerClient: env.STREAM_MAX_CONNECTIONS_PER_CLIENT,
    heartbeatMs: env.STREAM_HEARTBEAT_SECONDS * 1000,
    resumeWindowMs: env.STREAM_RESUME_SECONDS * 1000,
  });
  return { source: { hub }, hub };
}

/** Every background job, in one list, and the ones this host does not run with the reason (said once, here). */
function backgroundJobs(
  env: Env,
  host: GigaVibeHost,
  gv: GigaVibeApp,
  frames: Frames | null,
  trading: TradingServices,
  miniApp: MiniAppServer | null,
): { jobs: Job[]; skipped: SkippedJob[] } {
  const { stores, logger } = host;
  const jobs: Job[] = [];
  const skipped: SkippedJob[] = [];
  const threshold = env.VIRAL_SCORE_THRESHOLD ?? null;

  jobs.push({
    name: 'inbox-drain',
    everySeconds: 5,
    async run() {
      const result = await gv.drainer.drain();
      if (result.applied > 0 || result.failed > 0) logger.info('inbox drained', result);
    },
  });

  jobs.push({
    name: 'viral-sweep',
    everySeconds: env.VIRAL_SWEEP_SECONDS,
    exclusive: true,
    async run() {
      // Recorded only when it changes something, so applying the override every run is cheap (Workers have no start).
      await stores.viral
        .applyViralConfig(threshold)
        .catch((error: unknown) => logger.warn('viral config not applied', errorFields(error)));
      await sweepViral(stores.viral, logger);
    },
  });

  if (host.kind === 'worker') {
    skipped.push({
      name: 'coin-creation',
      reason:
        'the platform wallet key stays off the Workers deployment: a Node host on the same database creates coins',
    });
  } else {
    const settings = readCoinChainSettings(env);
    let reason = settings.ok ? '' : settings.reason;
    if (settings.ok && env.PUBLIC_URL === undefined) {
      reason = 'PUBLIC_URL is not set: coin metadata URIs would point at localhost';
    }
    const chain =
      settings.ok && reason === ''
        ? createCoinChain(settings.settings, host.dev === undefined ? {} : { pollingIntervalMs: 200 })
        : null;
    if (chain === null) logger.warn('coin creation is off; coin jobs wait', { reason });
    const worker = createCoinWorker({
      store: stores.coins,
      logger,
      chain,
      unconfiguredReason: reason,
      publicUrl: host.publicUrl ?? `http://localhost:${env.PORT}`,
    });
    jobs.push({
      name: 'coin-creation',
      everySeconds: env.COIN_WORKER_SECONDS,
      async run() {
        // Run first, then count: `metrics?.count(await run())` would skip the run itself when there are no metrics.
        const outcomes = await worker.runOnce();
        host.metrics?.coinOutcomes(outcomes);
      },
    });
  }

  const confirmer = trading.confirmer(stores.trading, logger);
  if (confirmer === null) {
    skipped.push({ name: 'trade-confirmation', reason: 'no chain RPC (BASE_RPC_URL): trade reports are refused' });
  } else {
    jobs.push({
      name: 'trade-confirmation',
      everySeconds: env.TRADE_CONFIRMER_SECONDS,
      async run() {
        const settled = await confirmer.runOnce();
        host.metrics?.tradesSettled(settled);
      },
    });
  }

  const indexer = chainIndexerJob(
    {
      chainId: env.CHAIN_ID,
      rpcUrl: env.BASE_RPC_URL,
      confirmations: env.CHAIN_CONFIRMATIONS,
      blockRange: env.INDEXER_BLOCK_RANGE,
    },
    {
      store: stores.market,
      leases: stores.jobs,
      logger,
      holder: `indexer-${host.randomSecret().slice(0, 12)}`,
      kind: host.kind,
    },
  );
  if ('job' in indexer) jobs.push(indexer.job);
  else skipped.push(indexer.skipped);

  if (frames !== null) {
    jobs.push({
      name: 'frame-action-prune',
      everySeconds: 600,
      exclusive: true,
      async run() {
        const pruned = await frames.pruneFrameActions();
        if (pruned > 0) logger.info('replay registry pruned', { rows: pruned });
      },
    });
  }

  if (miniApp === null) {
    skipped.push({ name: 'notification-sender', reason: 'no PUBLIC_URL: notification target URLs would be unknown' });
  } else {
    jobs.push({
      name: 'notification-sender',
      everySeconds: 5,
      async run(signal) {
        await miniApp.notificationSender.runOnce(signal);
      },
    });
  }

  jobs.push({
    name: 'trade-quote-prune',
    everySeconds: 600,
    exclusive: true,
    async run() {
      const pruned = await pruneTradeQuotes(stores.trading);
      if (pruned > 0) logger.info('trade quotes pruned', { rows: pruned });
    },
  });

  jobs.push({
    name: 'raw-event-retention',
    everySeconds: 600,
    exclusive: true,
    async run(signal) {
      await pruneRawEvents(
        stores.analytics,
        { analyticsDays: env.ANALYTICS_RETENTION_DAYS, inboxDays: env.INBOX_RETENTION_DAYS },
        { signal, logger },
      );
    },
  });

  return { jobs, skipped };
}
