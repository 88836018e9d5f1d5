import { type Address, createTestClient, type Hex, http, parseEther, parseEventLogs } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Devnet, startDevnet } from '../scripts/devnet/startDevnet.ts';
import { castHash } from '../scripts/neynarPayloads.ts';
import { swappedEventAbi, transferEventAbi } from '../src/market/coinHookAbi.ts';
import { type ChainIndexer, createChainIndexer, type StepResult } from '../src/market/createChainIndexer.ts';
import { createIndexerChain, type IndexerChain } from '../src/market/createIndexerChain.ts';
import { silentLogger } from '../src/support/logger.ts';
import { startRpcProxy } from './standins/rpcProxy.ts';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';
import { type DevCoin, devnetMarket, registerCoin } from './support/devnetMarket.ts';
import { testApp } from './support/testApp.ts';

let devnet: Devnet;
let market: Awaited<ReturnType<typeof devnetMarket>>;

beforeAll(async () => {
  devnet = await startDevnet();
  market = await devnetMarket(devnet);
}, 60_000);
afterAll(async () => {
  await devnet?.stop();
});

const user = (i: number) => {
  const a = devnet.accounts.users[i];
  if (!a) throw new Error(`no devnet user ${i}`);
  return a;
};

/** Price after a swap, computed here from the event's sqrtPriceX96: wei per 1e18 coin = 1e18 * 2^192 / sqrtP^2. */
const handPrice = (sqrtPriceX96: bigint) => (10n ** 18n * 2n ** 192n) / (sqrtPriceX96 * sqrtPriceX96);

function indexerFor(db: TestDatabase, options: { holder?: string; chain?: IndexerChain; range?: number } = {}) {
  return createChainIndexer({
    chainId: 8453,
    chain: options.chain ?? createIndexerChain(devnet.rpcUrl),
    store: db.stores.market,
    leases: db.stores.jobs,
    logger: silentLogger,
    holder: options.holder ?? 'indexer-a',
    confirmations: 0,
    blockRange: options.range ?? 25,
    leaseSeconds: 2,
    backoffMs: 10,
  });
}

