import { type Context, Hono } from 'hono';
import { artistAnalyticsRoute, performanceAnalyticsRoute } from './analytics/analyticsRoutes.ts';
import { coinMetadataRoute } from './coins/coinMetadataRoute.ts';
import type { Stores } from './createStores.ts';
import { clientRateKey, enforceRateLimit, type RateLimiter } from './http/createRateLimiter.ts';
import { createErrorHandler } from './http/onError.ts';
import { marketRoutes } from './market/marketRoutes.ts';
import { measureRequests } from './metrics/measureRequests.ts';
import type { Metrics } from './metrics/metrics.ts';
import { metricsRoute } from './metrics/metricsRoute.ts';
import { createPerformanceViews, type GetPerformanceView } from './performances/createPerformanceViews.ts';
import { performanceRoutes } from './performances/performanceRoutes.ts';
import { type PortfolioDeps, portfolioRoutes } from './portfolio/portfolioRoutes.ts';
import { type StreamSource, streamRoute } from './stream/streamRoute.ts';
import type { Logger } from './support/logger.ts';
import { buyRoute, type ClientAddress } from './trading/buyRoute.ts';
import type { ChainHealth } from './trading/createChainProbe.ts';
import type { PrepareBuyDeps } from './trading/prepareBuy.ts';
import type { PrepareSellDeps } from './trading/prepareSell.ts';
import { type ReportTradeDeps, reportTradeRoute } from './trading/reportTradeRoute.ts';
import { sellRoute } from './trading/sellRoute.ts';
import { tradeRoute } from './trading/tradeRoute.ts';
import { viralQueueRoute } from './viral/viralQueueRoute.ts';
import type { LoadWebAppAssets } from './webapp/webAppAssets.ts';
import { type WebAppConfig, webAppRoutes } from './webapp/webAppRoutes.ts';
import { createInboxDrainer, type InboxDrainer, type InboxDrainerOptions } from './webhooks/createInboxDrainer.ts';
import { createInboxWriter, type InboxWriter } from './webhooks/createInboxWriter.ts';
import { neynarWebhookRoute } from './webhooks/neynarWebhookRoute.ts';
import type { WebhookCrypto } from './webhooks/webhookCrypto.ts';

/** What the app needs from configuration (a slice of Env, so tests can build it directly). */
export interface AppConfig {
  webhookSecrets: readonly string[];
  performanceChannelUrl: string;
  /** Bearer token of the admin routes; when unset they are not mounted (404), so nothing hints that they exist. */
  adminToken?: string | undefined;
  /** Bearer token of GET /metrics; when unset (or the host has no metrics) the route is not mounted (404). */
  metricsToken?: string | undefined;
}

/** The stores the app's routes reach (the background jobs take theirs in createGigaVibe). */
export type AppStores = Pick<Stores, 'ingest' | 'performances' | 'trading' | 'viral' | 'analytics' | 'market'>;

