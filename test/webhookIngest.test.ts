import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  castCreated,
  castDeleted,
  castHash,
  performanceCast,
  reaction,
  signed,
  user,
  userUpdated,
} from '../scripts/neynarPayloads.ts';
import { signNeynarBody } from '../src/webhooks/verifySignature.ts';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';
import { metricsOf, SECRET, type TestApp, testApp } from './support/testApp.ts';

const T0 = Date.parse('2026-11-20T12:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const artist = user(1000, {
  verified_addresses: { eth_addresses: [], sol_addresses: [], primary: { eth_address: null } },
});

describe.each(databaseTargets())('POST /webhooks/neynar on $name', (target: DatabaseTarget) => {
  let db: TestDatabase;
  let app: TestApp;
  let n = 0;
  /** A fresh cast hash per test, so tests share one database without interfering. */
  const freshHash = () => castHash(++n * 7919, 'a');

  beforeAll(async () => {
    db = await target.create();
    app = testApp(db);
  });
  afterAll(async () => {
    await db.close();
  });

  const deliverAll = async (payloads: unknown[]) => {
    for (const p of payloads) expect((await app.deliver(p)).status).toBe(200);
    await app.drainer.drain();
  };

  describe('authenticity and validation', () => {
    it('rejects a missing signature with 401', async () => {
      const res = await app.app.request('/webhooks/neynar', {
        method: 'POST',
        body: JSON.stringify(performanceCast(freshHash(), artist)),
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: 'missing or invalid X-Neynar-Signature' });
    });

    it('rejects a signature made with another secret, a truncated one, and an uppercase one', async () => {
      const payload = performanceCast(freshHash(), artist);
      const wrong = await signed('another-secret-0123456789abcdef', payload);
      const good = await signed(SECRET, payload);
      for (const signature of [
        wrong.headers['x-neynar-signature'],
        good.headers['x-neynar-signature']?.slice(0, 64),
        good.headers['x-neynar-signature']?.toUpperCase(),
        '',
      ]) {
        const res = await app.app.request('/webhooks/neynar', {
          method: 'POST',
          body: good.body,
          headers: { 'content-type': 'application/json', 'x-neynar-signature': signature ?? '' },
        });
        expect(res.status).toBe(401);
      }
    });

    it('rejects a body altered after signing (one byte of whitespace)', async () => {
      const s = await signed(SECRET, performanceCast(freshHash(), artist));
      const res = await app.app.request('/webhooks/neynar', { method: 'POST', body: `${s.body} `, headers: s.headers });
      expect(res.status).toBe(401);
    });

    it('accepts any of several configured secrets (rotation)', async () => {
      const rotating = testApp(db, {}, ['old-secret-0123456789abcdef', SECRET]);
      for (const secret of ['old-secret-0123456789abcdef', SECRET]) {
        const s = await signed(secret, userUpdated(user(77)));
        const res = await rotating.app.request('/webhooks/neynar', {
          method: 'POST',
          body: s.body,
          headers: s.headers,
        });
        expect(res.status).toBe(200);
      }
    });

    it('answers 413 for a body over 256 KiB, before checking anything else', async () => {
      const big = JSON.stringify({ type: 'cast.created', created_at: 1, data: { pad: 'x'.repeat(256 * 1024) } });
      const res = await app.app.request('/webhooks/neynar', {
        method: 'POST',
        body: big,
        headers: { 'content-type': 'application/json', 'x-neynar-signature': 'f'.repeat(128) },
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({ error: 'body exceeds 262144 bytes' });
    });

    it('answers 413 for a streamed body without Content-Length', async () => {
      const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent++ < 6) controller.enqueue(chunk);
          else controller.close();
        },
      });
      const res = await app.app.request('/webhooks/neynar', {
        method: 'POST',
        body: stream,
        headers: { 'x-neynar-signature': 'f'.repeat(128) },
        duplex: 'half',
      } as RequestInit);
      expect(res.status).toBe(413);
    });

    it('answers 400 with a short reason for signed bodies that are not JSON or not UTF-8', async () => {
      const send = async (body: string | Uint8Array) =>
        app.app.request('/webhooks/neynar', {
          method: 'POST',
          body,
          headers: { 'x-neynar-signature': await signNeynarBody(SECRET, body) },
        });
      for (const body of ['{"type":', 'null', '[]', '{"type":"cast.created"}']) {
        const res = await send(body);
        expect(res.status).toBe(400);
        expect(((await res.json()) as { error: string }).error.length).toBeLessThan(200);
      }
      const res = await send(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'body is not valid UTF-8' });
    });

    it('answers 400 naming the field when JSON does not fit the event schema', async () => {
      const bad = reaction({ kind: 'created', type: 1, castHash: 'not-a-hash', reactor: user(5), at: at(1) });
      const res = await app.deliver(bad);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/^data\.cast\.hash: /);

      const badType = reaction({ kind: 'created', type: 1, castHash: freshHash(), reactor: user(5), at: at(1) });
      (badType.data as { reaction_type: number }).reaction_type = 3;
      expect((await app.deliver(badType)).status).toBe(400);
    });

    it('answers 400 for strings Postgres cannot store (NUL, unpaired surrogate) instead of failing later', async () => {
      for (const name of ['bad\u0000name', 'bad\ud800name']) {
        const res = await app.deliver(userUpdated(user(31, { display_name: name })));
        expect(res.status).toBe(400);
      }
    });

    it('keeps unknown event types (200, stored as ignored) without applying them', async () => {
      const res = await app.deliver({ type: 'channel.created', created_at: 1, data: { id: 'music' } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true, duplicate: false, ignored: true });
      const rows = await db.sql.query<{ state: string }>(
        "select state from webhook_inbox where event_type = 'channel.created'",
      );
      expect(rows).toEqual([{ state: 'ignored' }]);
    });
  });

  describe('exact counting', () => {
    it('counts likes and recasts of a performance exactly, with the artist from the identity bridge', async () => {
      const hash = freshHash();
      await deliverAll([
        performanceCast(hash, artist, at(0)),
        reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(1), at: at(1) }),
        reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(2), at: at(2) }),
        reaction({ kind: 'created', type: 2, castHash: hash, reactor: user(2), at: at(3) }),
      ]);
      const { status, body } = await app.get(`/api/performances/${hash.toUpperCase().replace('0X', '0x')}`);
      expect(status).toBe(200);
      expect(body).toMatchObject({
        castHash: hash,
        artist: { fid: 1000, username: 'user1000', displayName: 'User 1000' },
        metrics: { likes: 2, recasts: 1, replies: 0, views: 0 },
        audio: { url: `https://cdn.example.com/audio/${hash}.mp3`, mimeType: 'audio/mpeg' },
      });
    });

    it('never counts a byte-identical redelivery twice, and says it was a duplicate', async () => {
      const hash = freshHash();
      await deliverAll([performanceCast(hash, artist, at(0))]);
      const like = reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(3), at: at(5) });
      const first = await app.deliver(like);
      const second = await app.deliver(like);
      expect(await first.json()).toMatchObject({ duplicate: false });
      expect(await second.json()).toMatchObject({ duplicate: true });
      await app.drainer.drain();
      expect((await metricsOf(app, hash)).likes).toBe(1);
    });

    it('never counts a semantically identical event with different bytes twice', async () => {
      const hash = freshHash();
      const like = reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(4), at: at(5) });
      const reordered = { data: like.data, type: like.type, created_at: like.created_at + 1 };
      await deliverAll([performanceCast(hash, artist, at(0)), like, reordered]);
      expect((await metricsOf(app, hash)).likes).toBe(1);
    });

    it('lets the latest event time decide, in any arrival order', async () => {
      const hash = freshHash();
      // like@10, unlike@20, like@30 => stands. Deliver in every one of the 6 orders.
      const events = [
        reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(10), at: at(10) }),
        reaction({ kind: 'deleted', type: 1, castHash: hash, reactor: user(10), at: at(20) }),
        reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(10), at: at(30) }),
      ];
      const orders = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
      ];
      await deliverAll([performanceCast(hash, artist, at(0))]);
      for (const [k, order] of orders.entries()) {
        // a different reactor per order, same relative timeline
        const fid = 100 + k;
        const payloads = order.map((i) => {
          const e = structuredClone(events[i]!);
          e.data.user = user(fid);
          return e;
        });
        await deliverAll(payloads);
      }
      expect((await metricsOf(app, hash)).likes).toBe(6);
    });

    it('lets an unlike that arrives after a later like lose (stale removal)', async () => {
      const hash = freshHash();
      await deliverAll([
        performanceCast(hash, artist, at(0)),
        reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(11), at: at(50) }),
        reaction({ kind: 'deleted', type: 1, castHash: hash, reactor: user(11), at: at(40) }),
      ]);
      expect((await metricsOf(app, hash)).likes).toBe(1);
    });

    it('lets the removal win a tie on event time, whichever arrives first', async () => {
      const a = freshHash();
      const b = freshHash();
      const like = (h: string) => reaction({ kind: 'created', type: 2, castHash: h, reactor: user(12), at: at(60) });
      const unlike = (h: string) => reaction({ kind: 'deleted', type: 2, castHash: h, reactor: user(12), at: at(60) });
      await deliverAll([performanceCast(a, artist, at(0)), performanceCast(b, artist, at(0))]);
      await deliverAll([like(a), unlike(a)]);
      await deliverAll([unlike(b), like(b)]);
      expect((await metricsOf(app, a)).recasts).toBe(0);
      expect((await metricsOf(app, b)).recasts).toBe(0);
    });

    it('keeps reactions and replies that arrive before their cast, and counts them once it is a performance', async () => {
      const hash = freshHash();
      const reply = freshHash();
      await deliverAll([
        reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(20), at: at(5) }),
        reaction({ kind: 'created', type: 2, castHash: hash, reactor: user(21), at: at(6) }),
        castCreated({ hash: reply, author: user(22), parentHash: hash, at: at(7), text: 'wow' }),
      ]);
      expect((await app.get(`/api/performances/${hash}`)).status).toBe(404);
      await deliverAll([performanceCast(hash, artist, at(1))]);
      expect(await metricsOf(app, hash)).toEqual({ likes: 1, recasts: 1, replies: 1, views: 0 });
    });

    it('counts replies once, uncounts a deleted reply, and never revives a cast deleted before it was created', async () => {
      const hash = freshHash();
      const r1 = freshHash();
      const r2 = freshHash();
      const r3 = freshHash();
      await deliverAll([
        performanceCast(hash, artist, at(0)),
        castCreated({ hash: r1, author: user(30), parentHash: hash, at: at(1) }),
        castCreated({ hash: r1, author: user(30), parentHash: hash, at: at(1), text: 'edited bytes' }),
        castCreated({ hash: r2, author: user(31), parentHash: hash, at: at(2) }),
        castDeleted(r2, { parentHash: hash, at: at(3) }),
        castDeleted(r3, { at: at(5) }),
        castCreated({ hash: r3, author: user(32), parentHash: hash, at: at(4) }),
      ]);
      expect((await metricsOf(app, hash)).replies).toBe(1);
    });

    it('hides a deleted performance (404), even when the delete arrives first', async () => {
      const a = freshHash();
      const b = freshHash();
      await deliverAll([performanceCast(a, artist, at(0)), castDeleted(a, { at: at(9) })]);
      await deliverAll([castDeleted(b, { at: at(9) }), performanceCast(b, artist, at(0))]);
      expect((await app.get(`/api/performances/${a}`)).status).toBe(404);
      expect((await app.get(`/api/performances/${b}`)).status).toBe(404);
      const rows = await db.sql.query<{ deleted: boolean }>(
        'select deleted_at is not null as deleted from performances where cast_hash = any($1) order by cast_hash',
        [[a, b]],
      );
      expect(rows).toEqual([{ deleted: true }, { deleted: true }]);
    });

    it('only treats casts in the performance channel or with audio as performances', async () => {
      const plain = freshHash();
      const audio = freshHash();
      await deliverAll([
        castCreated({ hash: plain, author: artist, text: 'just chatting', parentUrl: 'https://example.com/other' }),
        castCreated({
          hash: audio,
          author: artist,
          text: 'new track',
          embeds: [{ url: 'https://x.example/t.flac?dl=1' }],
        }),
      ]);
      expect((await app.get(`/api/performances/${plain}`)).status).toBe(404);
      expect((await app.get(`/api/performances/${audio}`)).body).toMatchObject({
        title: 'new track',
        audio: { mimeType: 'audio/flac' },
      });
    });

    it('keeps the identity bridge current: newer profile data wins, older data only fills gaps', async () => {
      const fid = 555;
      const newer = user(fid, {
        display_name: 'New Name',
        verified_addresses: {
          eth_addresses: ['0x00000000000000000000000000000000000000AA'],
          sol_addresses: [],
          primary: { eth_address: '0x00000000000000000000000000000000000000AA' },
        },
      });
      const older = user(fid, { display_name: 'Old Name', pfp_url: 'https://example.com/old.png' });
      await deliverAll([userUpdated(newer, at(100)), userUpdated(older, at(50))]);
      const rows = await db.sql.query<Record<string, unknown>>(
        'select display_name, primary_eth_address, wallet_address, verified_eth_addresses from users where farcaster_fid = $1',
        [fid],
      );
      expect(rows[0]).toEqual({
        display_name: 'New Name',
        primary_eth_address: '0x00000000000000000000000000000000000000aa',
        wallet_address: '0x00000000000000000000000000000000000000aa',
        verified_eth_addresses: ['0x00000000000000000000000000000000000000aa'],
      });
    });

    it('writes one analytics event per applied event', async () => {
      const hash = freshHash();
      await deliverAll([
        performanceCast(hash, artist, at(0)),
        reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(40), at: at(1) }),
        reaction({ kind: 'deleted', type: 1, castHash: hash, reactor: user(40), at: at(2) }),
      ]);
      const rows = await db.sql.query<{ event_type: string; effect: string }>(
        "select event_type, data->>'effect' as effect from analytics_events where cast_hash = $1 order by occurred_at",
        [hash],
      );
      expect(rows).toEqual([
        { event_type: 'webhook.cast.created', effect: 'performance' },
        { event_type: 'webhook.reaction.created', effect: 'added' },
        { event_type: 'webhook.reaction.deleted', effect: 'removed' },
      ]);
    });

    it('leaves counters equal to a full recount of the reaction and reply rows', async () => {
      expect(await db.stores.ingest.metricDrift()).toEqual([]);
    });
  });
});
