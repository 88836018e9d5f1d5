import { Hono } from 'hono';
import type { Logger } from '../support/logger.ts';
import type { MiniAppStore } from './createMiniAppStore.ts';
import { type Authenticate, createQuickAuthenticator, quickAuthDomain } from './createQuickAuthenticator.ts';
import { meRoute } from './meRoute.ts';

/** The mini app server's slice of the configuration. */
export interface MiniAppServerConfig {
  /** PUBLIC_URL: every URL we hand out, and the Quick Auth audience (its host). */
  publicUrl: string;
  /** QUICK_AUTH_ORIGIN. */
  quickAuthOrigin: string;
  chainId: number;
}

export interface MiniAppServerDeps {
  store: MiniAppStore;
  logger: Logger;
  /** Replace the Quick Auth check (tests); default createQuickAuthenticator over quickAuthOrigin. */
  authenticate?: Authenticate;
}

/** What the front end needs to sign in: where getToken({ quickAuthServerOrigin }) goes, and the audience. */
export interface MiniAppClientConfig {
  quickAuthOrigin: string;
  domain: string;
  chainId: number;
}

export interface MiniAppServer {
  /** Routes, mounted at the root: GET /api/me, GET /api/miniapp/config. */
  hono: Hono;
  /** The Quick Auth authenticator other routes take injected (e.g. trade reports). */
  authenticate: Authenticate;
  clientConfig: MiniAppClientConfig;
}

/** Build the mini app's server side from its configuration slice and store. */
export function createMiniAppServer(config: MiniAppServerConfig, deps: MiniAppServerDeps): MiniAppServer {
  const domain = quickAuthDomain(config.publicUrl);
  const authenticate = deps.authenticate ?? createQuickAuthenticator({ origin: config.quickAuthOrigin, domain });
  const clientConfig: MiniAppClientConfig = {
    quickAuthOrigin: config.quickAuthOrigin,
    domain,
    chainId: config.chainId,
  };
  const hono = new Hono();
  hono.route('/api/me', meRoute(deps.store, authenticate));
  hono.get('/api/miniapp/config', (c) => c.json(clientConfig));
  return { hono, authenticate, clientConfig };
}