export interface AppDeps {
  stores: AppStores;
  logger: Logger;
  /** How applying committed events is scheduled: 'inline' kicks an in-process drainer (Node), 'waitUntil' runs a
   * drain in the request's waitUntil (Workers), 'none' leaves events for a later drain (tests of crash recovery). */
  applyMode?: 'inline' | 'waitUntil' | 'none';
  /** Group-commit settings for the inbox writer (Node); Workers use maxInFlight Infinity (no cross-request state). */
  writer?: { maxBatch?: number; maxInFlight?: number };
  /** Batch sizing and pacing of the inbox drainer (see createInboxDrainer); the hosts pick them per database. */
  drainer?: Omit<InboxDrainerOptions, 'ackBusy'>;
  /** Hash implementations for the webhook route (default WebCrypto; Node passes node:crypto). */
  webhookCrypto?: WebhookCrypto;
  now?: () => Date;
  /** The one performance view, shared with the frames (createGigaVibe builds it once, with the coin price reader);
   * default: one over `stores` without prices. */
  getPerformanceView?: GetPerformanceView;
  /** The performance frames (frames/createFrames), mounted at the root (their routes start with /frames). */
  frames?: { hono: Hono };
  /** The chain RPC's reachability for GET /healthz (the trading services' probe); unset: no chain is configured. */
  chainHealth?: () => Promise<ChainHealth>;
  /** Buying (POST /api/tx/buy and the frame tx route) and trade lookups; unset: those routes answer 503. */
  trading?: PrepareBuyDeps;
  /** Selling (POST /api/tx/sell); unset (no chain RPC): not mounted. */
  sell?: PrepareSellDeps | undefined;
  /** Trades reported by the mini app (POST /api/trades, Quick Auth); unset: not mounted. */
  reportTrade?: ReportTradeDeps | undefined;
  /** GET /api/portfolio/:address and /api/users/:fid/portfolio; unset (no chain RPC): not mounted. */
  portfolio?: PortfolioDeps | undefined;
  /** The connecting client's address for per-client limits, from the host (Node: socket; Workers: cf-connecting-ip). */
  clientAddress?: ClientAddress;
  /** Signed frame POSTs per client (FRAME_ACTION_RATE_PER_MINUTE), checked before the body is read: each one costs
   * an Ed25519 verification and, for a key we have not seen, a hub lookup on our API key. Kept by the host so it
   * outlives one request (a Worker builds the app per request). */
  frameActionLimiter?: RateLimiter;
  /** Where requests, webhook deliveries and jobs are counted (the Node host's prom-client registry); unset: nothing
   * is recorded and GET /metrics is a 404 (Workers: prom-client needs Node). */
  metrics?: Metrics;
  /** The mini app's server routes (src/miniapp/createMiniAppServer), mounted at the root. */
  miniApp?: { hono: Hono };
  /** The mini app at /app (src/webapp): its configuration and how this host gets the client bundle; unset: no app. */
  webApp?: { config: WebAppConfig; assets: LoadWebAppAssets };
  /** GET /api/stream: this instance's stream hub, or why there is none; unset: 503 (no listener). */
  stream?: StreamSource;
  /** New streams per client per minute (kept by the host, like frameActionLimiter). */
  streamConnectLimiter?: RateLimiter;
}

export interface GigaVibeApp {
  app: Hono;
  drainer: InboxDrainer;
  writer: InboxWriter;
}

