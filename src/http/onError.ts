import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { BaseError } from '../errors.ts';
import { errorFields, type Logger } from '../support/logger.ts';

/** Frames v1 clients show `{ message }` (at most 90 characters) from a 4xx; the JSON API answers `{ error }`.
 * https://github.com/farcasterxyz/docs/blob/6dbdc1d/docs/reference/frames/spec.md (the frames v1 spec, since removed) */
function body(c: Context, message: string) {
  return c.req.path.startsWith('/frames/') ? { message: message.slice(0, 90) } : { error: message };
}

/** The one place errors become responses: typed errors keep their status and short message; anything else is
 * logged and answered with a bare 500 that leaks nothing. */
export function createErrorHandler(logger: Logger) {
  return (error: Error, c: Context) => {
    if (error instanceof BaseError && error.status < 500) {
      // A refusal that ends by itself (a rate limit, a coin inside its launch window) says when to come back.
      if (error.retryAfterSeconds !== undefined) {
        c.header('Retry-After', String(error.retryAfterSeconds));
      }
      return c.json(body(c, error.message), error.status as ContentfulStatusCode);
    }
    if (error instanceof BaseError && error.status === 503) {
      logger.warn('dependency unavailable', { path: c.req.path, ...errorFields(error.cause ?? error) });
      c.header('Retry-After', String(error.retryAfterSeconds ?? 5));
      return c.json(body(c, error.message), 503);
    }
    if (error instanceof BaseError && (error.status === 502 || error.status === 504)) {
      // An upstream answered something we refuse to pass on (e.g. a quote to an unknown router): say so, briefly.
      logger.warn('upstream refused', { path: c.req.path, ...errorFields(error.cause ?? error) });
      return c.json(body(c, error.message), error.status);
    }
    if (error instanceof HTTPException && error.status < 500) {
      return c.json(body(c, error.message || 'bad request'), error.status);
    }
    logger.error('unhandled error', { path: c.req.path, method: c.req.method, ...errorFields(error) });
    return c.json(body(c, 'internal error'), 500);
  };
}