async function runUntilIdle(indexer: ChainIndexer): Promise<StepResult[]> {
  const all: StepResult[] = [];
  for (let i = 0; i < 100; i += 1) {
    const { leader, steps } = await indexer.runOnce();
    if (!leader) {
      // Another test's instance still holds the short lease: wait for it to run out.
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    all.push(...steps);
    if (steps.at(-1)?.kind === 'idle') return all;
  }
  throw new Error('the indexer never caught up');
}

/** What the chain says about a coin: its swaps (from the hook's events, with the tx sender as trader) and balances. */
async function chainTruth(coin: Address, fromBlock: bigint) {
  const client = market.publicClient;
  const logs = await client.getLogs({ address: devnet.addresses.coinHook, fromBlock, toBlock: 'latest' });
  const swaps = [];
  for (const log of parseEventLogs({ abi: swappedEventAbi, logs, eventName: 'Swapped' })) {
    if (log.args.key.currency1.toLowerCase() !== coin.toLowerCase()) continue;
    const tx = await client.getTransaction({ hash: log.transactionHash });
    const block = await client.getBlock({ blockNumber: log.blockNumber });
    swaps.push({
      txHash: log.transactionHash,
      logIndex: log.logIndex,
      blockNumber: Number(log.blockNumber),
      blockTime: new Date(Number(block.timestamp) * 1000),
      trader: tx.from.toLowerCase(),
      side: log.args.isCoinBuy ? 'buy' : 'sell',
      coinAmount: log.args.amount1 < 0n ? -log.args.amount1 : log.args.amount1,
      ethAmount: log.args.amount0 < 0n ? -log.args.amount0 : log.args.amount0,
      priceWei: handPrice(log.args.sqrtPriceX96),
    });
  }
  const transfers = parseEventLogs({
    abi: transferEventAbi,
    logs: await client.getLogs({ address: coin, fromBlock, toBlock: 'latest' }),
  });
  const holders = new Set<Address>();
  for (const t of transfers) {
    holders.add(t.args.from);
    holders.add(t.args.to);
  }
  holders.delete('0x0000000000000000000000000000000000000000');
  const balances = new Map<string, bigint>();
  for (const h of holders) balances.set(h.toLowerCase(), await market.balanceOf(coin, h));
  return { swaps, balances };
}

async function indexed(db: TestDatabase, coin: Address) {
  const trades = await db.sql.query<{
    tx_hash: string;
    log_index: number;
    block_number: string;
    trader: string;
    side: string;
    coin_amount: string;
    eth_amount: string;
    price_wei: string;
  }>(
    `select tx_hash, log_index, block_number::text as block_number, trader, side, coin_amount::text as coin_amount,
       eth_amount::text as eth_amount, price_wei::text as price_wei
     from public.coin_trades t where coin_address = $1 order by t.block_number, t.log_index`,
    [coin.toLowerCase()],
  );
  const balances = await db.sql.query<{ holder: string; balance: string }>(
    'select holder, balance::text from public.coin_balances where coin_address = $1 order by holder',
    [coin.toLowerCase()],
  );
  return {
    trades: trades.map((t) => ({
      txHash: t.tx_hash,
      logIndex: t.log_index,
      blockNumber: Number(t.block_number),
      trader: t.trader,
      side: t.side,
      coinAmount: BigInt(t.coin_amount),
      ethAmount: BigInt(t.eth_amount),
      priceWei: BigInt(t.price_wei),
    })),
    balances: new Map(balances.map((b) => [b.holder, BigInt(b.balance)])),
  };
}

/** The indexed state equals the chain: every swap (trader, side, amounts, price) and every holder's balance. */
async function expectMatchesChain(db: TestDatabase, coin: DevCoin) {
  const truth = await chainTruth(coin.coin, coin.blockNumber);
  const mine = await indexed(db, coin.coin);
  expect(mine.trades).toEqual(truth.swaps.map(({ blockTime: _, ...s }) => ({ ...s, txHash: s.txHash.toLowerCase() })));
  // Zero rows are kept for holders who sold out or whose coins a rollback took back; compare the positive balances.
  const positive = (m: Map<string, bigint>) => new Map([...m].filter(([, b]) => b > 0n));
  expect(positive(mine.balances)).toEqual(positive(truth.balances));
  return truth;
}

type Candle = {
  start: string;
  openWei: string;
  highWei: string;
  lowWei: string;
  closeWei: string;
  volumeWei: string;
  trades: number;
};

/** Candles computed here from the chain's swaps. */
function handCandles(swaps: Awaited<ReturnType<typeof chainTruth>>['swaps'], ms: number): Candle[] {
  const buckets = new Map<number, typeof swaps>();
  for (const s of swaps) {
    const start = Math.floor(s.blockTime.getTime() / ms) * ms;
    buckets.set(start, [...(buckets.get(start) ?? []), s]);
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([start, list]) => {
      const prices = list.map((s) => s.priceWei);
      const sorted = [...prices].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return {
        start: new Date(start).toISOString(),
        openWei: String(prices[0]),
        highWei: String(sorted.at(-1)),
        lowWei: String(sorted[0]),
        closeWei: String(prices.at(-1)),
        volumeWei: String(list.reduce((a, s) => a + s.ethAmount, 0n)),
        trades: list.length,
      };
    });
}

describe.each(databaseTargets())('the chain indexer on the devnet with $name', (target: DatabaseTarget) => {
  let db: TestDatabase;
  let coin: DevCoin;
  const cast = castHash(Math.floor(Math.random() * 2 ** 40), 'f');

  beforeAll(async () => {
    db = await target.create();
    coin = await market.createCoin('MKT');
    await registerCoin(db, cast, 7100, coin);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });

  it('indexes buys and sells by several wallets, through our router and directly, and plain transfers', async () => {
    await market.routerBuy(user(0), coin.coin, parseEther('0.5'));
    await market.routerBuy(user(1), coin.coin, parseEther('0.2'));
    await market.poolSwap(user(2), coin.key, { buyWei: parseEther('0.1') });
    const held = await market.balanceOf(coin.coin, user(0).address);
    await market.transfer(user(0), coin.coin, user(3).address, held / 3n);
    const sell = (await market.balanceOf(coin.coin, user(1).address)) / 2n;
    await market.poolSwap(user(1), coin.key, { sellCoins: sell });

    const steps = await runUntilIdle(indexerFor(db));
    expect(steps.some((s) => s.kind === 'applied' && s.trades > 0)).toBe(true);

    const truth = await expectMatchesChain(db, coin);
    expect(truth.swaps.map((s) => [s.trader, s.side])).toEqual([
      [user(0).address.toLowerCase(), 'buy'],
      [user(1).address.toLowerCase(), 'buy'],
      [user(2).address.toLowerCase(), 'buy'],
      [user(1).address.toLowerCase(), 'sell'],
    ]);
    expect(truth.swaps[3]?.coinAmount).toBe(sell);

    // Candles against a computation from the chain's own events.
    const api = testApp(db);
    for (const [interval, ms] of [
      ['1m', 60_000],
      ['1h', 3_600_000],
      ['1d', 86_400_000],
    ] as const) {
      const res = await api.get(`/api/coins/${coin.coin}/candles?interval=${interval}`);
      expect(res.status).toBe(200);
      expect(
        (res.body as { candles: Candle[] }).candles.map((c) => ({ ...c, start: new Date(c.start).toISOString() })),
      ).toEqual(handCandles(truth.swaps, ms));
    }

    // The live columns: last price, cap over the supply, 24 h volume and change, holders.
    const last = truth.swaps.at(-1);
    const first = truth.swaps[0];
    if (!last || !first) throw new Error('no swaps');
    const perf = await api.get(`/api/performances/${cast}`);
    const m = (perf.body as { coin: { market: Record<string, unknown>; priceEth: string | null } }).coin.market;
    const holders = [...truth.balances.values()].filter((b) => b > 0n).length;
    const volume = truth.swaps.reduce((a, s) => a + s.ethAmount, 0n);
    const change = Number(((last.priceWei - first.priceWei) * 100n * 10_000n) / first.priceWei) / 10_000;
    expect(m).toMatchObject({
      priceWei: String(last.priceWei),
      marketCapWei: String((last.priceWei * 10n ** 27n) / 10n ** 18n),
      volume24hWei: String(volume),
      holders,
      blockNumber: expect.any(Number),
    });
    expect(Number(m.price)).toBeCloseTo(Number(last.priceWei) / 1e18, 12);
    expect(m.change24h as number).toBeCloseTo(change, 3);
    expect(new Date(m.lastTradeAt as string).getTime()).toBe(last.blockTime.getTime());
  });

  it('pages trades newest first by keyset and refuses bad parameters', async () => {
    const api = testApp(db);
    const first = await api.get(`/api/coins/${coin.coin}/trades?limit=3`);
    expect(first.status).toBe(200);
    const page = first.body as { items: { txHash: string }[]; nextCursor: string | null };
    expect(page.items).toHaveLength(3);
    expect(page.nextCursor).toEqual(expect.any(String));
    const second = await api.get(`/api/coins/${coin.coin}/trades?limit=3&cursor=${page.nextCursor}`);
    const rest = second.body as { items: { txHash: string }[]; nextCursor: string | null };
    expect(rest.items).toHaveLength(1);
    expect(rest.nextCursor).toBeNull();
    const all = (await indexed(db, coin.coin)).trades.map((t) => t.txHash).reverse();
    expect([...page.items, ...rest.items].map((i) => i.txHash)).toEqual(all);

    for (const path of [
      `/api/coins/${coin.coin}/candles?interval=5m`,
      `/api/coins/${coin.coin}/candles?interval=1m&from=yesterday`,
      `/api/coins/not-an-address/trades`,
      `/api/coins/${coin.coin}/trades?limit=0`,
      `/api/coins/${coin.coin}/trades?cursor=%7B%22b%22%3A-1%7D`,
      `/api/coins/${coin.coin}/trades?cursor=${'x'.repeat(300)}`,
      // Values JavaScript accepts and PostgreSQL would not (security regressions: these were 500s).
      `/api/coins/${coin.coin}/trades?cursor=${Buffer.from('{"b":1,"l":3000000000}').toString('base64url')}`,
      `/api/coins/${coin.coin}/trades?cursor=${Buffer.from('{"b":1e300,"l":0}').toString('base64url')}`,
      `/api/coins/${coin.coin}/candles?interval=1m&from=0000-01-01`,
      `/api/coins/${coin.coin}/candles?interval=1m&from=2026-02-30T00:00Z`,
      `/api/coins/${coin.coin}/candles?interval=1m&from=2026-12-01&to=2026-11-01`,
      `/api/coins/${coin.coin}/candles?interval=1m&limit=1001`,
      `/api/coins/${coin.coin}/trades?limit=101`,
      `/api/coins/${coin.coin}/trades?sort=asc`,
    ]) {
      expect((await api.get(path)).status, path).toBe(400);
    }
    const bounded = await api.get(
      `/api/coins/${coin.coin.toUpperCase().replace('0X', '0x')}/candles?interval=1d&from=1970-01-01&to=2999-01-01T00:00:00Z&limit=1`,
    );
    expect(bounded.status).toBe(200);
    expect((bounded.body as { candles: unknown[] }).candles).toHaveLength(1);
    expect((await api.get('/api/coins/0x000000000000000000000000000000000000dead/trades')).status).toBe(404);
    expect((await api.get('/api/coins/0x000000000000000000000000000000000000dead/candles?interval=1h')).status).toBe(
      404,
    );
  });

  it('changes nothing when run again or when a range is read again (idempotent by tx hash and log index)', async () => {
    const before = await indexed(db, coin.coin);
    const again = await runUntilIdle(indexerFor(db));
    expect(again).toEqual([{ kind: 'idle' }]);
    // Move every cursor back to the coin's creation: the whole history is read again and nothing is applied twice.
    await db.sql.query(
      `insert into public.market_blocks (chain_id, block_number, block_hash, block_time)
       select 8453, $1, $2, now() on conflict do nothing`,
      [Number(coin.blockNumber), (await market.publicClient.getBlock({ blockNumber: coin.blockNumber })).hash],
    );
    await db.sql.query(
      `update public.market_cursors set block_number = $1,
         block_hash = (select block_hash from public.market_blocks where block_number = $1)`,
      [Number(coin.blockNumber)],
    );
    await db.sql.query('update public.market_coin_cursors set block_number = $1', [Number(coin.blockNumber)]);
    await runUntilIdle(indexerFor(db));
    expect(await indexed(db, coin.coin)).toEqual(before);
    await expectMatchesChain(db, coin);
  });

  it('rolls back the blocks a reorg replaced and reads the new ones (anvil_reorg: same heights, new hashes)', async () => {
    await market.routerBuy(user(4), coin.coin, parseEther('0.3'));
    await market.transfer(user(4), coin.coin, user(5).address, 1000n);
    await runUntilIdle(indexerFor(db));
    const orphaned = (await indexed(db, coin.coin)).trades.at(-1);
    expect(orphaned?.trader).toBe(user(4).address.toLowerCase());

    // Replace the last 2 blocks: user 6 buys instead, at the same height.
    const testClient = createTestClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), mode: 'anvil' });
    const head = await market.publicClient.getBlockNumber({ cacheTime: 0 });
    const oldHash = (await market.publicClient.getBlock({ blockNumber: head - 1n })).hash;
    const data = (await import('viem').then(({ encodeFunctionData }) =>
      import('../scripts/devnet/devAbis.ts').then(({ devSwapRouterAbi }) =>
        encodeFunctionData({
          abi: devSwapRouterAbi,
          functionName: 'buyWithEth',
          args: [coin.coin, 0n, user(6).address],
        }),
      ),
    )) as Hex;
    await testClient.request({
      method: 'anvil_reorg' as never,
      params: [
        2,
        [
          [
            {
              from: user(6).address,
              to: devnet.addresses.swapRouter,
              value: `0x${parseEther('0.05').toString(16)}`,
              data,
              gas: '0x7a120',
            },
            0,
          ],
        ],
      ] as never,
    });
    expect(await market.publicClient.getBlockNumber({ cacheTime: 0 })).toBe(head);
    expect((await market.publicClient.getBlock({ blockNumber: head - 1n })).hash).not.toBe(oldHash);

    const steps = await runUntilIdle(indexerFor(db));
    expect(steps[0]).toMatchObject({ kind: 'rolled-back', trades: 1, transfers: 2 });
    const after = await indexed(db, coin.coin);
    expect(after.trades.some((t) => t.txHash === orphaned?.txHash)).toBe(false);
    expect(after.trades.at(-1)?.trader).toBe(user(6).address.toLowerCase());
    expect(after.balances.get(user(5).address.toLowerCase()) ?? 0n).toBe(0n);
    await expectMatchesChain(db, coin);
  });

  it('lets a second instance take over from a leader that died mid-range, and refuses the dead leader its step', async () => {
    await market.routerBuy(user(0), coin.coin, parseEther('0.01'));
    await market.poolSwap(user(2), coin.key, { buyWei: parseEther('0.02') });
    await market.transfer(user(2), coin.coin, user(3).address, 12345n);

    // Leader A reads the state, then stalls inside eth_getLogs and stops renewing its lease (as a killed process).
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reached: () => void = () => {};
    const atGate = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const real = createIndexerChain(devnet.rpcUrl);
    const stalled: IndexerChain = {
      ...real,
      async logs(filter) {
        reached();
        await gate;
        return real.logs(filter);
      },
    };
    const deadStore = { ...db.stores.market, renewJobLease: () => new Promise<boolean>(() => {}) };
    const a = createChainIndexer({
      chainId: 8453,
      chain: stalled,
      store: deadStore,
      leases: db.stores.jobs,
      logger: silentLogger,
      holder: 'indexer-dead',
      confirmations: 0,
      blockRange: 25,
      leaseSeconds: 2,
    });
    // A takes the lease once the previous tests' leader has let it go.
    for (let i = 0; i < 100 && !(await db.stores.jobs.claimJobLease('chain-indexer', 'indexer-dead', 2)); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const aRun = a.runOnce();
    await atGate;

    const b = indexerFor(db, { holder: 'indexer-b' });
    expect((await b.runOnce()).leader).toBe(false);
    let took = false;
    for (let i = 0; i < 100 && !took; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      took = (await b.runOnce()).leader;
    }
    expect(took).toBe(true);
    await runUntilIdle(b);

    const afterB = await indexed(db, coin.coin);

    release();
    const aSummary = await aRun;
    expect(aSummary.steps.at(-1)).toEqual({ kind: 'refused', reason: 'lease_lost' });
    expect(await indexed(db, coin.coin)).toEqual(afterB);
    await expectMatchesChain(db, coin);
  });

  it('reads through a provider that refuses wide ranges and big answers and rate-limits (stand-in proxy)', async () => {
    const fresh = await target.create();
    const proxy = await startRpcProxy(devnet.rpcUrl);
    try {
      await registerCoin(fresh, castHash(Math.floor(Math.random() * 2 ** 40), 'f'), 7101, coin);
      proxy.maxLogRange = 4;
      proxy.maxLogResults = 3;
      proxy.failNext(2, 429, 1);
      const indexer = indexerFor(fresh, { chain: createIndexerChain(proxy.url), range: 40 });
      const steps = await runUntilIdle(indexer);
      expect(steps.some((s) => s.kind === 'applied')).toBe(true);
      proxy.failNext(1, 503);
      await market.routerBuy(user(1), coin.coin, parseEther('0.01'));
      await runUntilIdle(indexer);

      expect(proxy.requests.filter((r) => r.status === 429)).toHaveLength(2);
      expect(proxy.requests.filter((r) => r.status === 503)).toHaveLength(1);
      expect(proxy.requests.some((r) => r.refused === 'range')).toBe(true);
      expect(proxy.requests.some((r) => r.refused === 'results')).toBe(true);
      await expectMatchesChain(fresh, coin);
    } finally {
      await proxy.close();
      await fresh.close();
    }
  });

  it('catches up a coin confirmed after the cursor passed its creation block, then follows it', async () => {
    const late = await market.createCoin('LATE');
    await market.routerBuy(user(5), late.coin, parseEther('0.04'));
    await runUntilIdle(indexerFor(db));
    await registerCoin(db, castHash(Math.floor(Math.random() * 2 ** 40), 'f'), 7102, late);
    const steps = await runUntilIdle(indexerFor(db));
    expect(steps.some((s) => s.kind === 'applied' && s.scope === 'catch-up')).toBe(true);
    await market.poolSwap(user(5), late.key, { sellCoins: 1000n });
    await runUntilIdle(indexerFor(db));
    const truth = await expectMatchesChain(db, late);
    expect(truth.swaps.map((s) => s.side)).toEqual(['buy', 'sell']);
  });

  it('links reported trades to their indexed swaps, whichever comes first', async () => {
    const report = (txHash: string, buyer: string) =>
      db.sql.query('select public.record_pending_trade($1::jsonb)', [
        JSON.stringify({ source: 'api', chainId: 8453, txHash, buyer, coinAddress: coin.coin.toLowerCase() }),
      ]);
    const linked = async (txHash: string) =>
      (
        await db.sql.query<{ linked: boolean }>(
          'select trade_id is not null as linked from public.coin_trades where tx_hash = $1',
          [txHash],
        )
      )[0]?.linked;
    const early = await market.routerBuy(user(6), coin.coin, parseEther('0.01'));
    await report(early.transactionHash, user(6).address.toLowerCase());
    await runUntilIdle(indexerFor(db));
    expect(await linked(early.transactionHash)).toBe(true);

    const late = await market.routerBuy(user(6), coin.coin, parseEther('0.01'));
    await runUntilIdle(indexerFor(db));
    expect(await linked(late.transactionHash)).toBe(false);
    // A report naming someone else as the buyer links nothing.
    await report(late.transactionHash, user(7).address.toLowerCase());
    expect(await linked(late.transactionHash)).toBe(false);
    await report(late.transactionHash, user(6).address.toLowerCase());
    expect(await linked(late.transactionHash)).toBe(true);
  });
});
