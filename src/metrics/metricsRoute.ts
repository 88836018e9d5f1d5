import { Hono } from 'hono';
import { verifyBearerToken } from '../http/verifyBearerToken.ts';
import type { Metrics } from './metrics.ts';

/** `GET /metrics`: the Prometheus text exposition behind `Authorization: Bearer $METRICS_TOKEN` (constant-time check;
 * 401 otherwise). Mounted only when the host has metrics and the token is set, so elsewhere it is a plain 404. */
export function metricsRoute(metrics: Pick<Metrics, 'scrape'>, token: string): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    if (!(await verifyBearerToken(c.req.header('authorization'), token))) {
      return c.json({ error: 'missing or invalid bearer token' }, 401, { 'www-authenticate': 'Bearer' });
    }
    const { contentType, body } = await metrics.scrape();
    return c.body(body, 200, { 'content-type': contentType, 'cache-control': 'no-store' });
  });
  return app;
}
