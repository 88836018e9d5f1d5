import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets, type TestDatabase } from './support/databases.ts';
import { type TestApp, testApp } from './support/testApp.ts';

// Found: when the bundle could not be loaded (Node without dist/client builds it with esbuild), the failure was
// forgotten at once, so every request to /app or /app/assets by anyone started a whole new build (seconds of CPU and an
// error log line each) while the answer told clients to come back in 60 seconds.
describe('attacking a host whose mini app bundle fails to load', () => {
  let db: TestDatabase;
  let app: TestApp;
  let attempts = 0;

  beforeAll(async () => {
    const target = databaseTargets()[0];
    if (target === undefined) throw new Error('no database target');
    db = await target.create();
    app = testApp(db, {
      webApp: {
        assets: async () => {
          attempts += 1;
          throw new Error('esbuild: Could not resolve "preact"');
        },
        config: { publicUrl: 'https://app.example.com', chainId: 8453, quickAuthOrigin: null },
      },
    });
  });
  afterAll(async () => {
    await db.close();
  });

  it('tries to load the bundle once per Retry-After, however many requests arrive', async () => {
    const paths = ['/app', '/app/portfolio', '/app/artist/1', `/app/p/0x${'a'.repeat(40)}`, '/app/assets/app.x.js'];
    for (let i = 0; i < 40; i++) {
      const res = await app.app.request(paths[i % paths.length] ?? '/app');
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('60');
    }
    const burst = await Promise.all(Array.from({ length: 20 }, () => app.app.request('/app')));
    expect(burst.every((res) => res.status === 503)).toBe(true);
    expect(attempts).toBe(1);
  });
});
