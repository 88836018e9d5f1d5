/** The trade confirmer against anvil and both databases: racing confirmers settle each trade once, the poll loop,
 * trades for another chain, RPC backoff, a settle that fails (the lease brings the trade back), never-checked
 * reports first, unknown hashes given up within minutes; the limits record_pending_trade enforces; and the report-time
 * transaction lookup. */
import { CreateConstants, createCoin, getCoinCreateFromLogs, setApiBaseUrl } from '@zoralabs/coins-sdk';
import {
  type Address,
  createPublicClient,
  createTestClient,
  createWalletClient,
  encodeFunctionData,
  type Hex,
  http,
  type PublicClient,
  parseEther,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devSwapRouterAbi } from '../scripts/devnet/devAbis.ts';
import { type Devnet, type DevnetAccount, startDevnet } from '../scripts/devnet/startDevnet.ts';
import { startZoraApiStandIn, type ZoraApiStandIn } from '../scripts/devnet/zoraApiStandIn.ts';
import { UnavailableError } from '../src/errors.ts';
import { createJobRunner } from '../src/jobs/createJobRunner.ts';
import { silentLogger } from '../src/support/logger.ts';
import {
  createTradeConfirmer,
  type TradeConfirmerOptions,
  type TradeConfirmerStore,
} from '../src/trading/createTradeConfirmer.ts';
import { createTransactionLookup } from '../src/trading/createTransactionLookup.ts';
import { routerAllowlist } from '../src/trading/routerAllowlist.ts';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';

let devnet: Devnet;
let standIn: ZoraApiStandIn;
let publicClient: PublicClient;
let coin: Address;

function account(index: number): DevnetAccount {
  const a = devnet.accounts.users[index];
  if (!a) throw new Error(`devnet has no user account ${index}`);
  return a;
}

const walletOf = (a: DevnetAccount) =>
  createWalletClient({
    chain: devnet.chain,
    transport: http(devnet.rpcUrl),
    account: privateKeyToAccount(a.privateKey),
  });

beforeAll(async () => {
  devnet = await startDevnet();
  standIn = await startZoraApiStandIn({ devnet });
  setApiBaseUrl(standIn.url);
  publicClient = createPublicClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), pollingInterval: 50 });
  const created = await createCoin({
    call: {
      creator: devnet.accounts.platform.address,
      name: 'Confirmer coin',
      symbol: 'CONF',
      metadata: { type: 'RAW_URI', uri: 'https://example.com/coin.json' },
      currency: CreateConstants.ContentCoinCurrencies.ETH,
      chainId: 8453,
      skipMetadataValidation: true,
    },
    walletClient: walletOf({
      address: devnet.accounts.platform.address,
      privateKey: devnet.accounts.platform.privateKey,
    }),
    publicClient,
  });
  const deployment = getCoinCreateFromLogs(created.receipt);
  if (!deployment) throw new Error('no CoinCreatedV4');
  coin = deployment.coin;
});
afterAll(async () => {
  await standIn?.close();
  await devnet?.stop();
});

/** A real buy of the coin through the devnet router, mined. */
async function buy(from: DevnetAccount): Promise<Hex> {
  const hash = await walletOf(from).sendTransaction({
    to: devnet.addresses.swapRouter,
    data: encodeFunctionData({ abi: devSwapRouterAbi, functionName: 'buyWithEth', args: [coin, 0n, from.address] }),
    value: parseEther('0.001'),
  });
  await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  return hash;
}

/** Send a buy without mining it (anvil's automine off): the node has the transaction but no receipt. */
async function sendUnmined(from: DevnetAccount): Promise<Hex> {
  const test = createTestClient({ chain: devnet.chain, mode: 'anvil', transport: http(devnet.rpcUrl) });
  await test.setAutomine(false);
  return walletOf(from).sendTransaction({
    to: devnet.addresses.swapRouter,
    data: encodeFunctionData({ abi: devSwapRouterAbi, functionName: 'buyWithEth', args: [coin, 0n, from.address] }),
    value: parseEther('0.001'),
  });
}

async function mineAll(): Promise<void> {
  const test = createTestClient({ chain: devnet.chain, mode: 'anvil', transport: http(devnet.rpcUrl) });
  await test.mine({ blocks: 1 });
  await test.setAutomine(true);
}

