import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { castHash, performanceCast, user } from '../scripts/neynarPayloads.ts';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';
import { giveCoin } from './support/framesHarness.ts';
import { type TestApp, testApp } from './support/testApp.ts';

/** An opaque cursor as the feed encodes it, with whatever the attacker chose inside. */
const cursor = (key: unknown) => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

/** Outsider's pass over the read API's analytics, feed and market routes: nothing a client sends is a 5xx. */
describe.each(databaseTargets())(
  'attacking the analytics, feed and market reads on $name',
  (target: DatabaseTarget) => {
    let db: TestDatabase;
    let app: TestApp;
    const hash = castHash(7001, 'a');
    const coin = `0x${'1'.repeat(40)}`;
    let realCoin = '';

    beforeAll(async () => {
      db = await target.create();
      app = testApp(db);
      await app.deliver(performanceCast(hash, user(7100)));
      await app.drainer.drain();
      realCoin = await giveCoin(db, hash, 'ATK');
    }, 60_000);
    afterAll(async () => {
      await db.close();
    });

    // Found: the timestamp check matched the shape `[+-]hh:mm` without checking the offset, so `+99:99` passed, became
    // an Invalid Date, and toISOString threw inside the store call: a 503 "Database unavailable" (a retry signal, and a
    // warning in the logs) for a malformed query.
    it.each([
      `/api/performances/${hash}/analytics?to=2026-01-01T00:00:00%2B99:99`,
      `/api/performances/${hash}/analytics?from=2026-01-01T00:00:00-24:00&to=2026-01-02T00:00:00Z`,
      `/api/performances/${hash}/analytics?bucket=day&from=2026-01-01T00:00:00%2B00:60`,
      '/api/artists/7100/analytics?to=2026-01-01T00:00:00%2B99:99',
    ])('refuses a timestamp with an impossible UTC offset with a 400: %s', async (path) => {
      const res = await app.app.request(path);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/^(to|from) must be an ISO 8601 timestamp$/);
    });

    it('answers the same window with a real offset (the check is not too strict)', async () => {
      const res = await app.app.request(`/api/performances/${hash}/analytics?to=2026-01-01T00:00:00%2B05:30`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { to: string }).to).toBe('2025-12-31T18:30:00+00:00');
    });

    it('refuses a feed cursor carrying an impossible offset as a bad cursor', async () => {
      const trending = cursor({ g: '1', a: '2026-01-01T00:00:00+99:99', h: hash });
      const recent = cursor({ t: '2026-01-01T00:00:00+99:99', h: hash });
      for (const path of [`/api/performances?sort=trending&cursor=${trending}`, `/api/performances?cursor=${recent}`]) {
        const res = await app.app.request(path);
        expect(res.status).toBe(400);
        expect(((await res.json()) as { error: string }).error).toMatch(
          /^cursor is not a valid (trending|recent) cursor$/,
        );
      }
    });

    // What held: every one of these is a short 4xx (or a 200/404 for a well-formed query), never a 5xx.
    const held = [
      `/api/performances/${hash}/analytics?to=9999-12-31T23:59:59-23:59`,
      `/api/performances/${hash}/analytics?from=0001-01-01T00:00:00Z&to=0001-01-02T00:00:00Z&bucket=day`,
      `/api/performances/${hash}/analytics?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z`,
      `/api/performances/${hash}/analytics?bucket=hour&bucket=day`,
      `/api/performances/${hash}/analytics?__proto__=1`,
      `/api/performances/${hash}/analytics?%ZZ=%ZZ`,
      `/api/performances/${hash}/analytics?bucket=%F0%9F%8E%B5`,
      `/api/performances/${hash}/analytics?to=${'9'.repeat(10_000)}`,
      `/api/performances/${hash.toUpperCase().replace('0X', '0x')}/analytics`,
      `/api/performances/${hash}%00/analytics`,
      '/api/artists/9007199254740991/analytics',
      '/api/artists/9007199254740992/analytics',
      '/api/artists/9223372036854775807/analytics',
      '/api/artists/0/analytics',
      '/api/artists/-1/analytics',
      '/api/artists/1e3/analytics',
      `/api/performances?sort=trending&cursor=${cursor({ g: '99999999999999999999.999999', a: '9999-12-31T23:59:59-23:59', h: hash })}`,
      `/api/performances?sort=trending&cursor=${cursor({ g: '1', a: '2026-01-01T00:00:00+15:59', h: hash })}`,
      `/api/performances?sort=top&cursor=${cursor({ s: 1e308, h: hash })}`,
      `/api/performances?sort=top&cursor=${cursor({ s: Number.MAX_SAFE_INTEGER, h: hash })}`,
      `/api/performances?sort=trending&cursor=${'A'.repeat(100_000)}`,
      '/api/performances?sort=trending&sort=top&limit=1&limit=1000',
      '/api/performances?limit=0',
      '/api/performances?artist=9007199254740991&sort=trending',
      '/api/performances?artist=9007199254740992',
      '/api/performances?artist=0',
      '/api/performances?artist=7100&artist=1',
      `/api/performances?artist=7100&sort=top&cursor=${cursor({ s: Number.MAX_SAFE_INTEGER, h: hash })}`,
      '/api/performances?limit=%EF%BC%91',
      `/api/coins/${coin}/candles?interval=1m&from=9999-12-31T23:59:59-23:59`,
      `/api/coins/${coin}/candles?interval=1m&from=1969-12-31T23:59:59Z`,
      `/api/coins/${coin}/candles?interval=1m&from=2026-02-30`,
      `/api/coins/${coin}/candles?interval=1m&from=2026-01-01T00:00:00%2B99:99`,
      `/api/coins/${coin}/candles?interval=1m&limit=99999`,
      `/api/coins/${coin}/candles?interval=1y`,
      `/api/coins/${coin}/trades?cursor=${cursor({ b: Number.MAX_SAFE_INTEGER, l: 2 ** 31 - 1 })}`,
      `/api/coins/${coin}/trades?cursor=${cursor({ b: '9223372036854775808', l: 2 ** 31 })}`,
      `/api/coins/${coin}/trades?cursor=${cursor({ b: -1, l: 0, x: 1 })}`,
      `/api/coins/${coin}/trades?limit=-1`,
      `/api/coins/${'0x'.padEnd(42, 'g')}/trades`,
    ];
    it("answers a real coin's market reads at their limits with a 200 or a short 400", async () => {
      const cases: [string, number][] = [
        [`/api/coins/${realCoin}/candles?interval=1m&from=1970-01-01&to=9999-12-31`, 200],
        [`/api/coins/${realCoin.toUpperCase().replace('0X', '0x')}/candles?interval=1d&limit=1000`, 200],
        [`/api/coins/${realCoin}/candles?interval=1m&from=9999-12-31T23:59:59-23:59`, 400],
        [`/api/coins/${realCoin}/candles?interval=1h&from=2026-01-02&to=2026-01-01`, 400],
        [`/api/coins/${realCoin}/trades?cursor=${cursor({ b: Number.MAX_SAFE_INTEGER, l: 2 ** 31 - 1 })}`, 200],
        [`/api/coins/${realCoin}/trades?cursor=${cursor({ b: 0, l: 0 })}&limit=100`, 200],
        [`/api/coins/${realCoin}/trades?cursor=${cursor({ b: 1.5, l: 0 })}`, 400],
      ];
      for (const [path, status] of cases) {
        const res = await app.app.request(path);
        expect(res.status, `${path} ${await res.clone().text()}`).toBe(status);
      }
    });

    it.each(held.map((path) => [path.length > 120 ? `${path.slice(0, 120)}…` : path, path]))(
      'never a 5xx: %s',
      async (_, path) => {
        const res = await app.app.request(path);
        expect(res.status, await res.clone().text()).toBeLessThan(500);
        expect([200, 400, 404]).toContain(res.status);
      },
    );
  },
);
