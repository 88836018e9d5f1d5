import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Metrics } from './metrics.ts';

/** A Hono middleware recording every request's duration by method, matched route pattern and status. The label is
 * the pattern that answered (`/api/performances/:castHash`), never the URL, so a scanner cannot grow the label set;
 * a request no route answered (only a middleware's wildcard matched) is `unmatched`. */
export function measureRequests(metrics: Pick<Metrics, 'httpRequest'>): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const pattern = routePath(c);
    const route = c.res.status === 404 && pattern.endsWith('*') ? 'unmatched' : pattern;
    const method = ['GET', 'HEAD', 'POST', 'OPTIONS'].includes(c.req.method) ? c.req.method : 'other';
    metrics.httpRequest({ method, route, status: c.res.status, seconds: (performance.now() - started) / 1000 });
  };
}