const randomHash = (): Hex =>
  `0x${[...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, '0')).join('')}`;

describe('createTransactionLookup', () => {
  it('sees a mined and a waiting transaction, not a made-up hash (after waiting for it)', async () => {
    const seen = createTransactionLookup({ publicClient, waitMs: 300, pollMs: 100 });
    expect(await seen(await buy(account(6)))).toBe(true);
    const waiting = await sendUnmined(account(6));
    try {
      expect(await seen(waiting)).toBe(true);
    } finally {
      await mineAll();
    }
    const started = Date.now();
    expect(await seen(randomHash())).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('is unavailable (503 + Retry-After), never "not found", when the chain is down or hangs', async () => {
    const down = createPublicClient({ chain: devnet.chain, transport: http('http://127.0.0.1:9', { retryCount: 0 }) });
    await expect(createTransactionLookup({ publicClient: down })(randomHash())).rejects.toMatchObject({
      status: 503,
      retryAfterSeconds: 5,
    });
    const hanging = { getTransaction: () => new Promise<never>(() => {}) };
    const error = await createTransactionLookup({ publicClient: hanging, timeoutMs: 50 })(randomHash()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnavailableError);
  });
});

describe.each(databaseTargets())('createTradeConfirmer with $name', (target: DatabaseTarget) => {
  let db: TestDatabase;
  const allowedRouters = routerAllowlist([{ chainId: 8453, address: `0x${'0'.repeat(40)}` }]);

  beforeAll(async () => {
    db = await target.create();
  });
  afterAll(async () => {
    await db?.close();
  });

  const confirmer = (extra: Partial<TradeConfirmerOptions> = {}) =>
    createTradeConfirmer({
      store: db.stores.trading,
      publicClient,
      logger: silentLogger,
      allowedRouters: routerAllowlist([{ chainId: 8453, address: devnet.addresses.swapRouter }]),
      ...extra,
    });
  let nextFid = 7;
  /** Report a buy as a frame does, each from its own fid (a fid may have only a few unconfirmed reports). */
  const report = (txHash: Hex, buyer: Address, chainId = 8453) =>
    db.stores.trading.recordPendingTrade({
      source: 'frame',
      chainId,
      txHash,
      fid: nextFid++,
      buyer,
      coinAddress: coin,
    });
  const analytics = async (txHash: Hex) =>
    (
      await db.sql.query<{ n: number }>(
        `select count(*)::int as n from public.analytics_events where event_type like 'trade_%' and data->>'txHash' = $1`,
        [txHash],
      )
    )[0]?.n;

  it('settles each trade exactly once while four confirmers race', async () => {
    const buyers = [0, 1, 2, 3, 4, 5].map(account);
    const hashes: Hex[] = [];
    for (const b of buyers) hashes.push(await buy(b));
    for (const [i, hash] of hashes.entries()) await report(hash, buyers[i]?.address ?? '0x');
    const runs = await Promise.all([1, 2, 3, 4].map((n) => confirmer({ worker: `racer-${n}`, batch: 2 }).runOnce()));
    expect(runs.reduce((sum, r) => sum + r.confirmed, 0)).toBe(6);
    for (const hash of hashes) {
      expect(await db.stores.trading.getTrade(8453, hash)).toMatchObject({ status: 'confirmed' });
      // trade_submitted once and trade_confirmed once.
      expect(await analytics(hash)).toBe(2);
    }
    expect(await confirmer().runOnce()).toMatchObject({ confirmed: 0, failed: 0, pending: 0 });
  });

  /** The devnet's client, each receipt lookup delayed by `delayMs` (a slow node). */
  const slowClient = (delayMs: number): TradeConfirmerOptions['publicClient'] => ({
    chain: publicClient.chain,
    getTransactionReceipt: async (args) => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return publicClient.getTransactionReceipt(args);
    },
    getTransaction: (args) => publicClient.getTransaction(args),
    getBlockNumber: (args) => publicClient.getBlockNumber(args),
    getBlock: (args) => publicClient.getBlock(args),
  });

  it('renews its short lease while a slow batch runs, so no other confirmer claims the trade meanwhile', async () => {
    const hash = await buy(account(0));
    await report(hash, account(0).address);
    const slow = confirmer({ publicClient: slowClient(2_500), leaseSeconds: 1 }).runOnce();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // Past the first 1 s lease: only the heartbeat keeps the trade from being claimed again.
    expect(await confirmer().runOnce()).toMatchObject({ confirmed: 0, failed: 0, pending: 0 });
    expect(await slow).toMatchObject({ confirmed: 1, failed: 0, pending: 0 });
    expect(await analytics(hash)).toBe(2);
  });

  it('stops the batch when the heartbeat finds a trade taken over; both are settled once later', async () => {
    const hashes = [await buy(account(1)), await buy(account(2))];
    await report(hashes[0] as Hex, account(1).address);
    await report(hashes[1] as Hex, account(2).address);
    const slow = confirmer({ worker: 'slow', publicClient: slowClient(1_500), leaseSeconds: 3, batch: 2 }).runOnce();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await db.sql.query(
      `update public.trades set claimed_by = 'other', lease_until = now() + interval '1 minute' where tx_hash = $1`,
      [hashes[1]],
    );
    expect(await slow).toMatchObject({ confirmed: 0, failed: 0, pending: 0 });
    for (const hash of hashes)
      expect(await db.stores.trading.getTrade(8453, hash)).toMatchObject({ status: 'pending' });
    await db.sql.query(`update public.trades set lease_until = now() - interval '1 second' where tx_hash = any($1)`, [
      hashes,
    ]);
    expect(await confirmer().runOnce()).toMatchObject({ confirmed: 2 });
    for (const hash of hashes) expect(await analytics(hash)).toBe(2);
  });

  it('renew_trade_lease extends unexpired leases of their holder, ignoring trades settled meanwhile', async () => {
    const [settled, held] = [await buy(account(3)), await buy(account(4))];
    await report(settled, account(3).address);
    await report(held, account(4).address);
    const claimed = await db.stores.trading.claimPendingTrades('renewer', 2, 5);
    const ids = claimed.map((t) => t.id);
    expect(ids).toHaveLength(2);
    const settledId = claimed.find((t) => t.txHash === settled)?.id ?? -1;
    await db.stores.trading.settleTrade(settledId, 'renewer', { status: 'failed', reason: 'test' });
    expect(await db.stores.trading.renewTradeLease('renewer', ids, 120)).toBe(true);
    const [row] = await db.sql.query<{ left: number }>(
      'select extract(epoch from lease_until - now())::float8 as left from public.trades where tx_hash = $1',
      [held],
    );
    expect(row?.left).toBeGreaterThan(100);
    expect(await db.stores.trading.renewTradeLease('someone-else', ids, 120)).toBe(false);
    await db.sql.query(`update public.trades set lease_until = now() - interval '1 second' where tx_hash = $1`, [held]);
    expect(await db.stores.trading.renewTradeLease('renewer', ids, 120)).toBe(false);
    expect(await confirmer().runOnce()).toMatchObject({ confirmed: 1 });
  });

  it('joins a run in progress instead of starting a second one', async () => {
    const hash = await buy(account(0));
    await report(hash, account(0).address);
    const c = confirmer();
    const [a, b] = [c.runOnce(), c.runOnce()];
    expect(a).toBe(b);
    expect(await a).toMatchObject({ confirmed: 1, failed: 0, pending: 0 });
  });

  it('polls on its own as the trade-confirmation job of the job runner, which stop() waits for', async () => {
    const hash = await buy(account(1));
    await report(hash, account(1).address);
    const c = confirmer();
    const runner = createJobRunner(
      [{ name: 'trade-confirmation', everySeconds: 0.02, run: async () => void (await c.runOnce()) }],
      { logger: silentLogger, leases: db.stores.jobs },
    );
    runner.start();
    const deadline = Date.now() + 5000;
    while ((await db.stores.trading.getTrade(8453, hash))?.status === 'pending' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await runner.stop();
    expect(await db.stores.trading.getTrade(8453, hash)).toMatchObject({ status: 'confirmed' });
  });

  it('leaves a trade reported for another chain pending for an hour', async () => {
    const hash = await buy(account(2));
    await report(hash, account(2).address, 84532);
    expect(await confirmer().runOnce()).toMatchObject({ confirmed: 0, failed: 0, pending: 1 });
    const [row] = await db.sql.query<{ status: string; wait: number }>(
      `select status, extract(epoch from next_check_at - now())::float8 as wait from public.trades
       where chain_id = 84532 and tx_hash = $1`,
      [hash],
    );
    expect(row?.status).toBe('pending');
    expect(row?.wait).toBeGreaterThan(3500);
  });

  it('backs off on RPC errors, then confirms once the chain answers', async () => {
    const hash = await buy(account(3));
    await report(hash, account(3).address);
    const down = createPublicClient({ chain: devnet.chain, transport: http('http://127.0.0.1:9', { retryCount: 0 }) });
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      await db.sql.query('update public.trades set next_check_at = now() where tx_hash = $1', [hash]);
      expect(await confirmer({ publicClient: down }).runOnce()).toMatchObject({ pending: 1 });
      const [row] = await db.sql.query<{ wait: number }>(
        'select extract(epoch from next_check_at - now())::float8 as wait from public.trades where tx_hash = $1',
        [hash],
      );
      waits.push(Math.round(row?.wait ?? 0));
    }
    expect(waits).toEqual([5, 10, 20]);
    await db.sql.query('update public.trades set next_check_at = now() where tx_hash = $1', [hash]);
    expect(await confirmer().runOnce()).toMatchObject({ confirmed: 1 });
  });

  it('keeps the lease when settling fails, so the trade is confirmed by the next claim after it expires', async () => {
    const hash = await buy(account(4));
    await report(hash, account(4).address);
    const failing: TradeConfirmerStore = {
      ...db.stores.trading,
      getIndexedTradeSwap: (trade) => db.stores.trading.getIndexedTradeSwap(trade),
      claimPendingTrades: (worker, limit, lease) => db.stores.trading.claimPendingTrades(worker, limit, lease),
      renewTradeLease: (worker, ids, lease) => db.stores.trading.renewTradeLease(worker, ids, lease),
      settleTrade: async () => {
        throw new Error('database went away');
      },
    };
    expect(await confirmer({ store: failing }).runOnce()).toMatchObject({ confirmed: 0, failed: 0, pending: 0 });
    expect(await confirmer().runOnce()).toMatchObject({ confirmed: 0, failed: 0, pending: 0 });
    await db.sql.query(`update public.trades set lease_until = now() - interval '1 second' where tx_hash = $1`, [hash]);
    expect(await confirmer().runOnce()).toMatchObject({ confirmed: 1 });
    expect(await db.stores.trading.getTrade(8453, hash)).toMatchObject({ status: 'confirmed' });
  });

  it('gives up on a hash the node never saw after minutes, while a seen one waits for the mining window', async () => {
    const unknown = randomHash();
    await report(unknown, account(6).address);
    const waiting = await sendUnmined(account(7));
    try {
      await report(waiting, account(7).address);
      const minutesLater = () => new Date(Date.now() + 151_000);
      expect(await confirmer({ now: minutesLater }).runOnce()).toMatchObject({ confirmed: 0, failed: 1, pending: 1 });
      expect(await db.stores.trading.getTrade(8453, unknown)).toMatchObject({
        status: 'failed',
        failureReason: 'not found',
      });
      expect(await db.stores.trading.getTrade(8453, waiting)).toMatchObject({ status: 'pending' });
    } finally {
      await mineAll();
    }
    await db.sql.query('update public.trades set next_check_at = now() where tx_hash = $1', [waiting]);
    expect(await confirmer().runOnce()).toMatchObject({ confirmed: 1 });
  });

  it('claims never-checked reports first, newest first, ahead of older ones being retried', async () => {
    const old = [randomHash(), randomHash(), randomHash()];
    for (const [i, hash] of old.entries()) {
      await db.stores.trading.recordPendingTrade({
        source: 'frame',
        chainId: 8453,
        txHash: hash,
        fid: 70_000 + i,
        buyer: `0x${(0xe1d0 + i).toString(16).padStart(40, '0')}`,
        coinAddress: coin,
      });
    }
    // The old ones were checked once and are due again.
    await db.stores.trading.claimPendingTrades('setup', 10, 60);
    await db.sql.query(
      `update public.trades set lease_until = null, next_check_at = now() - interval '1 minute' where tx_hash = any($1)`,
      [old],
    );
    const fresh = [randomHash(), randomHash()];
    for (const [i, hash] of fresh.entries()) {
      await db.stores.trading.recordPendingTrade({
        source: 'frame',
        chainId: 8453,
        txHash: hash,
        fid: 71_000 + i,
        buyer: `0x${(0xf1d0 + i).toString(16).padStart(40, '0')}`,
        coinAddress: coin,
      });
    }
    const claimed = await db.stores.trading.claimPendingTrades('order', 3, 60);
    expect(claimed.map((t) => t.txHash).sort()).toEqual([fresh[0], fresh[1], old[0]].sort());
    const newest = await db.stores.trading.claimPendingTrades('order-2', 1, 60);
    expect(newest.map((t) => t.txHash)).toEqual([old[1]]);
    await db.sql.query(`delete from public.trades where status = 'pending'`);
  });

  it('refuses a 6th unconfirmed report of one fid or one buyer, and a report of a row another fid owns', async () => {
    const base = { source: 'frame' as const, chainId: 8453, coinAddress: coin };
    const buyerOf = (n: number) => `0x${(0xcafe00 + n).toString(16).padStart(40, '0')}`;
    const byFid = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        db.stores.trading.recordPendingTrade({ ...base, txHash: randomHash(), fid: 80_001, buyer: buyerOf(i) }),
      ),
    );
    expect(byFid.filter((o) => o.recorded)).toHaveLength(5);
    expect(byFid.filter((o) => !o.recorded)).toEqual(
      Array.from({ length: 3 }, () => ({ recorded: false, reason: 'fid_limit', limit: 5 })),
    );
    const byBuyer = await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        db.stores.trading.recordPendingTrade({ ...base, txHash: randomHash(), fid: 80_100 + i, buyer: buyerOf(99) }),
      ),
    );
    expect(byBuyer.filter((o) => o.recorded)).toHaveLength(5);
    expect(byBuyer.filter((o) => !o.recorded && o.reason === 'buyer_limit')).toHaveLength(2);

    // A settled report no longer counts.
    const [first] = byFid.filter((o) => o.recorded);
    await db.sql.query(
      `update public.trades set status = 'failed', failure_reason = 'x', settled_at = now()
      where id = $1`,
      [first?.recorded ? first.id : 0],
    );
    expect(
      await db.stores.trading.recordPendingTrade({ ...base, txHash: randomHash(), fid: 80_001, buyer: buyerOf(50) }),
    ).toMatchObject({
      recorded: true,
    });

    // The same (chain, tx, buyer) from another fid: refused, the first reporter keeps it; the first again is idempotent.
    const tx = randomHash();
    const owner = await db.stores.trading.recordPendingTrade({ ...base, txHash: tx, fid: 80_200, buyer: buyerOf(60) });
    expect(owner).toMatchObject({ recorded: true, created: true });
    expect(
      await db.stores.trading.recordPendingTrade({ ...base, txHash: tx, fid: 80_201, buyer: buyerOf(60) }),
    ).toEqual({
      recorded: false,
      reason: 'other_fid',
    });
    expect(
      await db.stores.trading.recordPendingTrade({ ...base, txHash: tx, fid: 80_200, buyer: buyerOf(60) }),
    ).toMatchObject({
      recorded: true,
      created: false,
    });
    expect(await db.stores.trading.getTrade(8453, tx)).toMatchObject({ fid: 80_200 });
    await db.sql.query(`delete from public.trades where status = 'pending'`);
  });

  it('fails a buy through a router that is not on the allowlist', async () => {
    const hash = await buy(account(5));
    await report(hash, account(5).address);
    expect(await confirmer({ allowedRouters }).runOnce()).toMatchObject({ failed: 1 });
    expect(await db.stores.trading.getTrade(8453, hash)).toMatchObject({
      status: 'failed',
      failureReason: 'not a buy through an allowed router',
    });
  });
});
