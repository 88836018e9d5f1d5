/** Frame image routes under attack: URLs an attacker can mint without limit (random transaction hashes, random
 * version names, unknown casts) must not each cost a render and an image-cache entry, which would burn CPU and evict
 * the real images from the LRU. */
import { randomBytes } from 'node:crypto';
import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { castHash, performanceCast, user } from '../scripts/neynarPayloads.ts';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';
import { type FramesHarness, giveCoin, pngSize, startFramesHarness } from './support/framesHarness.ts';
import { testApp } from './support/testApp.ts';

const COINED = castHash(2, 'e') as Hex;
const OTHER_COINED = castHash(3, 'e') as Hex;
const UNKNOWN = castHash(99, 'e') as Hex;
const BUYER = '0xabababababababababababababababababababab' as const;
const TX = `0x${'5e'.repeat(32)}` as const;
const ATTEMPTS = 12;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const tradeImage = (cast: string, tx: string) => `/frames/performance/${cast}/trade/${tx}/image/${hex(8)}.png`;

describe.each(databaseTargets())('frame images under attack on $name', (target: DatabaseTarget) => {
  let db: TestDatabase;
  let h: FramesHarness;
  let coin: `0x${string}`;

  beforeAll(async () => {
    db = await target.create();
    const app = testApp(db);
    await app.deliver(performanceCast(COINED, user(7101)));
    await app.deliver(performanceCast(OTHER_COINED, user(7102)));
    await app.drainer.drain();
    coin = await giveCoin(db, COINED, 'VIBE');
    await giveCoin(db, OTHER_COINED, 'OTHR');
    await db.stores.trading.recordPendingTrade({
      source: 'frame',
      chainId: 8453,
      txHash: TX,
      fid: 801,
      buyer: BUYER,
      coinAddress: coin,
    });
    h = await startFramesHarness(db);
    await h.frames.warm();
  });
  afterAll(async () => {
    await h?.close();
    await db?.close();
  });

  it('answers random transaction hashes with 404 JSON: no render, no cache entry', async () => {
    const before = h.frames.imageCache.stats();
    for (let i = 0; i < ATTEMPTS; i++) {
      const res = await h.request(tradeImage(COINED, `0x${hex(32)}`));
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ message: 'Image not found' });
    }
    const after = h.frames.imageCache.stats();
    expect(after.renders).toBe(before.renders);
    expect(after.entries).toBe(before.entries);
    expect(after.bytes).toBe(before.bytes);
  });

  it('refuses a real trade under a cast that is not its coin, or an unknown cast (404, nothing drawn)', async () => {
    const before = h.frames.imageCache.stats();
    for (const cast of [OTHER_COINED, UNKNOWN, castHash(1234, 'e')]) {
      const res = await h.request(tradeImage(cast, TX));
      expect(res.status).toBe(404);
    }
    expect(h.frames.imageCache.stats().renders).toBe(before.renders);
  });

  it('draws a known trade once, whatever version names and hash case the requests carry', async () => {
    const before = h.frames.imageCache.stats();
    for (let i = 0; i < ATTEMPTS; i++) {
      const tx = i % 2 === 0 ? TX : `0x${TX.slice(2).toUpperCase()}`;
      const res = await h.request(tradeImage(COINED, tx));
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=60');
      expect(pngSize(new Uint8Array(await res.arrayBuffer()))).toEqual({ width: 1200, height: 630 });
    }
    const after = h.frames.imageCache.stats();
    expect(after.renders - before.renders).toBe(1);
    expect(after.entries - before.entries).toBe(1);
  });

  it('draws a performance image once for any version name, and unknown casts share the one not-found image', async () => {
    const before = h.frames.imageCache.stats();
    for (let i = 0; i < ATTEMPTS; i++) {
      const known = await h.request(`/frames/performance/${COINED}/image/${hex(8)}.png`);
      expect(known.status).toBe(200);
      await known.arrayBuffer();
      const unknown = await h.request(`/frames/performance/0x${hex(20)}/image/${hex(8)}.png`);
      expect(unknown.status).toBe(200);
      await unknown.arrayBuffer();
      const notFound = await h.request(`/frames/not-found/image/${hex(8)}.png`);
      expect(notFound.status).toBe(200);
      await notFound.arrayBuffer();
    }
    const after = h.frames.imageCache.stats();
    // The coined performance's card is drawn once; the not-found card was drawn by warm() already.
    expect(after.renders - before.renders).toBe(1);
    expect(after.entries - before.entries).toBe(1);
  });
});
