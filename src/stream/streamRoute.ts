import { type Context, Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { BadRequestError, BaseError, UnavailableError } from '../errors.ts';
import { clientRateKey, enforceRateLimit, type RateLimiter } from '../http/createRateLimiter.ts';
import type { ClientAddress } from '../trading/buyRoute.ts';
import type { StreamHub, StreamSink } from './createStreamHub.ts';
import { parseStreamQuery } from './parseStreamQuery.ts';

/** Where a host without its own stream sends clients: Supabase Realtime on the published tables (README "Real time"). */
export const REALTIME_POINTER =
  'subscribe with Supabase Realtime instead: postgres_changes on public.performance_coins and ' +
  'public.performance_metrics (see the README, "Real time")';

/** The stream of this host, or why there is none (Workers: 501; the Supabase Data API, which cannot LISTEN: 503). */
export type StreamSource = { hub: StreamHub } | { unavailable: { status: 501 | 503; message: string } };

export interface StreamRouteOptions {
  clientAddress?: ClientAddress | undefined;
  /** New streams per client address per minute (STREAM_CONNECTS_PER_MINUTE): each one costs a database read. */
  connectLimiter?: RateLimiter | undefined;
}

/** The Node response behind a Hono context (@hono/node-server's bindings), to cut a stalled reader's socket. */
function nodeResponse(c: Context): { destroy(): void } | undefined {
  const outgoing = (c.env as { outgoing?: { destroy?: unknown } } | undefined)?.outgoing;
  return typeof outgoing?.destroy === 'function' ? (outgoing as { destroy(): void }) : undefined;
}

/** `GET /api/stream?coins=…&performances=…&trades=…`: Server-Sent Events `coin`, `metrics` and `trade` (each `data`
 * the JSON of its subject, naming it by coinAddress, castHash or txHash), `ready` once the current state (or, with
 * Last-Event-ID, what was missed) has been sent, `reset` when a Last-Event-ID cannot be resumed (refetch), and
 * `shutdown` with a `retry:` hint when the server stops. Heartbeats are comment lines. 400 for a bad query, 429 past a
 * client's budget, 503 + Retry-After at the connection cap. https://html.spec.whatwg.org/multipage/server-sent-events.html */
export function streamRoute(source: StreamSource, options: StreamRouteOptions): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    if ('unavailable' in source) {
      const { status, message } = source.unavailable;
      if (status === 503) c.header('Retry-After', '300');
      return c.json({ error: message }, status);
    }
    const { hub } = source;
    const parsed = parseStreamQuery(c.req.queries());
    if (!parsed.ok) throw new BadRequestError(parsed.error);
    const clientKey = clientRateKey(options.clientAddress?.(c));
    enforceRateLimit(options.connectLimiter, 'stream connections', [`stream:${clientKey}`]);
    const admission = hub.admit(clientKey);
    if (!admission.ok) {
      if (admission.reason === 'client') {
        throw new BaseError('too many open streams from this client; close one first', {
          status: 429,
          retryAfterSeconds: admission.retryAfterSeconds,
        });
      }
      const why =
        admission.reason === 'closing' ? 'the server is restarting' : 'the server has all the streams it takes';
      throw new UnavailableError(`${why}; reconnect later`, undefined, admission.retryAfterSeconds);
    }
    try {
      await hub.ready();
    } catch (error) {
      admission.ticket.release();
      throw new UnavailableError('live updates are unavailable right now (database)', error, 5);
    }
    const lastEventId = c.req.header('last-event-id');
    const response = nodeResponse(c);
    c.header('X-Accel-Buffering', 'no');
    return streamSSE(c, async (stream) => {
      const sink: StreamSink = {
        write: async (bytes) => {
          await stream.write(bytes);
        },
        close: () => stream.close(),
        abort: () => {
          stream.abort();
          response?.destroy();
        },
      };
      const connection = admission.ticket.open({ subscription: parsed.subscription, lastEventId, sink });
      stream.onAbort(() => connection.end());
      await connection.done;
    });
  });
  return app;
}
