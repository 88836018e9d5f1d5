import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { address, castHash, performanceCast, reaction, user } from '../scripts/neynarPayloads.ts';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';
import { giveCoin } from './support/framesHarness.ts';
import { type TestApp, testApp } from './support/testApp.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const hash64 = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;

interface Bucket {
  start: string;
  buys: number;
  sells: number;
  volumeWei: string;
  holders: number;
}

describe.each(databaseTargets())('analytics of trades and supporters on $name', (target: DatabaseTarget) => {
  let db: TestDatabase;
  let app: TestApp;
  let coin: string;
  let performanceId: string;
  const song = castHash(1, 'd');
  // Engagers: 201 (custody address known), 202 (a verified address), 203 (never buys); 204 buys without engaging.
  const fan1 = user(201);
  const fan2 = user(202, {
    verified_addresses: { eth_addresses: [address(0xf202)], sol_addresses: [], primary: { eth_address: null } },
  });
  const trade = (n: number, trader: string, side: 'buy' | 'sell', eth: bigint, at: number) =>
    db.sql.query(
      `insert into public.coin_trades (chain_id, coin_address, performance_id, tx_hash, log_index, block_number,
         block_hash, block_time, trader, side, coin_amount, eth_amount, price_wei, sqrt_price_x96)
       values (8453, $1, $2, $3, 0, $4, $5, $6, $7, $8, 1000, $9, 1, 1)`,
      [coin, performanceId, hash64(n), n, hash64(1000 + n), iso(at), trader, side, eth.toString()],
    );
  const balance = (holder: string, amount: bigint, block: number) =>
    db.sql.query(
      `insert into public.coin_balances (chain_id, coin_address, holder, balance, updated_block)
       values (8453, $1, $2, $3, $4)
       on conflict (coin_address, holder) do update set balance = excluded.balance, updated_block = excluded.updated_block`,
      [coin, holder, amount.toString(), block],
    );

  beforeAll(async () => {
    db = await target.create();
    app = testApp(db);
    await app.deliver(performanceCast(song, user(200), T0 - HOUR));
    await app.deliver(reaction({ kind: 'created', type: 1, castHash: song, reactor: fan1, at: Date.now() - 3 * HOUR }));
    await app.deliver(reaction({ kind: 'created', type: 1, castHash: song, reactor: fan2, at: Date.now() - 2 * HOUR }));
    await app.deliver(reaction({ kind: 'created', type: 2, castHash: song, reactor: user(203), at: Date.now() }));
    await app.drainer.drain();
    coin = (await giveCoin(db, song)).toLowerCase();
    const rows = await db.sql.query<{ id: string }>('select id::text from public.performances where cast_hash = $1', [
      song,
    ]);
    performanceId = rows[0]?.id ?? '';
    for (const [n, at] of [
      [1, T0 + 10 * 60_000],
      [2, T0 + 70 * 60_000],
    ] as const) {
      await db.sql.query(
        `insert into public.market_blocks (chain_id, block_number, block_hash, block_time) values (8453, $1, $2, $3)`,
        [n, hash64(2000 + n), iso(at)],
      );
    }
  });
  afterAll(async () => {
    await db.close();
  });

  const hours = async () => {
    const res = await app.get(
      `/api/performances/${song}/analytics?bucket=hour&from=${iso(T0)}&to=${iso(T0 + 3 * HOUR)}`,
    );
    expect(res.status).toBe(200);
    return res.body as { buckets: Bucket[]; funnel: Record<string, number>; supporters: unknown };
  };

  it('counts buys, sells and volume in the hour of their block, and takes a rolled-back swap out', async () => {
    const now = Date.now();
    await trade(1, fan1.custody_address as string, 'buy', 5n * 10n ** 15n, T0 + 5 * 60_000);
    await trade(2, address(0xf202), 'buy', 10n ** 18n, T0 + 65 * 60_000);
    await trade(3, address(0xf202), 'sell', 3n * 10n ** 17n, T0 + 66 * 60_000);
    await trade(4, address(0xb204), 'buy', 7n, T0 + 2 * HOUR + 1);
    // A reorg removes the last swap.
    await db.sql.query('delete from public.coin_trades where tx_hash = $1', [hash64(4)]);
    const { buckets } = await hours();
    expect(buckets.map((b) => [b.start.slice(11, 16), b.buys, b.sells, b.volumeWei])).toEqual([
      ['09:00', 1, 0, '5000000000000000'],
      ['10:00', 1, 1, '1300000000000000000'],
      ['11:00', 0, 0, '0'],
    ]);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('moves holders when a balance becomes positive or returns to zero, in the hour of that block', async () => {
    await balance(fan1.custody_address as string, 100n, 1);
    await balance(address(0xf202), 50n, 1);
    await balance(address(0xf202), 80n, 2); // still a holder: no change
    await balance(fan1.custody_address as string, 0n, 2); // leaves at 10:10
    const { buckets } = await hours();
    expect(buckets.map((b) => b.holders)).toEqual([2, 1, 1]);
  });

  it('funnel counts distinct buyers; supporters are the earliest engagers who bought later, and the top holders', async () => {
    await trade(5, fan1.custody_address as string, 'buy', 1n, Date.now() + HOUR);
    await trade(6, address(0xf202), 'buy', 1n, Date.now() + HOUR);
    await trade(7, address(0xb204), 'buy', 1n, Date.now() + HOUR);
    const { funnel, supporters } = await hours();
    expect(funnel).toEqual({ viewers: 0, engagers: 3, buyers: 3 });
    const s = supporters as {
      earlyBuyers: { fid: number; username: string }[];
      biggestHolders: { address: string; balance: string; fid: number | null }[];
    };
    // 201 liked first, then 202; both bought after engaging; 203 never bought; 204 bought without engaging.
    expect(s.earlyBuyers.map((b) => b.fid)).toEqual([201, 202]);
    expect(s.biggestHolders).toEqual([{ address: address(0xf202), balance: '80', fid: 202, username: 'user202' }]);
    const artist = await app.get('/api/artists/200/analytics?bucket=day');
    expect((artist.body as { funnel: unknown; earnings: unknown }).funnel).toEqual({
      viewers: 0,
      engagers: 3,
      buyers: 3,
    });
  });
});
