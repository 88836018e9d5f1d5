/** Reported trades settled from the indexed swap, on the devnet and both databases: a buy and a sell confirmed from
 * coin_trades with no receipt read (the confirmer's chain client is a spy that fails the test when asked), the
 * receipt path's rules still refusing forged reports on the indexed path (someone else's swap, a foreign router, a
 * swap of another coin), the receipt path settling first and the indexer reconciling after it (the indexed amounts
 * win, the difference is kept), and a reorg that rolls back the swap of a confirmed trade (back to pending). */
import {
  type Address,
  createTestClient,
  createWalletClient,
  encodeFunctionData,
  erc20Abi,
  type Hex,
  http,
  parseEther,
  parseEventLogs,
  type TransactionReceipt,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devSwapRouterAbi } from '../scripts/devnet/devAbis.ts';
import { type Devnet, type DevnetAccount, startDevnet } from '../scripts/devnet/startDevnet.ts';
import { castHash } from '../scripts/neynarPayloads.ts';
import { withPgClient } from '../src/db/postgres.ts';
import { transferEventAbi } from '../src/market/coinHookAbi.ts';
import { type ChainIndexer, createChainIndexer } from '../src/market/createChainIndexer.ts';
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
const wallet = (a: DevnetAccount) =>
  createWalletClient({
    chain: devnet.chain,
    transport: http(devnet.rpcUrl),
    account: privateKeyToAccount(a.privateKey),
  });

/** Sell coins through the devnet router (approve, then sellForEth to the seller). */
async function routerSell(seller: DevnetAccount, coin: Address, amount: bigint): Promise<TransactionReceipt> {
  await market.mined(
    await wallet(seller).writeContract({
      address: coin,
      abi: erc20Abi,
      functionName: 'approve',
      args: [devnet.addresses.swapRouter, amount],
    }),
  );
  return market.mined(
    await wallet(seller).writeContract({
      address: devnet.addresses.swapRouter,
      abi: devSwapRouterAbi,
      functionName: 'sellForEth',
      args: [coin, amount, 0n, seller.address],
    }),
  );
}

/** The coins `to` received in a receipt (what the receipt path counts). */
const coinsTo = (receipt: TransactionReceipt, coin: Address, to: Address) =>
  parseEventLogs({ abi: transferEventAbi, logs: receipt.logs, eventName: 'Transfer' })
    .filter((l) => l.address.toLowerCase() === coin.toLowerCase() && l.args.to.toLowerCase() === to.toLowerCase())
    .reduce((sum, l) => sum + l.args.value, 0n);

async function runUntilIdle(indexer: ChainIndexer): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    const { leader, steps } = await indexer.runOnce();
    if (!leader) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    if (steps.at(-1)?.kind === 'idle') return;
  }
  throw new Error('the indexer never caught up');
}

