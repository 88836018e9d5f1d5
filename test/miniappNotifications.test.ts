import { randomBytes } from 'node:crypto';
import { sendNotificationRequestSchema } from '@farcaster/miniapp-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type NotificationStandIn, startNotificationStandIn } from '../scripts/devnet/notificationStandIn.ts';
import { castCreated, castHash, PERFORMANCE_CHANNEL, reaction, user } from '../scripts/neynarPayloads.ts';
import { createNotificationSender, type NotificationSenderOptions } from '../src/miniapp/createNotificationSender.ts';
import { silentLogger } from '../src/support/logger.ts';
import { databaseTargets, type TestDatabase } from './support/databases.ts';
import { type TestApp, testApp } from './support/testApp.ts';

const PUBLIC_URL = 'https://app.example.com';
const randomKey = () => `0x${randomBytes(32).toString('hex')}`;
const hex = (n: number, digits: number) => `0x${n.toString(16).padStart(digits, '0')}`;

describe.each(databaseTargets())('mini app notifications on $name', (target) => {
  let db: TestDatabase;
  let app: TestApp;
  let client: NotificationStandIn;
  let seq = 0;

  beforeAll(async () => {
    db = await target.create();
    app = testApp(db);
    client = await startNotificationStandIn();
  }, 60_000);
  afterAll(async () => {
    await client.close();
    await db.close();
  });
  beforeEach(() => {
    client.failWith(null);
    client.requests.length = 0;
    client.shown.length = 0;
  });

  const sender = (options: Partial<NotificationSenderOptions> = {}) =>
    createNotificationSender({
      store: db.stores.miniapp,
      publicUrl: PUBLIC_URL,
      logger: silentLogger,
      workerId: `test-${randomBytes(4).toString('hex')}`,
      allowLoopbackHttp: true,
      timeoutMs: 500,
      ...options,
    });

  const subscribe = (fid: number, token: string, url = client.url) =>
    db.stores.miniapp.applyEvent({
      fid,
      appKey: randomKey(),
      event: 'notifications_enabled',
      notificationUrl: url,
      token,
      eventAt: new Date(),
    });

  /** A performance by `artist`, liked by `likers` an hour ago; answers its cast hash. */
  async function performance(artist: number, likers: number[]): Promise<string> {
    seq++;
    const hash = castHash(seq, 'f');
    await app.deliver(
      castCreated({
        hash,
        author: user(artist),
        text: `Set ${seq}`,
        parentUrl: PERFORMANCE_CHANNEL,
        at: Date.now() - 7_200_000,
      }),
    );
    for (const fid of likers) {
      await app.deliver(
        reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(fid), at: Date.now() - 3_600_000 }),
      );
    }
    await app.drainer.drain();
    return hash;
  }

  /** The coin goes live (what confirm_coin inserts); the trigger queues the notifications in this transaction. */
  const coin = (hash: string) =>
    db.sql.query(
      `insert into performance_coins (performance_id, coin_address, chain_id, symbol, name, tx_hash)
       select id, $2, 8453, 'VIBE', 'Vibe', $3 from performances where cast_hash = $1`,
      [hash, hex(seq + 0xc0000, 40), hex(seq + 0xd0000, 64)],
    );

  const deliveries = (token: string) =>
    db.sql.query<{ status: string; attempts: number }>(
      'select status, attempts from miniapp_notification_deliveries where token = $1 order by id',
      [token],
    );

  it('tells the artist and the early supporters with notifications enabled when the coin is live, in the wire format', async () => {
    const artist = 9100;
    const hash = await performance(artist, [9101, 9102, 9103]);
    await subscribe(artist, 'artist-t');
    await subscribe(9101, 'fan1-t');
    await subscribe(9102, 'fan2-t');
    // 9103 engaged but has no notifications; 9104 subscribed but never engaged.
    await subscribe(9104, 'stranger-t');
    await coin(hash);

    const run = await sender().runOnce();
    expect(run).toMatchObject({ sent: 3, invalid: 0, failed: 0 });
    expect(client.requests).toHaveLength(2);
    for (const request of client.requests) {
      expect(sendNotificationRequestSchema.safeParse(request).success).toBe(true);
      expect(request.targetUrl).toBe(`${PUBLIC_URL}/app/p/${hash}`);
      expect(request.title.length).toBeLessThanOrEqual(32);
      expect(request.body.length).toBeLessThanOrEqual(128);
    }
    const byId = Object.fromEntries(client.requests.map((r) => [r.notificationId, r.tokens.sort()]));
    expect(byId).toEqual({
      [`coin_live_artist:${hash}`]: ['artist-t'],
      [`coin_live_supporter:${hash}`]: ['fan1-t', 'fan2-t'],
    });
    expect(await deliveries('stranger-t')).toEqual([]);
    // Nothing is sent twice.
    expect(await sender().runOnce()).toMatchObject({ sent: 0 });
    expect(client.requests).toHaveLength(2);
  });

  // Found by the browser suite: the coin's time is its block's, in whole seconds; a fan who engaged within that second
  // (before the coin, by our clock) was not counted as an early supporter.
  it('counts as early supporters those who engaged within the second of the coin block, not after it', async () => {
    const hash = await performance(9690, []);
    await db.sql.query(
      `insert into viral_engagers (cast_hash, fid, weight, engaged_at)
       values ($1, 9691, 1, date_trunc('second', now()) + interval '400 milliseconds'),
              ($1, 9692, 1, date_trunc('second', now()) + interval '2 seconds')`,
      [hash],
    );
    await subscribe(9691, 'same-second-t');
    await subscribe(9692, 'later-t');
    await db.sql.query(
      `insert into performance_coins (performance_id, coin_address, chain_id, symbol, name, tx_hash, created_at)
       select id, $2, 8453, 'VIBE', 'Vibe', $3, date_trunc('second', now()) from performances where cast_hash = $1`,
      [hash, hex(seq + 0xc1000, 40), hex(seq + 0xd1000, 64)],
    );
    expect(await deliveries('same-second-t')).toEqual([{ status: 'pending', attempts: 0 }]);
    expect(await deliveries('later-t')).toEqual([]);
    expect(await sender().runOnce()).toMatchObject({ sent: 1 });
  });

  it('sends at most 100 tokens per request', async () => {
    const fans = Array.from({ length: 150 }, (_, i) => 20_000 + i);
    const hash = await performance(9200, []);
    await db.sql.query(
      `insert into viral_engagers (cast_hash, fid, weight, engaged_at)
       select $1, g, 1, now() - interval '1 hour' from generate_series(20000, 20149) g`,
      [hash],
    );
    for (const fid of fans) await subscribe(fid, `bulk-${fid}`);
    await coin(hash);
    expect(await sender().runOnce()).toMatchObject({ sent: 150 });
    expect(client.requests.map((r) => r.tokens.length).sort((a, b) => a - b)).toEqual([50, 100]);
  });

  // Measured with npm run bench:notifications: deliveries were leased in id order, which interleaves the clients (tokens
  // are queued in subscription order), so each lease was split into half-empty requests.
  it('leases deliveries grouped by client, so every request of a big fan-out is full', async () => {
    const hash = await performance(9250, []);
    await db.sql.query(
      `insert into viral_engagers (cast_hash, fid, weight, engaged_at)
       select $1, g, 1, now() - interval '1 hour' from generate_series(30000, 30199) g`,
      [hash],
    );
    for (let fid = 30_000; fid < 30_200; fid++) await subscribe(fid, `mixed-${fid}`, `${client.url}/${fid % 2}`);
    await coin(hash);
    const run = sender({ claimLimit: 100 });
    for (let i = 0; i < 3; i++) await run.runOnce();
    expect(client.requests.map((r) => r.tokens.length)).toEqual([100, 100]);
  });

  it('handles partial failures: invalid tokens disabled, rate-limited retried after the window, the rest sent', async () => {
    const hash = await performance(9300, [9301, 9302, 9303]);
    await subscribe(9301, 'ok-t');
    await subscribe(9302, 'dead-t');
    await subscribe(9303, 'slow-t');
    client.setToken('dead-t', 'invalid');
    client.setToken('slow-t', 'rate_limited');
    await coin(hash);
    expect(await sender().runOnce()).toMatchObject({ sent: 1, invalid: 1, rate_limited: 1 });
    expect(await deliveries('ok-t')).toEqual([{ status: 'sent', attempts: 1 }]);
    expect(await deliveries('dead-t')).toEqual([{ status: 'invalid', attempts: 1 }]);
    const [sub] = await db.sql.query<{ notifications_enabled: boolean; token: string | null }>(
      'select notifications_enabled, token from miniapp_subscriptions where fid = 9302',
    );
    expect(sub).toEqual({ notifications_enabled: false, token: null });
    // The dead token is retired: a replayed event enabling it again changes nothing.
    expect(await subscribe(9302, 'dead-t')).toBe(false);
    const [wait] = await db.sql.query<{ seconds: number; status: string }>(
      `select extract(epoch from next_attempt_at - now())::float8 as seconds, status
       from miniapp_notification_deliveries where token = 'slow-t'`,
    );
    expect(wait?.status).toBe('pending');
    expect(wait?.seconds).toBeGreaterThan(25);
    // Not due yet: the next run leaves it alone.
    expect(await sender().runOnce()).toMatchObject({ rate_limited: 0, sent: 0 });
    client.setToken('slow-t', 'ok');
    await db.sql.query(`update miniapp_notification_deliveries set next_attempt_at = now() where token = 'slow-t'`);
    expect(await sender().runOnce()).toMatchObject({ sent: 1 });
    expect(await deliveries('slow-t')).toEqual([{ status: 'sent', attempts: 2 }]);
  });

  it('retries 5xx and timeouts with backoff, then delivers once the client is back', async () => {
    const hash = await performance(9400, []);
    await subscribe(9400, 'retry-t');
    await coin(hash);
    client.failWith(503);
    expect(await sender().runOnce()).toMatchObject({ retry: 1 });
    const backoff = async () =>
      (
        await db.sql.query<{ seconds: number }>(
          `select extract(epoch from next_attempt_at - now())::float8 as seconds
           from miniapp_notification_deliveries where token = 'retry-t'`,
        )
      )[0]?.seconds ?? 0;
    expect(await backoff()).toBeGreaterThan(10);
    await db.sql.query(`update miniapp_notification_deliveries set next_attempt_at = now() where token = 'retry-t'`);
    client.failWith('hang');
    expect(await sender().runOnce()).toMatchObject({ retry: 1 });
    expect(await backoff()).toBeGreaterThan(25);
    await db.sql.query(`update miniapp_notification_deliveries set next_attempt_at = now() where token = 'retry-t'`);
    client.failWith(null);
    expect(await sender().runOnce()).toMatchObject({ sent: 1 });
    expect(await deliveries('retry-t')).toEqual([{ status: 'sent', attempts: 3 }]);
    expect(client.shown.filter((s) => s.token === 'retry-t')).toHaveLength(1);
  });

  it('after a crash between send and record, resends with the same notificationId (shown once), and never past the dedupe window', async () => {
    const hash = await performance(9500, []);
    await subscribe(9500, 'crash-t');
    await coin(hash);
    const crashing = sender({
      leaseSeconds: 1,
      store: {
        ...db.stores.miniapp,
        recordDeliveries: async () => {
          throw new Error('process died before recording');
        },
      },
    });
    await crashing.runOnce();
    expect(client.requests).toHaveLength(1);
    expect(await deliveries('crash-t')).toEqual([{ status: 'pending', attempts: 1 }]);
    // Still leased: another sender leaves it alone until the lease lapses.
    expect(await sender().runOnce()).toMatchObject({ sent: 0 });
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    expect(await sender().runOnce()).toMatchObject({ sent: 1 });
    expect(client.requests.map((r) => r.notificationId)).toEqual([
      `coin_live_artist:${hash}`,
      `coin_live_artist:${hash}`,
    ]);
    expect(client.shown.filter((s) => s.token === 'crash-t')).toHaveLength(1);

    // The same crash, but the lease lapses after the dedupe window: the delivery expires instead of being resent.
    const hash2 = await performance(9500, []);
    await coin(hash2);
    await crashing.runOnce();
    await db.sql.query(
      `update miniapp_notification_deliveries set first_attempt_at = now() - interval '23 hours 1 minute',
         lease_until = now() - interval '1 second' where token = 'crash-t' and status = 'pending'`,
    );
    const before = client.requests.length;
    expect(await sender().runOnce()).toMatchObject({ sent: 0 });
    expect(client.requests).toHaveLength(before);
    expect((await deliveries('crash-t')).map((d) => d.status)).toEqual(['sent', 'expired']);
  });

  it('follows no redirect from a client and reads no oversized answer (hostile client)', async () => {
    const { createServer } = await import('node:http');
    let followed = 0;
    const target = createServer((_req, res) => {
      followed++;
      res.writeHead(200).end();
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const targetUrl = `http://127.0.0.1:${(target.address() as { port: number }).port}/internal`;
    const hostile = createServer((req, res) => {
      req.resume();
      if (req.url === '/redirect') res.writeHead(307, { location: targetUrl }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(`{"result":${' '.repeat(70_000)}{}}`);
    });
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(hostile.address() as { port: number }).port}`;
    try {
      const hash = await performance(9650, [9651]);
      await subscribe(9650, 'redirected-t', `${base}/redirect`);
      await subscribe(9651, 'huge-t', `${base}/huge`);
      await coin(hash);
      expect(await sender().runOnce()).toMatchObject({ failed: 1, retry: 1, sent: 0 });
      expect(followed).toBe(0);
      expect(await deliveries('redirected-t')).toEqual([{ status: 'failed', attempts: 1 }]);
    } finally {
      hostile.closeAllConnections();
      target.closeAllConnections();
      await new Promise((resolve) => hostile.close(resolve));
      await new Promise((resolve) => target.close(resolve));
    }
  });

  // Found: the answer was read whole (`response.text()`) before its size was checked, so a client answering 200 with a
  // chunked body without end (no Content-Length) was read into memory until the 10 s timeout.
  it('stops reading an endless chunked answer at 64 KiB, and gives up on a trickling one at the timeout (hostile client)', async () => {
    const { createServer } = await import('node:http');
    let written = 0;
    let endlessClosed = false;
    const hostile = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url === '/trickle') {
        res.write('{"result":');
        const timer = setInterval(() => res.write(' '), 50);
        res.on('close', () => clearInterval(timer));
        return;
      }
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (!res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
      };
      res.on('close', () => {
        endlessClosed = true;
      });
      pump();
    });
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(hostile.address() as { port: number }).port}`;
    try {
      const hash = await performance(9660, [9661]);
      await subscribe(9660, 'endless-t', `${base}/endless`);
      await subscribe(9661, 'trickle-t', `${base}/trickle`);
      await coin(hash);
      expect(await sender({ timeoutMs: 3000 }).runOnce()).toMatchObject({ retry: 2, sent: 0 });
      await expect.poll(() => endlessClosed).toBe(true);
      // Socket buffers hold a few MiB; reading until the timeout would have taken hundreds.
      expect(written).toBeLessThan(32 * 1024 * 1024);
      expect(await deliveries('endless-t')).toEqual([{ status: 'pending', attempts: 1 }]);
      expect(await deliveries('trickle-t')).toEqual([{ status: 'pending', attempts: 1 }]);
    } finally {
      hostile.closeAllConnections();
      await new Promise((resolve) => hostile.close(resolve));
    }
  });

  // The URL check is by name; a public-looking name can resolve to a private address. The Node host's sender connects
  // only to public addresses (createPublicOnlyFetch): here `localhost` stands for such a name (the name check is told
  // to let loopback through, the address check is not).
  it('refuses for good a client whose host resolves to a non-public address, sending nothing', async () => {
    const { createPublicOnlyFetch } = await import('../src/node/createPublicOnlyFetch.ts');
    const port = new URL(client.url).port;
    const hash = await performance(9670, []);
    await subscribe(9670, 'rebound-t', `http://localhost:${port}/v1/frame-notifications`);
    await coin(hash);
    const before = client.requests.length;
    expect(await sender({ fetch: createPublicOnlyFetch() }).runOnce()).toMatchObject({ failed: 1, retry: 0, sent: 0 });
    expect(client.requests.length).toBe(before);
    expect(await deliveries('rebound-t')).toEqual([{ status: 'failed', attempts: 1 }]);
  });

  it('cancels deliveries whose token was disabled before they were sent', async () => {
    const hash = await performance(9600, []);
    const appKey = randomKey();
    await db.stores.miniapp.applyEvent({
      fid: 9600,
      appKey,
      event: 'notifications_enabled',
      notificationUrl: client.url,
      token: 'gone-t',
      eventAt: new Date(),
    });
    await coin(hash);
    await db.stores.miniapp.applyEvent({
      fid: 9600,
      appKey,
      event: 'notifications_disabled',
      notificationUrl: null,
      token: null,
      eventAt: new Date(),
    });
    expect(await sender().runOnce()).toMatchObject({ sent: 0 });
    expect(client.requests).toHaveLength(0);
    expect(await deliveries('gone-t')).toEqual([{ status: 'cancelled', attempts: 0 }]);
  });

  it('tells a buyer when their trade confirms, once, and two senders racing send each token once', async () => {
    const hash = await performance(9700, []);
    await coin(hash);
    await subscribe(9701, 'buyer-t');
    const tx = hex(0xabc000 + seq, 64);
    await db.sql.query(
      `insert into trades (source, chain_id, tx_hash, fid, buyer, coin_address)
       select 'api', 8453, $1, 9701, $2, coin_address from performance_coins c
       join performances p on p.id = c.performance_id where p.cast_hash = $3`,
      [tx, hex(0xb0b, 40), hash],
    );
    await db.sql.query(
      `update trades set status = 'confirmed', block_number = 1, amount_out = 5, settled_at = now() where tx_hash = $1`,
      [tx],
    );
    const runs = await Promise.all([sender().runOnce(), sender().runOnce(), sender().runOnce()]);
    expect(runs.reduce((n, r) => n + r.sent, 0)).toBe(1);
    const sent = client.requests.filter((r) => r.tokens.includes('buyer-t'));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      notificationId: `trade_confirmed:${tx}`,
      targetUrl: `${PUBLIC_URL}/app/p/${hash}`,
    });
  });

  it('queues each (kind, subject, fid) once, whatever the retries of the state change', async () => {
    for (let i = 0; i < 3; i++) {
      await db.sql.query(
        `select public.enqueue_miniapp_notification('trade_confirmed', $1, 9801, 'Your trade is confirmed', 'b', '/app')`,
        [hex(0x9801, 64)],
      );
    }
    const rows = await db.sql.query('select 1 from miniapp_notifications where fid = 9801');
    expect(rows).toHaveLength(1);
  });
});
