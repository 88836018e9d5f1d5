/** Provisional receipt confirmations, on the devnet and both databases, with no chain indexer running: a trade
 * confirmed from its receipt keeps the receipt's block hash and is re-read until its block is CHAIN_CONFIRMATIONS
 * deep (then final, never read again); an `anvil_reorg` that replaces its block puts it back to pending (the orphaned
 * settlement kept), and it is settled again from the new chain (mined again: confirmed at its new block; gone: failed)
 * with one trade_confirmed analytics event; RPC errors and hostile answers (another transaction's receipt, a block
 * hash of the wrong length, a node behind or disagreeing with itself) change nothing; racing confirmers settle,
 * finalise and undo each trade once; a reporter cannot make a settled trade due again. */
import {
  type Address,
  createTestClient,
  createWalletClient,
  encodeFunctionData,
  type Hex,
  http,
  parseEther,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devSwapRouterAbi } from '../scripts/devnet/devAbis.ts';
import { type Devnet, type DevnetAccount, startDevnet } from '../scripts/devnet/startDevnet.ts';
import { castHash } from '../scripts/neynarPayloads.ts';
import { createChainIndexer } from '../src/market/createChainIndexer.ts';
import { createIndexerChain } from '../src/market/createIndexerChain.ts';
import { silentLogger } from '../src/support/logger.ts';
import { createTradeConfirmer, type TradeConfirmerOptions } from '../src/trading/createTradeConfirmer.ts';
import { routerAllowlist } from '../src/trading/routerAllowlist.ts';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';
import { type DevCoin, devnetMarket, registerCoin } from './support/devnetMarket.ts';

let devnet: Devnet;
let market: Awaited<ReturnType<typeof devnetMarket>>;

beforeAll(async () => {
  devnet = await startDevnet();
  market = await devnetMarket(devnet);
}, 60_000);
afterAll(async () => {
  await devnet?.stop();
});

const user = (i: number): DevnetAccount => {
  const a = devnet.accounts.users[i];
  if (!a) throw new Error(`no devnet user ${i}`);
  return a;
};
const testClient = () => createTestClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), mode: 'anvil' });

/** A buy through the devnet router with a generous gas limit (the same signed transaction may be mined again after a
 * reorg, on a pool state the reorg changed), mined; and its signed bytes, to send it again. */
async function buy(from: DevnetAccount, coin: Address, value = parseEther('0.01')) {
  const hash = await createWalletClient({
    chain: devnet.chain,
    transport: http(devnet.rpcUrl),
    account: privateKeyToAccount(from.privateKey),
  }).writeContract({
    address: devnet.addresses.swapRouter,
    abi: devSwapRouterAbi,
    functionName: 'buyWithEth',
    args: [coin, 0n, from.address],
    value,
    gas: 1_000_000n,
  });
  const receipt = await market.mined(hash);
  const raw = (await market.publicClient.request({
    method: 'eth_getRawTransactionByHash' as never,
    params: [hash] as never,
  })) as Hex;
  return { receipt, raw };
}

/** Replace the last `depth` blocks (same heights, new hashes) with blocks holding one unrelated buy: anvil drops the
 * transactions of the replaced blocks. */
async function reorg(depth: number, coin: Address): Promise<void> {
  await testClient().request({
    method: 'anvil_reorg' as never,
    params: [
      depth,
      [
        [
          {
            from: user(7).address,
            to: devnet.addresses.swapRouter,
            value: `0x${parseEther('0.001').toString(16)}`,
            data: encodeFunctionData({
              abi: devSwapRouterAbi,
              functionName: 'buyWithEth',
              args: [coin, 0n, user(7).address],
            }),
            gas: '0x7a120',
          },
          0,
        ],
      ],
    ] as never,
  });
}

/** The devnet's client, counting every read per method and transaction hash; `override` answers instead for the
 * methods it names (a failing or hostile node). */
function spyClient(override: Partial<TradeConfirmerOptions['publicClient']> = {}) {
  const reads: string[] = [];
  const real = market.publicClient;
  const client: TradeConfirmerOptions['publicClient'] = {
    chain: real.chain,
    getTransactionReceipt: async (args) => {
      reads.push(`receipt ${args.hash}`);
      return (override.getTransactionReceipt ?? real.getTransactionReceipt)(args);
    },
    getTransaction: async (args) => {
      reads.push(`transaction ${'hash' in args ? args.hash : ''}`);
      return (override.getTransaction ?? real.getTransaction)(args);
    },
    getBlockNumber: async (args) => {
      reads.push('head');
      return (override.getBlockNumber ?? real.getBlockNumber)(args);
    },
    getBlock: async (args) => {
      reads.push(`block ${args?.blockNumber}`);
      return (override.getBlock ?? real.getBlock)(args);
    },
  } as TradeConfirmerOptions['publicClient'];
  const count = (what: string) => reads.filter((r) => r === what).length;
  return { reads, client, count };
}

