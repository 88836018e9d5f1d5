import type { Env } from '../config/schema.ts';
import { createGigaVibe, type GigaVibe } from '../createGigaVibe.ts';
import { createLogger } from '../support/logger.ts';
import { createRequestScopes, type RequestScopes } from './createRequestScopes.ts';
import { loadWorkerFonts } from './loadWorkerFonts.ts';
import { loadWorkerResvgWasm } from './loadWorkerResvgWasm.ts';
import { loadWorkerWebApp } from './loadWorkerWebApp.ts';

/** What a Worker isolate builds once and every invocation reuses. */
export interface IsolateCore {
  scopes: RequestScopes;
  gv: GigaVibe;
  /** This isolate's name as a lease holder of exclusive jobs. */
  holder: string;
}

/** The Worker isolate's PNG cache: a few hundred images (~30 KB each), far below its 128 MB memory limit. */
export const WORKER_IMAGE_CACHE_BYTES = 8 * 1024 * 1024;

const scopes = createRequestScopes();
let cached: { key: string; core: IsolateCore } | null = null;

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** GigaVibe for this isolate, built on first use and kept while the configuration stays the same: the renderer parses
 * the fonts and instantiates resvg once, and the image, signer and price caches and the rate limits live across
 * requests. Workers forbid I/O objects shared across requests, so the stores the core holds forward each call to the
 * calling invocation's own (createRequestScopes). The cache key holds secrets in memory only; it is never logged. */
export function getIsolateCore(env: Env, webhookSecrets: readonly string[]): IsolateCore {
  const key = JSON.stringify([env, webhookSecrets]);
  if (cached?.key === key) return cached.core;
  const gv = createGigaVibe(env, {
    kind: 'worker',
    stores: scopes.stores(),
    logger: createLogger(env.LOG_LEVEL),
    webhookSecrets,
    applyMode: 'waitUntil',
    writer: { maxInFlight: Number.POSITIVE_INFINITY },
    // Set by Cloudflare on every request; a client cannot choose it.
    clientAddress: (c) => c.req.header('cf-connecting-ip'),
    publicUrl: env.PUBLIC_URL ?? null,
    fonts: loadWorkerFonts(),
    loadResvgWasm: loadWorkerResvgWasm,
    keepingAlive: scopes.keepingAlive,
    randomSecret: () => randomHex(32),
    // Measured (npm run bench:render-memory): the renderer holds ~32 MiB once loaded and peaks near 50 MiB over its
    // baseline in a burst of renders; with the app's code that leaves no room for the Node host's 32 MiB image cache
    // in a 128 MB isolate. The image URLs are immutable: a CDN in front caches them instead.
    imageCacheBytes: WORKER_IMAGE_CACHE_BYTES,
    webAppAssets: loadWorkerWebApp,
  });
  cached = { key, core: { scopes, gv, holder: `worker-${randomHex(4)}` } };
  return cached.core;
}
