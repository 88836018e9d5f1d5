import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { BaseError } from '../errors.ts';
import { errorFields, type Logger } from '../support/logger.ts';

/** The one place errors become responses: typed errors keep their status and short message; anything else is
 * logged and answered with a bare 500 that leaks nothing. */
export function createErrorHandler(logger: Logger) {
  return (error: Error, c: Context) => {
    if (error instanceof BaseError && error.status < 500) {
      return c.json({ error: error.message }, error.status as ContentfulStatusCode);
    }
    if (error instanceof BaseError && error.status === 503) {
      logger.warn('dependency unavailable', { path: c.req.path, ...errorFields(error.cause ?? error) });
      c.header('Retry-After', '5');
      return c.json({ error: error.message }, 503);
    }
    if (error instanceof HTTPException && error.status < 500) {
      return c.json({ error: error.message || 'bad request' }, error.status);
    }
    logger.error('unhandled error', { path: c.req.path, method: c.req.method, ...errorFields(error) });
    return c.json({ error: 'internal error' }, 500);
  };
}