describe.each(databaseTargets())('trades settled from the indexed swap with $name', (target: DatabaseTarget) => {
  let db: TestDatabase;
  let coin: DevCoin;
  let other: DevCoin;
  let nextFid = 9100;

  beforeAll(async () => {
    db = await target.create();
    coin = await market.createCoin('IDX');
    other = await market.createCoin('OTH');
    await registerCoin(db, castHash(Math.floor(Math.random() * 2 ** 40), 'f'), 7200, coin);
    await registerCoin(db, castHash(Math.floor(Math.random() * 2 ** 40), 'f'), 7201, other);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });

  const index = () =>
    runUntilIdle(
      createChainIndexer({
        chainId: 8453,
        chain: createIndexerChain(devnet.rpcUrl),
        store: db.stores.market,
        leases: db.stores.jobs,
        logger: silentLogger,
        holder: 'indexer-settle',
        confirmations: 0,
        blockRange: 50,
        leaseSeconds: 2,
        backoffMs: 10,
      }),
    );

  /** The confirmer's chain client: counts receipt and transaction reads; `strict` makes any read fail the test. */
  const spyClient = (strict: boolean) => {
    const reads: string[] = [];
    const client: TradeConfirmerOptions['publicClient'] = {
      chain: market.publicClient.chain,
      getTransactionReceipt: async (args) => {
        reads.push(`receipt ${args.hash}`);
        if (strict) throw new Error('the confirmer read a receipt for a swap the indexer saw');
        return market.publicClient.getTransactionReceipt(args);
      },
      getTransaction: async (args) => {
        reads.push(`transaction ${args.hash}`);
        if (strict) throw new Error('the confirmer read a transaction for a swap the indexer saw');
        return market.publicClient.getTransaction(args);
      },
      getBlockNumber: (args) => market.publicClient.getBlockNumber(args),
      getBlock: (args) => market.publicClient.getBlock(args),
    };
    return { reads, client };
  };
  const confirm = async (strict: boolean) => {
    const spy = spyClient(strict);
    const run = await createTradeConfirmer({
      store: db.stores.trading,
      publicClient: spy.client,
      logger: silentLogger,
      allowedRouters: routerAllowlist([{ chainId: 8453, address: devnet.addresses.swapRouter }]),
      poolManager: devnet.addresses.poolManager,
      // Receipt confirmations' re-checks (test/receiptReorg.test.ts) would read receipts the spy counts.
      recheckAfterSeconds: 3600,
    }).runOnce();
    return { run, reads: spy.reads };
  };
  const report = async (
    txHash: Hex,
    buyer: Address,
    side: 'buy' | 'sell' = 'buy',
    coinAddress: Address = coin.coin,
  ) => {
    const outcome = await db.stores.trading.recordPendingTrade({
      source: 'api',
      side,
      chainId: 8453,
      txHash,
      fid: nextFid++,
      buyer: buyer.toLowerCase(),
      coinAddress: coinAddress.toLowerCase(),
    });
    if (!outcome.recorded) throw new Error(`report refused: ${outcome.reason}`);
    return outcome.id;
  };
  const row = async (id: number) =>
    (
      await db.sql.query<{
        status: string;
        amount_out: string | null;
        amount_in_wei: string | null;
        block_number: string | null;
        failure_reason: string | null;
        settled_from: string | null;
        index_correction: Record<string, unknown> | null;
        linked: boolean;
      }>(
        `select status, amount_out::text, amount_in_wei::text, block_number::text, failure_reason, settled_from,
           index_correction,
           exists (select 1 from public.coin_trades c where c.trade_id = t.id) as linked
         from public.trades t where id = $1`,
        [id],
      )
    )[0];

  it('confirms a buy from the indexed swap without reading a receipt, with the amounts the receipt shows', async () => {
    const receipt = await market.routerBuy(user(0), coin.coin, parseEther('0.3'));
    await index();
    const id = await report(receipt.transactionHash, user(0).address);
    const { run, reads } = await confirm(true);
    expect(reads).toEqual([]);
    expect(run).toMatchObject({ confirmed: 1, failed: 0, pending: 0 });
    expect(await row(id)).toMatchObject({
      status: 'confirmed',
      settled_from: 'index',
      amount_out: String(coinsTo(receipt, coin.coin, user(0).address)),
      amount_in_wei: String(parseEther('0.3')),
      block_number: String(receipt.blockNumber),
      linked: true,
    });
    expect(coinsTo(receipt, coin.coin, user(0).address)).toBeGreaterThan(0n);
  });

  it('confirms a sell through our router from the indexed swap: coins sold and the ETH the router paid out', async () => {
    const held = await market.balanceOf(coin.coin, user(0).address);
    const receipt = await routerSell(user(0), coin.coin, held / 2n);
    const [sold] = parseEventLogs({ abi: devSwapRouterAbi, logs: receipt.logs, eventName: 'Sold' });
    await index();
    const id = await report(receipt.transactionHash, user(0).address, 'sell');
    const { run, reads } = await confirm(true);
    expect(reads).toEqual([]);
    expect(run).toMatchObject({ confirmed: 1, failed: 0, pending: 0 });
    expect(sold?.args.ethOut).toBeGreaterThan(0n);
    expect(await row(id)).toMatchObject({
      status: 'confirmed',
      settled_from: 'index',
      amount_out: String(sold?.args.ethOut),
      amount_in_wei: String(held / 2n),
      block_number: String(receipt.blockNumber),
      linked: true,
    });
  });

  it("refuses on the indexed path, without a receipt, a report of someone else's swap and a foreign router", async () => {
    const victims = await market.routerBuy(user(1), coin.coin, parseEther('0.05'));
    const foreign = await market.poolSwap(user(2), coin.key, { buyWei: parseEther('0.05') });
    const foreignSell = await market.poolSwap(user(2), coin.key, { sellCoins: 10n ** 18n });
    await index();
    const stolen = await report(victims.transactionHash, user(3).address);
    const viaForeign = await report(foreign.transactionHash, user(2).address);
    const sellViaForeign = await report(foreignSell.transactionHash, user(2).address, 'sell');
    const { run, reads } = await confirm(true);
    expect(reads).toEqual([]);
    expect(run).toMatchObject({ confirmed: 0, failed: 3, pending: 0 });
    expect(await row(stolen)).toMatchObject({
      status: 'failed',
      failure_reason: 'sent by another address',
      settled_from: 'index',
      linked: false,
    });
    for (const id of [viaForeign, sellViaForeign]) {
      expect(await row(id)).toMatchObject({
        status: 'failed',
        failure_reason: 'not a buy through an allowed router',
        settled_from: 'index',
      });
    }
    // Through our router but paying the coins to another address, and a buy reported as a sell: the pool's amounts
    // in coin_trades are not what the reporter received, the indexed transfers are.
    const elsewhere = await market.mined(
      await wallet(user(4)).writeContract({
        address: devnet.addresses.swapRouter,
        abi: devSwapRouterAbi,
        functionName: 'buyWithEth',
        args: [coin.coin, 0n, user(5).address],
        value: parseEther('0.01'),
      }),
    );
    const bought = await market.routerBuy(user(2), coin.coin, parseEther('0.01'));
    await index();
    const notReceived = await report(elsewhere.transactionHash, user(4).address);
    const buyAsSell = await report(bought.transactionHash, user(2).address, 'sell');
    const second = await confirm(true);
    expect(second.reads).toEqual([]);
    expect(second.run).toMatchObject({ confirmed: 0, failed: 2, pending: 0 });
    expect(await row(notReceived)).toMatchObject({ status: 'failed', failure_reason: 'no coins received' });
    expect(await row(buyAsSell)).toMatchObject({ status: 'failed', failure_reason: 'no coins sold' });

    // The victim's own report is still confirmed, from the index.
    const own = await report(victims.transactionHash, user(1).address);
    expect((await confirm(true)).run).toMatchObject({ confirmed: 1, failed: 0, pending: 0 });
    expect(await row(own)).toMatchObject({ status: 'confirmed', settled_from: 'index', linked: true });
  });

  it('falls back to the receipt for a report naming a coin the swap is not for, and fails it', async () => {
    const receipt = await market.routerBuy(user(4), other.coin, parseEther('0.05'));
    await index();
    const id = await report(receipt.transactionHash, user(4).address, 'buy', coin.coin);
    const { run, reads } = await confirm(false);
    expect(run).toMatchObject({ confirmed: 0, failed: 1, pending: 0 });
    expect(reads).toContain(`receipt ${receipt.transactionHash}`);
    expect(await row(id)).toMatchObject({
      status: 'failed',
      failure_reason: 'no coins received',
      settled_from: 'receipt',
    });
  });

  it('settles from the receipt before the indexer saw the swap; the indexer then takes over, and its amounts win', async () => {
    const agreeing = await market.routerBuy(user(5), coin.coin, parseEther('0.02'));
    const disagreeing = await market.routerBuy(user(6), coin.coin, parseEther('0.02'));
    const agree = await report(agreeing.transactionHash, user(5).address);
    const disagree = await report(disagreeing.transactionHash, user(6).address);
    const { run, reads } = await confirm(false);
    expect(run).toMatchObject({ confirmed: 2, failed: 0, pending: 0 });
    expect(reads).toContain(`receipt ${agreeing.transactionHash}`);
    const truth = coinsTo(disagreeing, coin.coin, user(6).address);
    expect(await row(disagree)).toMatchObject({ settled_from: 'receipt', amount_out: String(truth), linked: false });
    // A receipt from a fork that lost (a reorg the receipt path cannot see): amounts and block off by one. Only the
    // index settlement functions may change a confirmed trade; the flag stands in for them here.
    await db.sql.query(
      `do $$ begin
         perform set_config('gigavibe.index_settlement', 'on', true);
         update public.trades set amount_out = amount_out + 1, block_number = block_number - 1 where id = ${disagree};
       end $$`,
    );
    await expect(
      db.sql.query('update public.trades set amount_out = amount_out + 1 where id = $1', [disagree]),
    ).rejects.toThrow(/already confirmed/);

    await index();
    expect(await row(agree)).toMatchObject({
      status: 'confirmed',
      settled_from: 'index',
      amount_out: String(coinsTo(agreeing, coin.coin, user(5).address)),
      block_number: String(agreeing.blockNumber),
      index_correction: null,
      linked: true,
    });
    expect(await row(disagree)).toMatchObject({
      status: 'confirmed',
      settled_from: 'index',
      amount_out: String(truth),
      block_number: String(disagreeing.blockNumber),
      index_correction: {
        receipt: { amountOut: String(truth + 1n), blockNumber: Number(disagreeing.blockNumber) - 1 },
        correctedAt: expect.any(String),
      },
      linked: true,
    });
  });

  it('corrects a receipt settlement that lands after the indexer already saw the swap', async () => {
    const receipt = await market.routerBuy(user(7), coin.coin, parseEther('0.02'));
    const id = await report(receipt.transactionHash, user(7).address);
    await index();
    // The confirmer read the receipt before the swap was indexed and settles after it: settle_trade checks it.
    const [claimed] = await db.stores.trading.claimPendingTrades('late-receipt', 5, 30);
    expect(claimed?.id).toBe(id);
    const truth = coinsTo(receipt, coin.coin, user(7).address);
    expect(
      await db.stores.trading.settleTrade(id, 'late-receipt', {
        status: 'confirmed',
        blockNumber: receipt.blockNumber + 5n,
        amountOut: truth * 2n,
      }),
    ).toBe('confirmed');
    expect(await row(id)).toMatchObject({
      settled_from: 'index',
      amount_out: String(truth),
      block_number: String(receipt.blockNumber),
      index_correction: { receipt: { amountOut: String(truth * 2n) } },
    });
  });

  it('puts an index settlement back to pending when its swap was rolled back between the read and the settle', async () => {
    const receipt = await market.routerBuy(user(5), other.coin, parseEther('0.01'));
    await index();
    const id = await report(receipt.transactionHash, user(5).address, 'buy', other.coin);
    const [claimed] = await db.stores.trading.claimPendingTrades('slow-settler', 5, 30);
    expect(claimed?.id).toBe(id);
    const truth = coinsTo(receipt, other.coin, user(5).address);
    // What the confirmer decided from the index, then the rollback (rollback_market deletes the rows) lands first.
    await db.sql.query('delete from public.coin_trades where tx_hash = $1', [receipt.transactionHash]);
    expect(
      await db.stores.trading.settleTrade(id, 'slow-settler', {
        status: 'confirmed',
        blockNumber: receipt.blockNumber,
        amountOut: truth,
        source: 'index',
      }),
    ).toBe('pending');
    expect(await row(id)).toMatchObject({ status: 'pending', amount_out: null, settled_from: null });
    // The transaction is still on the chain: with nothing indexed, the receipt path settles it.
    await db.sql.query('update public.trades set next_check_at = now() where id = $1', [id]);
    expect((await confirm(false)).run).toMatchObject({ confirmed: 1, failed: 0, pending: 0 });
    expect(await row(id)).toMatchObject({ status: 'confirmed', settled_from: 'receipt', amount_out: String(truth) });
  });

  // Two sessions racing on one transaction's lock: PGlite has a single session, so this runs on PostgreSQL only.
  if (target.name === 'postgres') {
    it('makes a receipt settlement wait for the indexer step holding its transaction, then take the indexed amounts', async () => {
      const receipt = await market.routerBuy(user(6), coin.coin, parseEther('0.01'));
      await index();
      const id = await report(receipt.transactionHash, user(6).address);
      const truth = coinsTo(receipt, coin.coin, user(6).address);
      const tx = receipt.transactionHash;
      // As if not indexed yet: the facts become visible only when the "step" below commits.
      const [facts] = await db.sql.query<{ tx_from: string }>(
        'select tx_from from public.coin_trades where tx_hash = $1',
        [tx],
      );
      await db.sql.query('update public.coin_trades set tx_from = null where tx_hash = $1', [tx]);
      const [claimed] = await db.stores.trading.claimPendingTrades('racer', 5, 30);
      expect(claimed?.id).toBe(id);
      await withPgClient(db.url ?? '', async (step) => {
        await step.query('begin');
        await step.query('select public.lock_trade_tx(8453, $1)', [tx]);
        await step.query('update public.coin_trades set tx_from = $2 where tx_hash = $1', [tx, facts?.tx_from]);
        const settled = db.stores.trading.settleTrade(id, 'racer', {
          status: 'confirmed',
          blockNumber: receipt.blockNumber,
          amountOut: truth + 7n,
        });
        // The settle is waiting for the transaction's lock (a state, not a duration).
        let waiting = 0;
        for (let i = 0; i < 400 && waiting === 0; i += 1) {
          const [w] = await db.sql.query<{ n: number }>(
            `select count(*)::int as n from pg_stat_activity
               where datname = current_database() and wait_event_type = 'Lock' and wait_event = 'advisory'`,
          );
          waiting = w?.n ?? 0;
          if (waiting === 0) await new Promise((resolve) => setTimeout(resolve, 25));
        }
        expect(waiting).toBe(1);
        await step.query('commit');
        expect(await settled).toBe('confirmed');
      });
      expect(await row(id)).toMatchObject({
        status: 'confirmed',
        settled_from: 'index',
        amount_out: String(truth),
        index_correction: { receipt: { amountOut: String(truth + 7n) } },
      });
    });
  }

  it('puts a confirmation back to pending when a reorg rolls its indexed swap back, never re-confirms it from a receipt that is gone, and settles it again where it is mined again', async () => {
    // A generous gas limit: the same signed transaction is mined again below, on a pool state the reorg changed.
    const receipt = await market.mined(
      await wallet(user(3)).writeContract({
        address: devnet.addresses.swapRouter,
        abi: devSwapRouterAbi,
        functionName: 'buyWithEth',
        args: [coin.coin, 0n, user(3).address],
        value: parseEther('0.04'),
        gas: 1_000_000n,
      }),
    );
    await index();
    const id = await report(receipt.transactionHash, user(3).address);
    expect((await confirm(true)).run).toMatchObject({ confirmed: 1, failed: 0, pending: 0 });
    expect(await row(id)).toMatchObject({ status: 'confirmed', settled_from: 'index' });

    // The signed transaction, to send it again after the reorg (anvil drops the transactions of replaced blocks).
    const raw = (await market.publicClient.request({
      method: 'eth_getRawTransactionByHash' as never,
      params: [receipt.transactionHash] as never,
    })) as Hex;
    // Replace the swap's block (same height, new hash): user 1 buys instead.
    const head = await market.publicClient.getBlockNumber({ cacheTime: 0 });
    expect(head).toBe(receipt.blockNumber);
    const testClient = createTestClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), mode: 'anvil' });
    await testClient.request({
      method: 'anvil_reorg' as never,
      params: [
        1,
        [
          [
            {
              from: user(1).address,
              to: devnet.addresses.swapRouter,
              value: `0x${parseEther('0.01').toString(16)}`,
              data: encodeFunctionData({
                abi: devSwapRouterAbi,
                functionName: 'buyWithEth',
                args: [coin.coin, 0n, user(1).address],
              }),
              gas: '0x7a120',
            },
            0,
          ],
        ],
      ] as never,
    });
    await index();
    const after = await row(id);
    expect(after).toMatchObject({
      status: 'pending',
      amount_out: null,
      block_number: null,
      settled_from: null,
      linked: false,
      index_correction: {
        reorged: {
          blockNumber: Number(receipt.blockNumber),
          amountOut: String(coinsTo(receipt, coin.coin, user(3).address)),
        },
      },
    });
    // The transaction is not on the new chain: the receipt path finds no receipt and leaves it pending.
    const { run } = await confirm(false);
    expect(run.confirmed).toBe(0);
    expect((await row(id))?.status).toBe('pending');

    // The same signed transaction mined again in a later block: settled again, from the index, at its new block.
    const again = await market.mined(await market.publicClient.sendRawTransaction({ serializedTransaction: raw }));
    expect(again.transactionHash).toBe(receipt.transactionHash);
    expect(again.blockNumber).toBeGreaterThan(receipt.blockNumber);
    await index();
    const resettled = await confirm(true);
    expect(resettled.reads).toEqual([]);
    expect(resettled.run).toMatchObject({ confirmed: 1, failed: 0, pending: 0 });
    expect(await row(id)).toMatchObject({
      status: 'confirmed',
      settled_from: 'index',
      block_number: String(again.blockNumber),
      amount_out: String(coinsTo(again, coin.coin, user(3).address)),
      linked: true,
    });
  });
});