describe.each(databaseTargets())('provisional receipt confirmations with $name', (target: DatabaseTarget) => {
  let db: TestDatabase;
  let coin: DevCoin;
  let nextFid = 9300;

  beforeAll(async () => {
    db = await target.create();
    coin = await market.createCoin('RCT');
    await registerCoin(db, castHash(Math.floor(Math.random() * 2 ** 40), 'e'), 7300, coin);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });

  const confirmer = (client: TradeConfirmerOptions['publicClient'], extra: Partial<TradeConfirmerOptions> = {}) =>
    createTradeConfirmer({
      store: db.stores.trading,
      publicClient: client,
      logger: silentLogger,
      allowedRouters: routerAllowlist([{ chainId: 8453, address: devnet.addresses.swapRouter }]),
      poolManager: devnet.addresses.poolManager,
      confirmations: 2,
      ...extra,
    });
  const report = async (txHash: Hex, buyer: Address) => {
    const outcome = await db.stores.trading.recordPendingTrade({
      source: 'frame',
      chainId: 8453,
      txHash,
      fid: nextFid++,
      buyer: buyer.toLowerCase(),
      coinAddress: coin.coin.toLowerCase(),
    });
    if (!outcome.recorded) throw new Error(`report refused: ${outcome.reason}`);
    return outcome.id;
  };
  const row = async (id: number) =>
    (
      await db.sql.query<{
        status: string;
        block_number: string | null;
        amount_out: string | null;
        failure_reason: string | null;
        settled_from: string | null;
        receipt_block_hash: string | null;
        final: boolean;
        receipt_checks: number;
        confirmed_once: boolean;
        index_correction: Record<string, unknown> | null;
        wait: number;
      }>(
        `select status, block_number::text, amount_out::text, failure_reason, settled_from, receipt_block_hash,
           receipt_final_at is not null as final, receipt_checks, first_confirmed_at is not null as confirmed_once,
           index_correction, round(extract(epoch from next_check_at - now()))::int as wait
         from public.trades where id = $1`,
        [id],
      )
    )[0];
  /** Make these trades' next look due now (instead of waiting for it). */
  const due = (...ids: number[]) =>
    db.sql.query('update public.trades set next_check_at = now() where id = any($1)', [ids]);
  const events = async (id: number) =>
    Object.fromEntries(
      (
        await db.sql.query<{ event_type: string; n: number }>(
          `select event_type, count(*)::int as n from public.analytics_events where data ->> 'tradeId' = $1
           group by event_type`,
          [String(id)],
        )
      ).map((r) => [r.event_type, r.n]),
    );
  /** Report a mined buy and confirm it from its receipt; answers the trade id. */
  const confirmed = async (receipt: TransactionReceipt, buyer: DevnetAccount) => {
    const id = await report(receipt.transactionHash, buyer.address);
    expect((await confirmer(spyClient().client).runOnce()).confirmed).toBeGreaterThanOrEqual(1);
    expect(await row(id)).toMatchObject({
      status: 'confirmed',
      settled_from: 'receipt',
      block_number: String(receipt.blockNumber),
      receipt_block_hash: receipt.blockHash,
      final: false,
    });
    return id;
  };

  it('keeps the receipt block hash, re-reads it at a bounded cadence until it is deep enough, then never again', async () => {
    const { receipt } = await buy(user(0), coin.coin);
    const id = await confirmed(receipt, user(0));
    // The first re-check is 5 s after the confirmation.
    expect((await row(id))?.wait).toBeGreaterThanOrEqual(4);
    const tx = receipt.transactionHash;

    // Not deep yet (confirmations: 2): read once, still provisional, and not read again by runs before it is due.
    const early = spyClient();
    await due(id);
    expect(await confirmer(early.client).runOnce()).toMatchObject({ final: 0, reorged: 0 });
    for (let i = 0; i < 3; i += 1) await confirmer(early.client).runOnce();
    expect(early.count(`receipt ${tx}`)).toBe(1);
    expect(await row(id)).toMatchObject({ status: 'confirmed', final: false, receipt_checks: 1 });
    expect((await row(id))?.wait).toBeGreaterThanOrEqual(9);

    // Two blocks later, the same block hash: final.
    await testClient().mine({ blocks: 2 });
    const deep = spyClient();
    await due(id);
    expect(await confirmer(deep.client).runOnce()).toMatchObject({ final: 1, reorged: 0 });
    expect(deep.count(`receipt ${tx}`)).toBe(1);
    expect(await row(id)).toMatchObject({ status: 'confirmed', final: true, receipt_block_hash: receipt.blockHash });

    // Never read again, however often it is made due.
    const after = spyClient();
    for (let i = 0; i < 3; i += 1) {
      await due(id);
      expect(await confirmer(after.client).runOnce()).toMatchObject({ final: 0, reorged: 0 });
    }
    expect(after.reads.filter((r) => r.includes(tx))).toEqual([]);
    expect(await events(id)).toEqual({ trade_submitted: 1, trade_confirmed: 1 });
  });

  it('puts a receipt confirmation whose block anvil_reorg replaced back to pending, then settles it again from the new chain: confirmed where it is mined again, failed where it is gone; one trade_confirmed each', async () => {
    const again = await buy(user(1), coin.coin);
    const gone = await buy(user(2), coin.coin);
    const againId = await confirmed(again.receipt, user(1));
    const goneId = await confirmed(gone.receipt, user(2));
    const head = await market.publicClient.getBlockNumber({ cacheTime: 0 });
    expect(head).toBe(gone.receipt.blockNumber);
    expect(again.receipt.blockNumber).toBe(head - 1n);

    // Both blocks replaced (same heights, new hashes): the re-check sees both receipts gone.
    await reorg(2, coin.coin);
    expect(await market.publicClient.getBlockNumber({ cacheTime: 0 })).toBe(head);
    await due(againId, goneId);
    const spy = spyClient();
    expect(await confirmer(spy.client).runOnce()).toMatchObject({ confirmed: 0, reorged: 2 });
    for (const [id, r] of [
      [againId, again.receipt],
      [goneId, gone.receipt],
    ] as const) {
      expect(await row(id)).toMatchObject({
        status: 'pending',
        block_number: null,
        amount_out: null,
        settled_from: null,
        receipt_block_hash: null,
        final: false,
        wait: 0,
        index_correction: {
          reorged: { blockNumber: Number(r.blockNumber), blockHash: r.blockHash, source: 'receipt' },
          reorgedAt: expect.any(String),
        },
      });
      // The node's own block at that height is another one: that is what made the missing receipt a reorg.
      expect(spy.reads).toContain(`block ${r.blockNumber}`);
    }

    // The next run: neither transaction is on the new chain; within the window from the reorg, they stay pending.
    expect(await confirmer(spyClient().client).runOnce()).toMatchObject({ confirmed: 0, failed: 0, pending: 2 });

    // One is mined again in a later block: confirmed again, there, with no second trade_confirmed.
    const remined = await market.mined(
      await market.publicClient.sendRawTransaction({ serializedTransaction: again.raw }),
    );
    expect(remined.transactionHash).toBe(again.receipt.transactionHash);
    expect(remined.blockNumber).toBeGreaterThan(again.receipt.blockNumber);
    await due(againId);
    expect(await confirmer(spyClient().client).runOnce()).toMatchObject({ confirmed: 1 });
    expect(await row(againId)).toMatchObject({
      status: 'confirmed',
      settled_from: 'receipt',
      block_number: String(remined.blockNumber),
      receipt_block_hash: remined.blockHash,
      final: false,
      confirmed_once: true,
    });
    expect(await events(againId)).toEqual({ trade_submitted: 1, trade_confirmed: 1 });
    // The buyer is told once, too.
    const [told] = await db.sql.query<{ n: number }>(
      `select count(*)::int as n from public.miniapp_notifications where kind = 'trade_confirmed' and subject = $1`,
      [again.receipt.transactionHash],
    );
    expect(told?.n).toBe(1);

    // The other is gone for good: failed as any report the node never saw, counted from the reorg.
    await due(goneId);
    const later = () => new Date(Date.now() + 151_000);
    expect(await confirmer(spyClient().client, { now: later }).runOnce()).toMatchObject({ failed: 1 });
    expect(await row(goneId)).toMatchObject({ status: 'failed', failure_reason: 'not found' });
    expect(await events(goneId)).toEqual({ trade_submitted: 1, trade_confirmed: 1, trade_failed: 1 });

    // The re-confirmed one becomes final at its new block.
    await testClient().mine({ blocks: 2 });
    await due(againId);
    expect(await confirmer(spyClient().client).runOnce()).toMatchObject({ final: 1 });
    expect(await row(againId)).toMatchObject({ final: true, receipt_block_hash: remined.blockHash });
  });

  it('changes nothing on RPC errors during a re-check and backs off, then finalises when the chain answers', async () => {
    const { receipt } = await buy(user(3), coin.coin);
    const id = await confirmed(receipt, user(3));
    const before = await row(id);
    const down = () => Promise.reject(new Error('connection refused'));
    const waits: number[] = [];
    for (const override of [
      { getTransactionReceipt: down },
      { getBlockNumber: down },
      {
        getBlock: down,
        getTransactionReceipt: () =>
          Promise.reject(new TransactionReceiptNotFoundError({ hash: receipt.transactionHash })),
      },
    ]) {
      await due(id);
      expect(await confirmer(spyClient(override).client).runOnce()).toMatchObject({ final: 0, reorged: 0 });
      const now = await row(id);
      expect(now).toMatchObject({
        status: 'confirmed',
        block_number: before?.block_number,
        amount_out: before?.amount_out,
        receipt_block_hash: receipt.blockHash,
        final: false,
        index_correction: null,
      });
      waits.push(now?.wait ?? 0);
    }
    expect(waits).toEqual([5, 10, 20]);
    await testClient().mine({ blocks: 2 });
    await due(id);
    expect(await confirmer(spyClient().client).runOnce()).toMatchObject({ final: 1 });
    expect(await events(id)).toEqual({ trade_submitted: 1, trade_confirmed: 1 });
  });

  it('does not act on hostile or inconsistent answers: another transaction, a malformed block hash, a node behind or still holding the block', async () => {
    const victim = await buy(user(4), coin.coin);
    const other = await buy(user(4), coin.coin, parseEther('0.05'));
    const id = await confirmed(victim.receipt, user(4));
    const tx = victim.receipt.transactionHash;
    const real = market.publicClient;
    const hostile: Partial<TradeConfirmerOptions['publicClient']>[] = [
      // Another transaction's receipt (in another block).
      { getTransactionReceipt: () => real.getTransactionReceipt({ hash: other.receipt.transactionHash }) },
      // Its own receipt with a block hash of the wrong length, or not hex.
      {
        getTransactionReceipt: async (args) => ({
          ...(await real.getTransactionReceipt(args)),
          blockHash: `${victim.receipt.blockHash}00` as Hex,
        }),
      },
      {
        getTransactionReceipt: async (args) => ({
          ...(await real.getTransactionReceipt(args)),
          blockHash: `0x${'zz'.repeat(32)}` as Hex,
        }),
      },
      // No receipt from a node whose head is behind the confirmation.
      {
        getTransactionReceipt: () => Promise.reject(new TransactionReceiptNotFoundError({ hash: tx })),
        getBlockNumber: async () => victim.receipt.blockNumber - 1n,
      },
      // No receipt from a node whose block at that height is still the confirmation's.
      { getTransactionReceipt: () => Promise.reject(new TransactionReceiptNotFoundError({ hash: tx })) },
    ];
    for (const override of hostile) {
      await due(id);
      expect(await confirmer(spyClient(override).client).runOnce()).toMatchObject({ final: 0, reorged: 0 });
      expect(await row(id)).toMatchObject({
        status: 'confirmed',
        block_number: String(victim.receipt.blockNumber),
        receipt_block_hash: victim.receipt.blockHash,
        final: false,
        index_correction: null,
      });
    }

    // The same at the first settlement: another transaction's receipt (more coins) or a malformed block hash never
    // confirms a report; it stays pending until the node answers for its own transaction.
    const fresh = await buy(user(5), coin.coin);
    const more = await buy(user(5), coin.coin, parseEther('0.08'));
    const freshId = await report(fresh.receipt.transactionHash, user(5).address);
    for (const override of [
      { getTransactionReceipt: () => real.getTransactionReceipt({ hash: more.receipt.transactionHash }) },
      {
        getTransactionReceipt: async (args: { hash: Hex }) => ({
          ...(await real.getTransactionReceipt(args)),
          blockHash: '0x1234' as Hex,
        }),
      },
    ] as Partial<TradeConfirmerOptions['publicClient']>[]) {
      await due(freshId);
      expect(await confirmer(spyClient(override).client).runOnce()).toMatchObject({ confirmed: 0, pending: 1 });
      expect(await row(freshId)).toMatchObject({ status: 'pending', amount_out: null });
    }
    await due(freshId);
    expect(await confirmer(spyClient().client).runOnce()).toMatchObject({ confirmed: 1 });
    expect(await row(freshId)).toMatchObject({ status: 'confirmed', receipt_block_hash: fresh.receipt.blockHash });
  });

  it('racing confirmers finalise, undo and settle again each trade once', async () => {
    // Only this test's trades are re-checked here.
    await db.sql.query(`update public.trades set next_check_at = now() + interval '1 hour' where status = 'confirmed'`);
    const buyers = [6, 0, 3, 4].map(user);
    const bought = [];
    for (const b of buyers) bought.push(await buy(b, coin.coin));
    const ids: number[] = [];
    for (const [i, b] of bought.entries())
      ids.push(await report(b.receipt.transactionHash, buyers[i]?.address ?? '0x'));
    const race = (extra: Partial<TradeConfirmerOptions> = {}) =>
      Promise.all(
        [1, 2, 3, 4].map((n) => confirmer(spyClient().client, { worker: `racer-${n}`, batch: 1, ...extra }).runOnce()),
      );
    const total = { confirmed: 0, final: 0, reorged: 0 };
    const tally = async () => {
      for (const run of await race()) {
        total.confirmed += run.confirmed;
        total.final += run.final;
        total.reorged += run.reorged;
      }
    };
    await tally();
    expect(total.confirmed).toBe(4);

    // The last two blocks replaced: two trades undone, once each, while four confirmers re-check all four (the two
    // older ones are deep enough: final).
    await reorg(2, coin.coin);
    await due(...ids);
    for (let i = 0; i < 4 && total.reorged + total.final < 4; i += 1) await tally();
    expect(total).toEqual({ confirmed: 4, final: 2, reorged: 2 });
    const statuses = await Promise.all(ids.map(async (id) => (await row(id))?.status));
    expect(statuses).toEqual(['confirmed', 'confirmed', 'pending', 'pending']);

    // Mined again, settled again once each; then final once each.
    for (const b of bought.slice(2)) {
      await market.mined(await market.publicClient.sendRawTransaction({ serializedTransaction: b.raw }));
    }
    await due(...ids.slice(2));
    await tally();
    expect(total.confirmed).toBe(6);
    await testClient().mine({ blocks: 2 });
    await due(...ids);
    for (let i = 0; i < 4 && total.final < 4; i += 1) await tally();
    expect(total).toEqual({ confirmed: 6, final: 4, reorged: 2 });
    for (const id of ids) {
      expect(await row(id)).toMatchObject({ status: 'confirmed', final: true });
      expect(await events(id)).toEqual({ trade_submitted: 1, trade_confirmed: 1 });
    }
  });

  it('applies a re-check only for the lease holder, under the guard; a reporter cannot make a settled trade due again', async () => {
    const { receipt } = await buy(user(5), coin.coin);
    const id = await confirmed(receipt, user(5));
    await db.sql.query(`update public.trades set next_check_at = now() + interval '1 hour' where status = 'confirmed'`);
    await due(id);
    const [claimed] = await db.stores.trading.claimReceiptRechecks('slow', 5, 30);
    expect(claimed).toMatchObject({ id, blockHash: receipt.blockHash, blockNumber: Number(receipt.blockNumber) });
    // Nobody else gets it while leased; the lease runs out, another checker takes it, the first one's answer is void.
    expect(await db.stores.trading.claimReceiptRechecks('fast', 5, 30)).toEqual([]);
    await db.sql.query(`update public.trades set lease_until = now() - interval '1 second' where id = $1`, [id]);
    expect((await db.stores.trading.claimReceiptRechecks('fast', 5, 30)).map((t) => t.id)).toEqual([id]);
    expect(await db.stores.trading.settleReceiptRecheck(id, 'slow', { outcome: 'reorged', receipt: null })).toBe(
      'not_owner',
    );
    expect(await db.stores.trading.renewReceiptRecheckLease('slow', [id], 30)).toBe(false);
    expect(await db.stores.trading.renewReceiptRecheckLease('fast', [id], 30)).toBe(true);
    // A provisional confirmation is no pending trade: settle_trade leaves it alone.
    expect(await db.stores.trading.settleTrade(id, 'fast', { status: 'failed', reason: 'late' })).toBe('confirmed');
    // A re-check answer naming the confirmation's own block as "elsewhere" is refused.
    await expect(
      db.stores.trading.settleReceiptRecheck(id, 'fast', {
        outcome: 'reorged',
        receipt: { blockNumber: receipt.blockNumber, blockHash: receipt.blockHash },
      }),
    ).rejects.toThrow();
    expect(
      await db.stores.trading.settleReceiptRecheck(id, 'fast', {
        outcome: 'provisional',
        blockHash: receipt.blockHash,
        blockNumber: receipt.blockNumber,
        retrySeconds: 30,
      }),
    ).toBe('provisional');

    // Outside the re-check and index functions, a confirmation's status, hash, finality and first confirmation
    // cannot be changed.
    for (const change of [
      `status = 'pending', amount_out = null, block_number = null, settled_at = null, settled_from = null,
         receipt_block_hash = null`,
      `receipt_block_hash = '0x${'e'.repeat(64)}'`,
      `receipt_final_at = now()`,
      `first_confirmed_at = now() - interval '1 day'`,
    ]) {
      await expect(db.sql.query(`update public.trades set ${change} where id = $1`, [id])).rejects.toThrow();
    }
    // Bad states are unrepresentable: a hash on a pending trade, a final mark without a hash.
    const pendingId = await report(`0x${'5e'.repeat(32)}`, user(6).address);
    await expect(
      db.sql.query(`update public.trades set receipt_block_hash = '0x${'e'.repeat(64)}' where id = $1`, [pendingId]),
    ).rejects.toThrow(/trades_receipt_hash_of_receipt_confirmation/);
    await expect(
      db.sql.query(`update public.trades set receipt_final_at = now() where id = $1`, [pendingId]),
    ).rejects.toThrow(/trades_receipt_final_has_hash/);

    // The reporter reports it again (and again): the same row, not due any sooner, no new analytics.
    const waitBefore = (await row(id))?.wait ?? 0;
    const fid = (await db.stores.trading.getTrade(8453, receipt.transactionHash))?.fid ?? null;
    for (let i = 0; i < 3; i += 1) {
      const again = await db.stores.trading.recordPendingTrade({
        source: 'frame',
        chainId: 8453,
        txHash: receipt.transactionHash,
        fid,
        buyer: user(5).address.toLowerCase(),
        coinAddress: coin.coin.toLowerCase(),
      });
      expect(again).toMatchObject({ recorded: true, id, status: 'confirmed', created: false });
    }
    expect((await row(id))?.wait).toBeGreaterThanOrEqual(waitBefore - 1);
    expect(await events(id)).toEqual({ trade_submitted: 1, trade_confirmed: 1 });
  });
  it('leaves a re-check in flight to the indexer once it took the trade over (last: it indexes the whole coin)', async () => {
    const { receipt } = await buy(user(6), coin.coin);
    const id = await confirmed(receipt, user(6));
    await due(id);
    const [claimed] = (await db.stores.trading.claimReceiptRechecks('slow', 50, 60)).filter((t) => t.id === id);
    expect(claimed?.id).toBe(id);
    // The indexer reaches the swap meanwhile: the confirmation becomes an index settlement (hash and finality gone).
    const indexer = createChainIndexer({
      chainId: 8453,
      chain: createIndexerChain(devnet.rpcUrl),
      store: db.stores.market,
      leases: db.stores.jobs,
      logger: silentLogger,
      holder: 'indexer-recheck',
      confirmations: 0,
      blockRange: 50,
      leaseSeconds: 2,
      backoffMs: 10,
    });
    for (let i = 0; i < 200 && (await row(id))?.settled_from !== 'index'; i += 1) await indexer.runOnce();
    expect(await row(id)).toMatchObject({ status: 'confirmed', settled_from: 'index', receipt_block_hash: null });
    // The slow checker's answer changes nothing, and the trade is no longer re-checked.
    expect(await db.stores.trading.settleReceiptRecheck(id, 'slow', { outcome: 'reorged', receipt: null })).toBe(
      'index',
    );
    expect(await row(id)).toMatchObject({ status: 'confirmed', settled_from: 'index' });
    await due(id);
    expect((await db.stores.trading.claimReceiptRechecks('later', 200, 60)).map((t) => t.id)).not.toContain(id);
  });
});
