import { connect as connectTcp } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { address, reaction, user } from '../scripts/neynarPayloads.ts';
import { databaseTargets, type TestDatabase } from './support/databases.ts';
import { openStream, type StreamClient } from './support/streamClient.ts';
import {
  CHAIN_ID,
  type StreamInstance,
  seedCoin,
  setPoolId,
  startStreamInstance,
  until,
} from './support/streamServer.ts';

const json = (e: { data: string }) => JSON.parse(e.data) as Record<string, unknown>;

describe.each(databaseTargets())('GET /api/stream over real HTTP on $name', (target) => {
  let db: TestDatabase;
  const instances: StreamInstance[] = [];
  const clients: StreamClient[] = [];
  const start = async (options: Parameters<typeof startStreamInstance>[1] = {}) => {
    const instance = await startStreamInstance(db, options);
    instances.push(instance);
    return instance;
  };
  const connect = async (url: string, lastEventId?: string) => {
    const client = await openStream(url, lastEventId === undefined ? {} : { lastEventId });
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    db = await target.create();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const i of instances.splice(0)) await i.close();
    await db.close();
  });

  it('sends a coin change to a connected client and its current state to one that connects late', async () => {
    const app = await start();
    const { coinAddress, castHash } = await seedCoin(app, db);
    const early = await connect(`${app.url}/api/stream?coins=${coinAddress}`);
    expect(early.status).toBe(200);
    expect(early.headers.get('content-type')).toContain('text/event-stream');
    const first = await early.next('coin');
    expect(json(first)).toMatchObject({ coinAddress, castHash, coin: { address: coinAddress, poolId: null } });
    expect(json(await early.next('ready'))).toEqual({ resumed: false });

    await setPoolId(db, coinAddress, 'pool-1');
    const change = await early.next('coin');
    expect(json(change)).toMatchObject({ coinAddress, coin: { poolId: 'pool-1' } });

    const late = await connect(`${app.url}/api/stream?coins=${coinAddress.toUpperCase().replace('0X', '0x')}`);
    expect(json(await late.next('coin'))).toMatchObject({ coinAddress, coin: { poolId: 'pool-1' } });
    await late.next('ready');
    await setPoolId(db, coinAddress, 'pool-2');
    for (const client of [early, late])
      expect(json(await client.next('coin'))).toMatchObject({ coin: { poolId: 'pool-2' } });
    // An UPDATE that changes nothing notifies nobody; the next real change is the next event.
    await db.sql.query('update public.performance_coins set pool_id = pool_id where coin_address = $1', [coinAddress]);
    await setPoolId(db, coinAddress, 'pool-3');
    expect(json(await early.next('coin'))).toMatchObject({ coin: { poolId: 'pool-3', market: null } });

    // The indexer's market columns: the event carries coin.market (amounts as decimal strings).
    await db.sql.query(
      `update public.performance_coins set price_wei = 1234567890123456789012, price = 1234.567890123456789012,
         market_cap_wei = 10, volume_24h_wei = 20, change_24h = -1.5, holders = 3, market_block = 42
       where coin_address = $1`,
      [coinAddress],
    );
    expect(json(await early.next('coin'))).toMatchObject({
      coin: {
        market: {
          priceWei: '1234567890123456789012',
          price: '1234.567890123456789012',
          marketCapWei: '10',
          volume24hWei: '20',
          change24h: -1.5,
          holders: 3,
          blockNumber: 42,
        },
      },
    });
  });

  it('trusts no notification payload: a forged NOTIFY only makes the hub re-read, junk is ignored', async () => {
    const app = await start();
    const { coinAddress } = await seedCoin(app, db);
    const client = await connect(`${app.url}/api/stream?coins=${coinAddress}`);
    await client.next('ready');
    for (const junk of ['x', `c:${coinAddress}x`, `c:${'z'.repeat(7000)}`, `p:${coinAddress} or 1=1`, '']) {
      await db.sql.query(`select pg_notify('gigavibe_stream', $1)`, [junk]);
    }
    await db.sql.query(`select pg_notify('gigavibe_stream', $1)`, [`c:${coinAddress}`]);
    // The forged subject is read from the database: the event is the coin's real, unchanged state.
    expect(json(await client.next('coin'))).toMatchObject({ coinAddress, coin: { poolId: null, symbol: 'VIBE' } });
    await setPoolId(db, coinAddress, 'real');
    expect(json(await client.next('coin'))).toMatchObject({ coin: { poolId: 'real' } });
    expect(app.hub.connections()).toBe(1);
  });

  it('sends metrics (counts and viral score) when a webhook reaction is applied, and trade status changes', async () => {
    const app = await start();
    const { castHash, coinAddress } = await seedCoin(app, db);
    const txHash = `0x${'ab'.repeat(32)}`;
    const client = await connect(`${app.url}/api/stream?performances=${castHash}&trades=${txHash}`);
    const initial = json(await client.next('metrics'));
    expect(initial).toMatchObject({ castHash, metrics: { likes: 0, recasts: 0, replies: 0, views: 0 } });
    await client.next('ready');

    await app.deliver(reaction({ kind: 'created', type: 1, castHash, reactor: user(77_001), at: Date.now() }));
    const liked = json(await client.next('metrics'));
    expect(liked).toMatchObject({ castHash, metrics: { likes: 1 } });
    expect((liked.viral as { score: number }).score).toBeGreaterThan(0);

    const buyer = address(0xb0b);
    await db.sql.query(
      `insert into public.trades (source, chain_id, tx_hash, buyer, coin_address, amount_in_wei)
       values ('api', $1, $2, $3, $4, 1000)`,
      [CHAIN_ID, txHash, buyer, coinAddress],
    );
    expect(json(await client.next('trade'))).toMatchObject({ txHash, status: 'pending', amountOut: null });
    await db.sql.query(
      `update public.trades set status = 'confirmed', amount_out = 123456789, block_number = 7, settled_at = now()
       where tx_hash = $1`,
      [txHash],
    );
    const confirmed = json(await client.next('trade'));
    expect(confirmed).toMatchObject({ txHash, status: 'confirmed', amountOut: '123456789', coinAddress, buyer });
    // Never the reporting fid or our row id.
    expect(confirmed).not.toHaveProperty('fid');
    expect(confirmed).not.toHaveProperty('id');
  });

  it('resumes from Last-Event-ID with exactly what was missed, and resets an id it cannot resume', async () => {
    const app = await start();
    const { coinAddress } = await seedCoin(app, db);
    const url = `${app.url}/api/stream?coins=${coinAddress}`;
    const first = await connect(url);
    await first.next('ready');
    await setPoolId(db, coinAddress, 'seen');
    await first.next('coin');
    const lastId = first.lastEventId();
    expect(lastId).toBeDefined();
    first.close();
    await until(() => app.hub.connections() === 0, 'the first client to be gone');

    await setPoolId(db, coinAddress, 'missed-1');
    await setPoolId(db, coinAddress, 'missed-2');
    // The hub keeps following the departed client's subject: wait until both changes are held.
    const probe = await connect(url);
    await probe.next('ready');
    probe.close();

    const resumed = await connect(url, lastId);
    expect(json(await resumed.next('ready'))).toEqual({ resumed: true });
    // Changes within one debounce are read once (the event carries the state, not the delta): the replay ends at the
    // latest state and holds nothing from before the client's id.
    const replay = resumed.events
      .filter((e) => e.event === 'coin')
      .map((e) => (json(e).coin as { poolId: string }).poolId);
    expect(replay.length).toBeGreaterThanOrEqual(1);
    expect(replay.at(-1)).toBe('missed-2');
    expect(replay).not.toContain('seen');
    expect(resumed.events.map((e) => e.event)).not.toContain('reset');

    for (const foreign of ['somebody-else-7', `${'f'.repeat(12)}-1-${Date.now().toString(36)}`]) {
      const reset = await connect(url, foreign);
      await reset.next('reset');
      expect(json(await reset.next('coin'))).toMatchObject({ coin: { poolId: 'missed-2' } });
      expect(json(await reset.next('ready'))).toEqual({ resumed: false });
    }
  });

  it('refuses bad queries with 400 and never opens a stream for them', async () => {
    const app = await start();
    const a = `0x${'a'.repeat(40)}`;
    const bad = [
      '',
      '?coins=',
      '?coins=0x123',
      `?coins=${a}&coins=${a}`,
      `?performances=${a}x`,
      `?trades=${a}`,
      `?coins=${a}&debug=1`,
      `?coins=${Array.from({ length: 51 }, (_, i) => `0x${i.toString(16).padStart(40, '0')}`).join(',')}`,
      `?coins=${'a,'.repeat(5000)}`,
      '?coins=%00',
    ];
    for (const query of bad) {
      const res = await fetch(`${app.url}/api/stream${query}`);
      expect(res.status, query.slice(0, 60)).toBe(400);
      const body = (await res.json()) as { error: string };
      expect(body.error.length).toBeLessThan(120);
    }
    expect(app.hub.connections()).toBe(0);
  });

  it('answers 503 with Retry-After at the connection cap and frees places on disconnect', async () => {
    const app = await start({ maxConnections: 2 });
    const { coinAddress } = await seedCoin(app, db);
    const url = `${app.url}/api/stream?coins=${coinAddress}`;
    const open = [await connect(url), await connect(url)];
    const full = await fetch(url);
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await full.json()) as { error: string }).error).toMatch(/reconnect later/);
    for (const c of open) c.close();
    await until(() => app.hub.connections() === 0, 'every connection to be released');
    const again = await connect(url);
    expect(again.status).toBe(200);
    await again.next('ready');
  });

  it('answers 429 with Retry-After past the per-client cap', async () => {
    const app = await start({ maxConnectionsPerClient: 1 });
    const { coinAddress } = await seedCoin(app, db);
    const url = `${app.url}/api/stream?coins=${coinAddress}`;
    const one = await connect(url);
    expect(one.status).toBe(200);
    const second = await fetch(url);
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toMatch(/^\d+$/);
    one.close();
    await until(() => app.hub.connections() === 0, 'the connection to be released');
    expect((await connect(url)).status).toBe(200);
  });

  it('leaks nothing when clients disconnect: the connection count returns to 0', async () => {
    const app = await start();
    const { coinAddress, castHash } = await seedCoin(app, db);
    const batch = await Promise.all(
      Array.from({ length: 20 }, () => connect(`${app.url}/api/stream?coins=${coinAddress}&performances=${castHash}`)),
    );
    await Promise.all(batch.map((c) => c.next('ready')));
    expect(app.hub.connections()).toBe(20);
    for (const c of batch) c.close();
    await until(() => app.hub.connections() === 0, 'the count to return to 0');
    // Changes after they left are still read (for resume) and sent to nobody, without error.
    await setPoolId(db, coinAddress, 'after');
    const probe = await connect(`${app.url}/api/stream?coins=${coinAddress}`);
    expect(json(await probe.next('coin'))).toMatchObject({ coin: { poolId: 'after' } });
  });

  it('drops a client that stops reading instead of buffering for it, and keeps serving the others', async () => {
    const app = await start({ stallMs: 2000, heartbeatMs: 200 });
    const { coinAddress } = await seedCoin(app, db);
    const url = new URL(`${app.url}/api/stream?coins=${coinAddress}`);
    // A raw socket that sends the request and then never reads: the server's writes to it back up.
    let stalledClosed = false;
    const stalled = connectTcp(Number(url.port), url.hostname);
    stalled.on('close', () => {
      stalledClosed = true;
    });
    stalled.on('error', () => undefined);
    await new Promise((resolve) => stalled.once('connect', resolve));
    stalled.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
    stalled.pause();
    const reader = await connect(url.toString());
    await reader.next('ready');
    await until(() => app.hub.connections() === 2, 'both clients to be connected');

    // Big rows (cheap to store: they compress) until the kernel's socket buffers of the client that does not read are
    // full (Linux autotunes a loopback receive buffer up to net.ipv4.tcp_rmem's maximum, 32 MiB here).
    const big = 'x'.repeat(4_000_000);
    for (let i = 0; i < 40 && app.hub.connections() === 2; i++) {
      await db.sql.query('update public.performance_coins set name = $2 where coin_address = $1', [
        coinAddress,
        `${big}${i}`,
      ]);
      await reader.next('coin');
    }
    await until(() => app.hub.connections() === 1, 'the stalled client to be dropped', 20_000);
    // The server cut the connection: once the stalled client reads again, it finds the end of it.
    stalled.resume();
    await until(() => stalledClosed, 'the stalled socket to be closed by the server');
    await setPoolId(db, coinAddress, 'still-served');
    await until(
      () => reader.events.some((e) => e.event === 'coin' && e.data.includes('still-served')),
      'the reading client to get the next change',
    );
  });

  it('ends every stream with a retry hint and a shutdown event when the hub closes', async () => {
    const app = await start({ retryMs: 1500 });
    const { coinAddress } = await seedCoin(app, db);
    const client = await connect(`${app.url}/api/stream?coins=${coinAddress}`);
    await client.next('ready');
    await app.hub.close();
    const event = json(await client.next('shutdown'));
    expect(event).toMatchObject({ reconnect: true });
    expect(client.retry()).toBeGreaterThanOrEqual(1500);
    expect(client.retry()).toBeLessThan(3000);
    await client.ended;
    expect(app.hub.connections()).toBe(0);
    const refused = await fetch(`${app.url}/api/stream?coins=${coinAddress}`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  if (target.name === 'postgres') {
    it('after losing its listening connection, listens again and tells every client to refetch (reset)', async () => {
      const app = await start();
      const { coinAddress } = await seedCoin(app, db);
      const client = await connect(`${app.url}/api/stream?coins=${coinAddress}`);
      await client.next('ready');
      const beforeGap = client.lastEventId();
      const killed = await db.sql.query<{ ok: boolean }>(
        `select pg_terminate_backend(pid) as ok from pg_stat_activity
         where datname = current_database() and query ilike 'listen %'`,
      );
      expect(killed.map((r) => r.ok)).toEqual([true]);
      // Changes made while it was gone are not lost to the client: it is told to refetch and gets the current state.
      await setPoolId(db, coinAddress, 'during-gap');
      await client.next('reset');
      await until(
        () => client.events.some((e) => e.event === 'coin' && e.data.includes('during-gap')),
        'the current state after the reset',
      );
      await client.next('ready');
      await setPoolId(db, coinAddress, 'after-gap');
      expect(json(await client.next('coin'))).toMatchObject({ coin: { poolId: 'after-gap' } });
      // Ids from before the gap cannot be resumed any more.
      const late = await connect(`${app.url}/api/stream?coins=${coinAddress}`, beforeGap);
      await late.next('reset');
    });

    it('fans one NOTIFY out to clients of two instances, each with one listening connection', async () => {
      const a = await start();
      const b = await start();
      const { coinAddress } = await seedCoin(a, db);
      const url = (i: StreamInstance) => `${i.url}/api/stream?coins=${coinAddress}`;
      const onA = await Promise.all([connect(url(a)), connect(url(a)), connect(url(a))]);
      const onB = await Promise.all([connect(url(b)), connect(url(b))]);
      await Promise.all([...onA, ...onB].map((c) => c.next('ready')));
      const listeners = await db.sql.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity
         where datname = current_database() and query ilike 'listen %'`,
      );
      expect(listeners[0]?.n).toBe(2);

      await setPoolId(db, coinAddress, 'everywhere');
      for (const c of [...onA, ...onB]) {
        expect(json(await c.next('coin'))).toMatchObject({ coinAddress, coin: { poolId: 'everywhere' } });
      }
    });
  }
});
