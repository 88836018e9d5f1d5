import { PERFORMANCE_CHANNEL, signed } from '../../scripts/neynarPayloads.ts';
import { type AppDeps, createApp, type GigaVibeApp } from '../../src/app.ts';
import { silentLogger } from '../../src/support/logger.ts';
import type { TestDatabase } from './databases.ts';

export const SECRET = 'test-webhook-secret-0123456789abcdef';

export interface TestApp extends GigaVibeApp {
  /** Sign and POST a payload to /webhooks/neynar. */
  deliver(payload: unknown): Promise<Response>;
  /** GET a path and parse JSON. */
  get(path: string): Promise<{ status: number; body: unknown }>;
}

/** The real app over a test database; by default events are applied only when the test drains (deterministic). */
export function testApp(db: TestDatabase, deps: Partial<AppDeps> = {}, secrets: string[] = [SECRET]): TestApp {
  const gv = createApp(
    { webhookSecrets: secrets, performanceChannelUrl: PERFORMANCE_CHANNEL },
    { stores: db.stores, logger: silentLogger, applyMode: 'none', ...deps },
  );
  return {
    ...gv,
    async deliver(payload) {
      const s = await signed(SECRET, payload);
      return gv.app.request('/webhooks/neynar', { method: 'POST', body: s.body, headers: s.headers });
    },
    async get(path) {
      const res = await gv.app.request(path);
      return { status: res.status, body: await res.json() };
    },
  };
}

/** Metrics of a performance through the public API (throws if it is not visible). */
export async function metricsOf(app: TestApp, hash: string) {
  const { status, body } = await app.get(`/api/performances/${hash}`);
  if (status !== 200) throw new Error(`GET /api/performances/${hash} -> ${status} ${JSON.stringify(body)}`);
  return (body as { metrics: { likes: number; recasts: number; replies: number; views: number } }).metrics;
}
