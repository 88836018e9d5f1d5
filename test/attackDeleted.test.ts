import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFrameFonts } from '../frames/loadFrameFonts.ts';
import { castDeleted, castHash, performanceCast, reaction, user } from '../scripts/neynarPayloads.ts';
import { createMiniAppServer } from '../src/miniapp/createMiniAppServer.ts';
import { createPerformanceViews } from '../src/performances/createPerformanceViews.ts';
import { silentLogger } from '../src/support/logger.ts';
import { databaseTargets, type TestDatabase } from './support/databases.ts';
import { giveCoin } from './support/framesHarness.ts';
import { type TestApp, testApp } from './support/testApp.ts';

const fonts = loadFrameFonts();

/** A deleted performance is the artist's decision: none of today's routes may keep showing it, its numbers or its
 * coin's market, whatever an outsider who kept its hash (or its coin's address) asks. */
describe.each(databaseTargets())('attacking a deleted performance on $name', (target) => {
  let db: TestDatabase;
  let app: TestApp;
  let coin: string;
  const kept = castHash(8501, 'c');
  const gone = castHash(8502, 'c');
  const artist = user(8600);

  beforeAll(async () => {
    db = await target.create();
    const miniApp = createMiniAppServer(
      { publicUrl: 'https://app.example.com', quickAuthOrigin: 'https://auth.example.com', chainId: 8453 },
      {
        store: db.stores.miniapp,
        logger: silentLogger,
        getPerformanceView: createPerformanceViews({ stores: db.stores, logger: silentLogger }).getPerformanceView,
        fonts: () => fonts,
      },
    );
    app = testApp(db, {
      miniApp,
      webApp: {
        assets: async () => ({ script: 'export {};', style: '', version: 'v1' }),
        config: { publicUrl: 'https://app.example.com', chainId: 8453, quickAuthOrigin: null },
      },
    });
    await app.deliver(performanceCast(kept, artist));
    await app.deliver(performanceCast(gone, artist));
    await app.deliver(reaction({ kind: 'created', type: 1, castHash: gone, reactor: user(1), at: Date.now() }));
    await app.drainer.drain();
    coin = await giveCoin(db, gone, 'GONE');
    // Seen while visible: the share page and its image are in the caches now.
    expect((await app.app.request(`/p/${gone}`)).status).toBe(200);
    await app.deliver(castDeleted(gone));
    await app.drainer.drain();
  }, 60_000);
  afterAll(async () => {
    await db.close();
  });

  it.each([
    () => `/api/performances/${gone}/analytics`,
    () => `/api/performances/${gone}/analytics?bucket=day`,
    () => `/api/coins/${coin}/candles?interval=1h`,
    () => `/api/coins/${coin}/trades`,
    () => `/miniapp/image/p/${gone}/0000000000000000.png`,
  ])('answers 404 for %s', async (path) => {
    expect((await app.app.request(path())).status).toBe(404);
  });

  it('serves the not-found share page, never the cached one', async () => {
    const res = await app.app.request(`/p/${gone}`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain(gone);
  });

  it('leaves it out of the artist, the feeds and the inlined app data', async () => {
    const paths = [
      `/api/artists/${artist.fid}/analytics`,
      '/api/performances?sort=recent',
      '/api/performances?sort=top',
      '/api/performances?sort=trending',
      '/app',
      `/app/p/${gone}`,
    ];
    for (const path of paths) {
      const res = await app.app.request(path);
      expect(res.status, path).toBe(200);
      expect(await res.text(), path).not.toContain(gone);
    }
    // The other performance of the same artist is still there (the checks above are not vacuous).
    expect(await (await app.app.request(`/api/artists/${artist.fid}/analytics`)).text()).toContain(kept);
  });
});
