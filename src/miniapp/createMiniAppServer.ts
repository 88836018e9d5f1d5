import { Hono } from 'hono';
import { createCardRenderer, type FrameFontSource, type ResvgWasm } from '../../frames/createCardRenderer.ts';
import { createImageCache } from '../../frames/createImageCache.ts';
import type { SignerCheck } from '../farcaster/verifyFrameAction.ts';
import { createRateLimiter } from '../http/createRateLimiter.ts';
import type { GetPerformanceView } from '../performances/createPerformanceViews.ts';
import type { Logger } from '../support/logger.ts';
import type { ClientAddress } from '../trading/buyRoute.ts';
import type { MiniAppStore } from './createMiniAppStore.ts';
import { createNotificationSender, type NotificationSender } from './createNotificationSender.ts';
import { type Authenticate, createQuickAuthenticator, quickAuthDomain } from './createQuickAuthenticator.ts';
import { discoveryRoutes } from './discoveryRoutes.ts';
import { meRoute } from './meRoute.ts';
import { miniAppWebhookRoute } from './miniAppWebhookRoute.ts';
import type { AccountAssociation, DecodedAccountAssociation } from './parseAccountAssociation.ts';

/** Webhook events per minute per client address: a client sends one per user action (add, remove, enable,
 * disable), but every event with a minted key costs a signature check and may cost a hub lookup. */
const WEBHOOK_EVENTS_PER_MINUTE = 120;

/** The mini app server's slice of the configuration. */
export interface MiniAppServerConfig {
  /** PUBLIC_URL: every URL we hand out, and the Quick Auth audience (its host). */
  publicUrl: string;
  /** QUICK_AUTH_ORIGIN. */
  quickAuthOrigin: string;
  chainId: number;
  /** MINIAPP_NAME (default GigaVibe). */
  name?: string;
  /** MINIAPP_SPLASH_BACKGROUND_COLOR (default #120f24). */
  splashBackgroundColor?: string;
  /** MINIAPP_ACCOUNT_ASSOCIATION, parsed (readAccountAssociation); null or unset: the manifest has none. */
  accountAssociation?: { association: AccountAssociation; decoded: DecodedAccountAssociation } | null;
  /** Bound of the in-memory PNG cache (default 8 MiB). */
  imageCacheBytes?: number;
}

export interface MiniAppServerDeps {
  store: MiniAppStore;
  logger: Logger;
  /** Replace the Quick Auth check (tests); default createQuickAuthenticator over quickAuthOrigin. */
  authenticate?: Authenticate;
  /** The performance view the share pages draw (createGigaVibe's, shared with the API and frames). */
  getPerformanceView?: GetPerformanceView;
  /** The frames' bundled fonts and resvg loader; the images are drawn by the same renderer. */
  fonts?: FrameFontSource;
  loadResvgWasm?: () => Promise<ResvgWasm>;
  /** The frames' signer check, for the webhook's app keys; unset: POST /webhooks/miniapp is not mounted. */
  checkSigner?: SignerCheck;
  /** The connecting client (per-client webhook budget). */
  clientAddress?: ClientAddress;
  /** Accept http notification URLs on loopback (devnet and tests: local stand-ins). */
  allowLoopbackNotificationUrls?: boolean;
  /** The notification sender's fetch (Node host: createPublicOnlyFetch, unless NOTIFICATION_PRIVATE_ADDRESS_CHECK is
   * false); default the global fetch. */
  notificationFetch?: typeof fetch;
}

/** What the front end needs to sign in: where getToken({ quickAuthServerOrigin }) goes, and the audience. */
export interface MiniAppClientConfig {
  quickAuthOrigin: string;
  domain: string;
  chainId: number;
}

export interface MiniAppServer {
  /** Routes, mounted at the root: GET /api/me, GET /api/miniapp/config, the manifest, share pages and images. */
  hono: Hono;
  /** The Quick Auth authenticator other routes take injected (e.g. trade reports). */
  authenticate: Authenticate;
  clientConfig: MiniAppClientConfig;
  /** The notification-sender job's work (createNotificationSender). */
  notificationSender: NotificationSender;
}

/** Build the mini app's server side from its configuration slice and adapters. Warns once (at build) when the
 * manifest has no account association, or one for another domain. */
export function createMiniAppServer(config: MiniAppServerConfig, deps: MiniAppServerDeps): MiniAppServer {
  const domain = quickAuthDomain(config.publicUrl);
  const authenticate = deps.authenticate ?? createQuickAuthenticator({ origin: config.quickAuthOrigin, domain });
  const clientConfig: MiniAppClientConfig = {
    quickAuthOrigin: config.quickAuthOrigin,
    domain,
    chainId: config.chainId,
  };
  const association = config.accountAssociation ?? null;
  const hostname = new URL(config.publicUrl).hostname;
  if (association === null) {
    deps.logger.warn(
      'no MINIAPP_ACCOUNT_ASSOCIATION: the mini app manifest is served without accountAssociation, so clients cannot ' +
        'verify the domain (npm run miniapp:associate -- --fid N says how to make one)',
    );
  } else if (association.decoded.domain !== hostname) {
    deps.logger.warn('MINIAPP_ACCOUNT_ASSOCIATION is signed for another domain than PUBLIC_URL', {
      signedFor: association.decoded.domain,
      publicHost: hostname,
    });
  }

  const hono = new Hono();
  hono.route('/api/me', meRoute(deps.store, authenticate));
  hono.get('/api/miniapp/config', (c) => c.json(clientConfig));
  if (deps.checkSigner !== undefined) {
    hono.route(
      '/webhooks/miniapp',
      miniAppWebhookRoute({
        store: deps.store,
        checkSigner: deps.checkSigner,
        limiter: createRateLimiter({ perMinute: WEBHOOK_EVENTS_PER_MINUTE }),
        ...(deps.clientAddress === undefined ? {} : { clientAddress: deps.clientAddress }),
        allowLoopbackNotificationUrls: deps.allowLoopbackNotificationUrls === true,
      }),
    );
  }
  if (deps.getPerformanceView !== undefined && deps.fonts !== undefined) {
    const renderer = createCardRenderer({
      fonts: deps.fonts,
      loadResvgWasm:
        deps.loadResvgWasm ?? (() => import('../../frames/loadResvgWasm.ts').then((module) => module.loadResvgWasm())),
    });
    hono.route(
      '/',
      discoveryRoutes(
        {
          publicUrl: config.publicUrl,
          name: config.name ?? 'GigaVibe',
          splashBackgroundColor: config.splashBackgroundColor ?? '#120f24',
          chainId: config.chainId,
          accountAssociation: association?.association ?? null,
        },
        {
          renderer,
          cache: createImageCache(config.imageCacheBytes ?? 8 * 1024 * 1024),
          getPerformanceView: deps.getPerformanceView,
        },
      ),
    );
  }
  const notificationSender = createNotificationSender({
    store: deps.store,
    publicUrl: config.publicUrl,
    logger: deps.logger,
    workerId: `notify-${crypto.randomUUID()}`,
    allowLoopbackHttp: deps.allowLoopbackNotificationUrls === true,
    ...(deps.notificationFetch === undefined ? {} : { fetch: deps.notificationFetch }),
  });
  return { hono, authenticate, clientConfig, notificationSender };
}
