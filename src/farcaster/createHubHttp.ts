import { UnavailableError } from '../errors.ts';

/** How the hub checks reach a hub's HTTP API. */
export interface HubHttpOptions {
  /** Hub or Snapchain HTTP API base URL, e.g. `http://127.0.0.1:3381`. */
  hubUrl: string;
  /** Sent as `x-api-key` when set (hosted hubs); never logged. */
  apiKey?: string | undefined;
  fetch?: typeof fetch;
  /** Per lookup, all pages and bodies included; default 2000. */
  timeoutMs?: number;
}

/** What both hub checks (signers, verified addresses) are configured with. */
export interface HubCheckOptions extends HubHttpOptions {
  /** How long an answer is reused (each check says how it treats negative answers); 0 disables caching. */
  cacheSeconds: number;
  /** Clock for cache expiry, ms since the epoch. */
  now?: () => number;
  /** Hub lookups in flight at once; more concurrent cache misses answer 503 (retry). Default 32. */
  maxConcurrentLookups?: number;
}

/** Negative answers are reused at most this long, whatever cacheSeconds says: a key or verification just added must
 * not stay refused for long. */
export const MAX_NEGATIVE_SECONDS = 60;
/** Snapchain pages its lists (a fid's signers, its verifications); a fid has at most a few dozen, so 5 pages do. */
export const MAX_HUB_PAGES = 5;

/** A hub that could not answer usefully (down, slow, 429, 5xx, auth failure, unreadable): the client retries in 5 s. */
export function hubUnavailable(cause: unknown): UnavailableError {
  return new UnavailableError('Farcaster hub unavailable; try again', cause, 5);
}

/** GETs against a hub's HTTP API, shared by the signer and verification checks: JSON bodies (undefined when not
 * JSON), the API key as `x-api-key`, and one deadline for a whole multi-page lookup. Network failures become
 * hubUnavailable; statuses are left to the caller, which knows what a 400 or 404 means for its endpoint. */
export function createHubHttp(options: HubHttpOptions) {
  const base = options.hubUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 2000;
  return {
    async getJson(
      path: string,
      query: URLSearchParams,
      signal: AbortSignal,
    ): Promise<{ status: number; body: unknown }> {
      try {
        const headers: Record<string, string> = { accept: 'application/json' };
        if (options.apiKey) headers['x-api-key'] = options.apiKey;
        const res = await doFetch(`${base}${path}?${query}`, { headers, signal });
        const raw = await res.text();
        let body: unknown;
        try {
          body = JSON.parse(raw);
        } catch {
          body = undefined;
        }
        return { status: res.status, body };
      } catch (error) {
        throw hubUnavailable(error);
      }
    },
    /** Run one lookup (all its pages) under the deadline; frames v1 clients wait 5 s for the whole answer. */
    async withDeadline<T>(lookup: (signal: AbortSignal) => Promise<T>): Promise<T> {
      const controller = new AbortController();
      const timer = setTimeout(
        () => controller.abort(new Error(`hub did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      try {
        return await lookup(controller.signal);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
