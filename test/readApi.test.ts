import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { castHash, performanceCast, reaction, user } from '../scripts/neynarPayloads.ts';
import { createPerformanceViews } from '../src/performances/createPerformanceViews.ts';
import { encodeFeedCursor } from '../src/performances/feedCursor.ts';
import { silentLogger } from '../src/support/logger.ts';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';
import { giveCoin } from './support/framesHarness.ts';
import { type TestApp, testApp } from './support/testApp.ts';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000);

interface Page {
  items: { castHash: string; metrics: { likes: number } }[];
  nextCursor: string | null;
}

describe.each(databaseTargets())('read API on $name', (target: DatabaseTarget) => {
  let db: TestDatabase;
  let app: TestApp;
  const hashes: string[] = [];

  beforeAll(async () => {
    db = await target.create();
    app = testApp(db);
    // 25 performances, one a minute; performance i gets i % 7 likes.
    for (let i = 0; i < 25; i++) {
      const hash = castHash(i + 1, 'f');
      hashes.push(hash);
      await app.deliver(performanceCast(hash, user(3000 + (i % 3)), at(i * 60)));
      for (let k = 0; k < i % 7; k++) {
        await app.deliver(
          reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(50 + k), at: at(i * 60 + k) }),
        );
      }
    }
    await app.drainer.drain();
  });
  afterAll(async () => {
    await db.close();
  });

  const page = async (query: string) => {
    const res = await app.get(`/api/performances${query}`);
    expect(res.status).toBe(200);
    return res.body as Page;
  };

  it('GET /api/performances/:castHash answers 400 for a malformed hash and 404 for an unknown one', async () => {
    for (const bad of ['0x123', 'abc', `0x${'g'.repeat(40)}`, `${hashes[0]}00`]) {
      const res = await app.get(`/api/performances/${bad}`);
      expect(res).toEqual({ status: 400, body: { error: 'castHash must be 0x followed by 40 hex digits' } });
    }
    expect(await app.get(`/api/performances/0x${'9'.repeat(40)}`)).toEqual({
      status: 404,
      body: { error: 'performance not found' },
    });
  });

  it("lists one artist's performances in every sort, paged, and refuses a bad artist fid", async () => {
    for (const sort of ['recent', 'top', 'trending']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const body: Page = await page(`?sort=${sort}&artist=3001&limit=3${cursor === null ? '' : `&cursor=${cursor}`}`);
        seen.push(...body.items.map((i) => i.castHash));
        for (const item of body.items) expect((item as unknown as { artist: { fid: number } }).artist.fid).toBe(3001);
        cursor = body.nextCursor;
      } while (cursor !== null);
      // Performances i with i % 3 == 1 (8 of 25); trending lists only those with engagement in the last hours.
      const expected = hashes.filter((_, i) => i % 3 === 1);
      if (sort === 'trending') expect(seen.every((h) => expected.includes(h))).toBe(true);
      else expect([...seen].sort()).toEqual([...expected].sort());
    }
    for (const bad of ['0', '-1', 'x', '1.5', '99999999999999999']) {
      expect((await app.get(`/api/performances?artist=${bad}`)).status, bad).toBe(400);
    }
    expect(await page('?artist=999999')).toEqual({ items: [], nextCursor: null });
  });

  it('pages the recent feed newest first with a stable cursor, ending with nextCursor null', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const p: Page = await page(`?sort=recent&limit=10${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...p.items.map((i) => i.castHash));
      cursor = p.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual([...hashes].reverse());
  });

  it('is stable under inserts: a new performance does not shift later pages', async () => {
    const first = await page('?limit=5');
    await app.deliver(performanceCast(castHash(999, 'f'), user(3000), at(10_000)));
    await app.drainer.drain();
    const second = await page(`?limit=5&cursor=${first.nextCursor}`);
    expect(second.items.map((i) => i.castHash)).toEqual([...hashes].reverse().slice(5, 10));
  });

  it('sorts the top feed by engagement, ties broken by hash, across pages', async () => {
    const all: Page['items'] = [];
    let cursor: string | null = null;
    do {
      const p: Page = await page(`?sort=top&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      all.push(...p.items);
      cursor = p.nextCursor;
    } while (cursor !== null);
    expect(all).toHaveLength(26);
    const likes = all.map((i) => i.metrics.likes);
    expect(likes).toEqual([...likes].sort((a, b) => b - a));
    expect(new Set(all.map((i) => i.castHash)).size).toBe(26);
    expect(likes[0]).toBe(6);
  });

  it('answers 400 for bad parameters', async () => {
    const topCursor = encodeFeedCursor({ s: 3, h: hashes[0]! });
    const cases: [string, string][] = [
      ['?sort=hot', 'sort must be recent, top or trending'],
      ['?limit=0', 'limit must be an integer from 1 to 100'],
      ['?limit=101', 'limit must be an integer from 1 to 100'],
      ['?limit=abc', 'limit must be an integer from 1 to 100'],
      ['?cursor=!!', 'cursor is not a valid recent cursor'],
      ['?cursor=eyJ4IjoxfQ', 'cursor is not a valid recent cursor'],
      [`?cursor=${topCursor}`, 'cursor is not a valid recent cursor'],
      ['?page=2', 'unknown parameter page'],
    ];
    for (const [query, error] of cases) {
      expect(await app.get(`/api/performances${query}`)).toEqual({ status: 400, body: { error } });
    }
  });

  it('answers 400, not 503, for cursors that decode but hold values PostgreSQL refuses (security regression)', async () => {
    const h = hashes[0]!;
    const recent = ['1', 'Jan 1', '-1', '2026-02-30T00:00:00Z', '2026-11-25T24:00:00Z', '0000-01-01T00:00:00Z', ''];
    for (const t of recent) {
      const res = await app.get(`/api/performances?cursor=${encodeFeedCursor({ t, h })}`);
      expect(res, t).toEqual({ status: 400, body: { error: 'cursor is not a valid recent cursor' } });
    }
    for (const s of [1e300, 2 ** 63]) {
      const res = await app.get(`/api/performances?sort=top&cursor=${encodeFeedCursor({ s, h })}`);
      expect(res, String(s)).toEqual({ status: 400, body: { error: 'cursor is not a valid top cursor' } });
    }
    const good = await app.get(
      `/api/performances?cursor=${encodeFeedCursor({ t: '2026-11-25T10:00:00.123456+00:00', h })}`,
    );
    expect(good.status).toBe(200);
  });

  // Last: it adds a performance, which the feed tests above do not expect.
  it('GET /api/performances/:castHash is the performance view: the stored performance plus coin.priceEth', async () => {
    const hash = castHash(99, 'f');
    await app.deliver(performanceCast(hash, user(3099), at(3600)));
    await app.drainer.drain();
    const coin = await giveCoin(db, hash, 'PRICED');
    const stored = await db.stores.performances.getPerformance(hash);
    expect(stored?.coin?.address).toBe(coin);
    const unpriced = await app.get(`/api/performances/${hash}`);
    expect(unpriced).toEqual({ status: 200, body: { ...stored, coin: { ...stored?.coin, priceEth: null } } });

    const asked: string[] = [];
    const views = createPerformanceViews({
      stores: db.stores,
      coinPrice: async (c) => {
        asked.push(c.address);
        return { ethPerCoin: '0.0000015' };
      },
      logger: silentLogger,
    });
    const priced = testApp(db, { getPerformanceView: views.getPerformanceView });
    expect(await priced.get(`/api/performances/${hash}`)).toEqual({
      status: 200,
      body: { ...stored, coin: { ...stored?.coin, priceEth: '0.0000015' } },
    });
    expect(asked).toEqual([coin]);
    // No coin, no price and no chain read.
    const plain = await priced.get(`/api/performances/${hashes[0]}`);
    expect(plain.body).toEqual(await db.stores.performances.getPerformance(hashes[0]!));
    expect(asked).toEqual([coin]);
    // The feed stays as stored: no chain reads per item.
    const feed = await priced.get('/api/performances?limit=100');
    expect((feed.body as Page).items.find((item) => item.castHash === hash)).toEqual(stored);
    expect(asked).toEqual([coin]);
  });
});