/** Build the whole HTTP app from configuration and adapters; the Node and Worker entries are thin hosts. */
export function createApp(config: AppConfig, deps: AppDeps): GigaVibeApp {
  const { stores, logger } = deps;
  const applyMode = deps.applyMode ?? 'inline';
  const writer = createInboxWriter(stores.ingest, deps.writer ?? {});
  const drainer = createInboxDrainer(stores.ingest, logger, { ...deps.drainer, ackBusy: writer.busy });
  const app = new Hono();
  app.onError(createErrorHandler(logger));
  app.notFound((c) => c.json({ error: 'not found' }, 404));
  if (deps.metrics !== undefined) app.use(measureRequests(deps.metrics));

  app.get('/', (c) =>
    c.json({
      name: 'gigavibe-server',
      endpoints: [
        'GET /healthz',
        'POST /webhooks/neynar',
        'GET /api/performances',
        'GET /api/performances/:castHash',
        'GET /api/performances/:castHash/coin-metadata.json',
        'GET /frames/performance/:castHash',
        'POST /api/tx/buy',
        'GET /api/trades/:txHash',
        'GET /api/me',
        'GET /.well-known/farcaster.json',
        'GET /p/:castHash',
        'POST /webhooks/miniapp',
        'GET /api/stream',
      ],
    }),
  );

  // 503 only when the database is down (nothing works then); an unreachable chain RPC is "degraded" with a 200, since
  // ingest, metrics and frames still work and a restart would not bring the chain back.
  app.get('/healthz', async (c) => {
    const chainHealth = deps.chainHealth;
    const chain: Promise<ChainHealth> = chainHealth ? chainHealth() : Promise.resolve({ configured: false });
    try {
      const db = await Promise.race([
        stores.ingest.health(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('health check timed out')), 2000)),
      ]);
      const chainState = await chain;
      return c.json({
        status: chainState.configured && (!chainState.reachable || chainState.wrongChain === true) ? 'degraded' : 'ok',
        database: { reachable: true, pendingEvents: db.pendingEvents, failedEvents: db.failedEvents },
        chain: chainState,
      });
    } catch {
      return c.json({ status: 'unavailable', database: { reachable: false }, chain: await chain }, 503);
    }
  });

  const afterCommit = (c: Context) => {
    if (applyMode === 'inline') drainer.kick();
    // A drainer of the request's own: one shared across requests would let a request wait on another's connection.
    else if (applyMode === 'waitUntil') c.executionCtx.waitUntil(createInboxDrainer(stores.ingest, logger).drain());
  };
  app.route(
    '/webhooks/neynar',
    neynarWebhookRoute({
      secrets: config.webhookSecrets,
      performanceChannelUrl: config.performanceChannelUrl,
      writer,
      logger,
      afterCommit,
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
      ...(deps.now ? { now: deps.now } : {}),
      ...(deps.webhookCrypto ? { crypto: deps.webhookCrypto } : {}),
    }),
  );
  app.route('/api/performances', coinMetadataRoute(stores.performances));
  app.route('/api/performances', performanceAnalyticsRoute(stores.analytics));
  app.route('/api/artists', artistAnalyticsRoute(stores.analytics));
  const getPerformanceView = deps.getPerformanceView ?? createPerformanceViews({ stores, logger }).getPerformanceView;
  app.route('/api/performances', performanceRoutes(stores.performances, getPerformanceView));
  app.route('/api/coins', marketRoutes(stores.market));
  if (deps.frames) {
    const limiter = deps.frameActionLimiter;
    if (limiter !== undefined) {
      app.use('/frames/*', async (c, next) => {
        if (c.req.method === 'POST') {
          enforceRateLimit(limiter, 'frame actions', [`frame:${clientRateKey(deps.clientAddress?.(c))}`]);
        }
        await next();
      });
    }
    app.route('/', deps.frames.hono);
  }
  if (deps.trading) {
    app.route('/api/tx/buy', buyRoute(deps.trading, { clientAddress: deps.clientAddress }));
    if (deps.sell) app.route('/api/tx/sell', sellRoute(deps.sell, { clientAddress: deps.clientAddress }));
    if (deps.reportTrade) app.route('/api/trades', reportTradeRoute(deps.reportTrade));
    app.route('/api/trades', tradeRoute(stores.trading, deps.trading.chainId));
  } else {
    const off = (c: Context) => c.json({ error: 'buying is not configured on this server' }, 503);
    app.post('/api/tx/buy', off);
    app.get('/api/trades/:txHash', off);
  }
  if (deps.miniApp) app.route('/', deps.miniApp.hono);
  if (deps.portfolio) app.route('/api', portfolioRoutes(deps.portfolio));
  app.route(
    '/api/stream',
    streamRoute(
      deps.stream ?? { unavailable: { status: 503, message: 'live updates are not set up on this server' } },
      {
        clientAddress: deps.clientAddress,
        connectLimiter: deps.streamConnectLimiter,
      },
    ),
  );
  if (config.adminToken !== undefined)
    app.route('/api/admin/viral-queue', viralQueueRoute(stores.viral, config.adminToken));
  if (deps.metrics !== undefined && config.metricsToken !== undefined)
    app.route('/metrics', metricsRoute(deps.metrics, config.metricsToken));
  if (deps.webApp !== undefined) {
    const api = (path: string) => Promise.resolve(app.request(path));
    app.route('/app', webAppRoutes(deps.webApp.config, { assets: deps.webApp.assets, api, logger }));
  }
  return { app, drainer, writer };
}
