import { Hono } from 'hono';
import { UnavailableError } from '../errors.ts';
import type { Logger } from '../support/logger.ts';
import { errorFields } from '../support/logger.ts';
import { renderShell, type ShellBoot } from './renderShell.ts';
import type { LoadWebAppAssets, WebAppAssets } from './webAppAssets.ts';

export interface WebAppConfig {
  /** The public origin (share links are PUBLIC_URL/p/:castHash); null when unset (Workers without PUBLIC_URL). */
  publicUrl: string | null;
  chainId: number;
  /** The Quick Auth server the client signs in with; null: the SDK's default (Farcaster's). */
  quickAuthOrigin: string | null;
}

export interface WebAppDeps {
  assets: LoadWebAppAssets;
  /** The app's own API, in process (`app.request`): the first screen's data is the exact JSON the client would read. */
  api: (path: string) => Promise<Response>;
  logger: Logger;
  /** Longest wait for the inlined data before the page goes out without it (the client then reads it itself). */
  inlineTimeoutMs?: number;
}

const castHashPattern = /^0x[0-9a-fA-F]{40}$/;
const fidPattern = /^[1-9]\d{0,11}$/;
/** How long a failed bundle load answers 503 before the next request tries again. */
const RETRY_LOAD_SECONDS = 60;
/** The feed's first page size, the same the client asks for when it pages. */
const FIRST_PAGE = 12;

/** Security headers of the app's pages: it runs inside Farcaster clients' iframes (any ancestor), loads only its own
 * script, talks to its own API and the Quick Auth server, and shows artists' avatars and audio from anywhere. */
function contentSecurityPolicy(quickAuthOrigin: string | null): string {
  const connect = ["'self'", quickAuthOrigin ?? 'https://auth.farcaster.xyz'].join(' ');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    'img-src * data: blob:',
    'media-src * blob:',
    `connect-src ${connect}`,
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');
}

/** The mini app (`/app`, `/app/p/:castHash`, `/app/portfolio`, `/app/artist/:fid`): one HTML shell with the first
 * screen's data inlined, and the client bundle at a versioned, immutable URL. */
export function webAppRoutes(config: WebAppConfig, deps: WebAppDeps): Hono {
  const app = new Hono();
  const inlineTimeoutMs = deps.inlineTimeoutMs ?? 800;
  let loaded: Promise<WebAppAssets> | undefined;
  // A failed load is kept for as long as the 503's Retry-After says: a retry can cost a whole esbuild build (Node
  // without dist/client), which anyone could otherwise start again with every request.
  let failedAt: number | null = null;
  const assets = () => {
    if (failedAt !== null && Date.now() - failedAt >= RETRY_LOAD_SECONDS * 1000) {
      loaded = undefined;
      failedAt = null;
    }
    loaded ??= deps.assets().catch((error: unknown) => {
      failedAt = Date.now();
      throw new UnavailableError('the mini app is not built on this server (npm run build)', error, RETRY_LOAD_SECONDS);
    });
    return loaded;
  };

  /** The API's JSON for `path`, or null when it fails or is slower than the inline budget. */
  const inline = async (path: string): Promise<unknown> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), inlineTimeoutMs);
    });
    try {
      const read = deps.api(path).then((response) => (response.ok ? (response.json() as Promise<unknown>) : null));
      return await Promise.race([read, timeout]);
    } catch (error) {
      deps.logger.warn('mini app data not inlined', { path, ...errorFields(error) });
      return null;
    } finally {
      clearTimeout(timer);
    }
  };

  const page = async (initial: { key: string; path: string } | null, title: string) => {
    const [bundle, data] = await Promise.all([assets(), initial === null ? null : inline(initial.path)]);
    const boot: ShellBoot = {
      publicUrl: config.publicUrl ?? '',
      chainId: config.chainId,
      quickAuthOrigin: config.quickAuthOrigin,
      initial: initial === null || data === null ? null : { key: initial.key, data },
    };
    const html = renderShell({
      title,
      description: 'Listen to performances, watch them go viral, and trade their coins.',
      scriptUrl: `/app/assets/app.${bundle.version}.js`,
      style: bundle.style,
      boot,
    });
    return new Response(html, {
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy': contentSecurityPolicy(config.quickAuthOrigin),
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'strict-origin-when-cross-origin',
      },
    });
  };

  app.get('/assets/:file', async (c) => {
    const bundle = await assets();
    const file = c.req.param('file');
    if (file !== `app.${bundle.version}.js`) return c.json({ error: 'not found' }, 404);
    return c.body(bundle.script, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
    });
  });

  app.get('/', () =>
    page({ key: 'feed:recent', path: `/api/performances?sort=recent&limit=${FIRST_PAGE}` }, 'GigaVibe'),
  );
  app.get('/portfolio', () => page(null, 'Portfolio · GigaVibe'));
  app.get('/p/:castHash', (c) => {
    const castHash = c.req.param('castHash');
    if (!castHashPattern.test(castHash)) return c.json({ error: 'castHash must be 0x followed by 40 hex digits' }, 400);
    const lower = castHash.toLowerCase();
    return page({ key: `performance:${lower}`, path: `/api/performances/${lower}` }, 'GigaVibe');
  });
  app.get('/artist/:fid', (c) => {
    if (!fidPattern.test(c.req.param('fid'))) return c.json({ error: 'fid must be a positive integer' }, 400);
    return page(null, 'Artist · GigaVibe');
  });
  return app;
}
