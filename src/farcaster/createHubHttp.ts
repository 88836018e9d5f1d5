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
