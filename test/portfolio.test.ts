/** The portfolio routes against the devnet: after buys, a sell and plain transfers by several wallets, every balance
 * equals the chain's at the block the answer reports, the price is the pool's at that block, and the cost basis and
 * P&L follow average cost over the indexed swaps. The indexer's tables are filled here through SQL from the receipts
 * (as the indexer would from the same logs), so the test does not depend on the indexer running. */
import { Hono } from 'hono';
import {
  type Address,
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  erc20Abi,
  formatEther,
  type Hex,
  http,
  type PublicClient,
  parseEther,
  parseEventLogs,
  type TransactionReceipt,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devSwapRouterAbi } from '../scripts/devnet/devAbis.ts';
import { type Devnet, type DevnetAccount, startDevnet } from '../scripts/devnet/startDevnet.ts';
import { startZoraApiStandIn, type ZoraApiStandIn } from '../scripts/devnet/zoraApiStandIn.ts';
import { user, userUpdated } from '../scripts/neynarPayloads.ts';
import { createErrorHandler } from '../src/http/onError.ts';
import { createHoldingsReader } from '../src/portfolio/createHoldingsReader.ts';
import { portfolioRoutes } from '../src/portfolio/portfolioRoutes.ts';
import { silentLogger } from '../src/support/logger.ts';
import { createCoinPriceReader } from '../src/trading/createCoinPriceReader.ts';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';
import { deliverToStore } from './support/deliverToStore.ts';
import { createDevnetCoin, type DevnetCoin } from './support/devnetCoin.ts';

const API_KEY = 'portfolio-test-key';
const TRANSFER = 'Transfer';

let devnet: Devnet;
let standIn: ZoraApiStandIn;
let publicClient: PublicClient;

beforeAll(async () => {
  devnet = await startDevnet();
  standIn = await startZoraApiStandIn({ devnet, apiKey: API_KEY });
  publicClient = createPublicClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), pollingInterval: 50 });
});
afterAll(async () => {
  await standIn?.close();
  await devnet?.stop();
});

function account(index: number): DevnetAccount {
  const a = devnet.accounts.users[index];
  if (!a) throw new Error(`devnet has no user account ${index}`);
  return a;
}

async function send(from: DevnetAccount, tx: { to: Address; data: Hex; value?: bigint }) {
  const wallet = createWalletClient({
    chain: devnet.chain,
    transport: http(devnet.rpcUrl),
    account: privateKeyToAccount(from.privateKey),
  });
  const hash = await wallet.sendTransaction({ ...tx, gas: 600_000n });
  const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  expect(receipt.status).toBe('success');
  return receipt;
}

type Answer = {
  addresses: string[];
  blockNumber: string;
  totalValueWei: string;
  items: Record<string, unknown>[];
};

describe.each(databaseTargets())('portfolio on the devnet with $name', (target: DatabaseTarget) => {
  let db: TestDatabase;
  let song: DevnetCoin;
  let app: Hono;
  const artistFid = 70_000 + Math.floor(Math.random() * 1_000_000);
  const holderFid = artistFid + 5;

  /** Record what the indexer would: the coin's Transfers, and the router's Bought/Sold as swaps. */
  const index = async (receipt: TransactionReceipt) => {
    const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
    const at = new Date(Number(block.timestamp) * 1000).toISOString();
    for (const log of parseEventLogs({ abi: erc20Abi, eventName: TRANSFER, logs: receipt.logs })) {
      if (log.address.toLowerCase() !== song.coin.toLowerCase()) continue;
      await db.sql.query(
        `insert into public.coin_transfers (chain_id, coin_address, tx_hash, log_index, block_number, block_hash,
           from_address, to_address, amount) values (8453, $1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          song.coin.toLowerCase(),
          receipt.transactionHash,
          log.logIndex,
          Number(receipt.blockNumber),
          receipt.blockHash,
          log.args.from.toLowerCase(),
          log.args.to.toLowerCase(),
          log.args.value.toString(),
        ],
      );
    }
    for (const log of parseEventLogs({ abi: devSwapRouterAbi, logs: receipt.logs })) {
      if (log.eventName !== 'Bought' && log.eventName !== 'Sold') continue;
      const [side, trader, coins, eth] =
        log.eventName === 'Bought'
          ? (['buy', log.args.recipient, log.args.amountOut, log.args.ethIn] as const)
          : (['sell', log.args.seller, log.args.amountIn, log.args.ethOut] as const);
      await db.sql.query(
        `insert into public.coin_trades (chain_id, coin_address, performance_id, tx_hash, log_index, block_number,
           block_hash, block_time, trader, side, coin_amount, eth_amount, price_wei, sqrt_price_x96)
         select 8453, c.coin_address, c.performance_id, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, 1
         from public.performance_coins c where c.coin_address = $1`,
        [
          song.coin.toLowerCase(),
          receipt.transactionHash,
          log.logIndex,
          Number(receipt.blockNumber),
          receipt.blockHash,
          at,
          trader.toLowerCase(),
          side,
          coins.toString(),
          eth.toString(),
        ],
      );
    }
  };
  const buy = async (who: DevnetAccount, eth: string) =>
    index(
      await send(who, {
        to: devnet.addresses.swapRouter,
        data: encodeFunctionData({
          abi: devSwapRouterAbi,
          functionName: 'buyWithEth',
          args: [song.coin, 0n, who.address],
        }),
        value: parseEther(eth),
      }),
    );
  const sell = async (who: DevnetAccount, amount: bigint) => {
    await send(who, {
      to: song.coin,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [devnet.addresses.swapRouter, amount] }),
    });
    await index(
      await send(who, {
        to: devnet.addresses.swapRouter,
        data: encodeFunctionData({
          abi: devSwapRouterAbi,
          functionName: 'sellForEth',
          args: [song.coin, amount, 0n, who.address],
        }),
      }),
    );
  };
  const transfer = async (from: DevnetAccount, to: Address, amount: bigint) =>
    index(
      await send(from, {
        to: song.coin,
        data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] }),
      }),
    );
  const balanceAt = (owner: Address, blockNumber: bigint) =>
    publicClient.readContract({
      address: song.coin,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [owner],
      blockNumber,
    });
  const get = async (path: string) => {
    const res = await app.request(path);
    return { status: res.status, body: (await res.json()) as never };
  };
  const trades = async (trader: Address) =>
    db.sql.query<{ side: string; coin_amount: string; eth_amount: string }>(
      `select side, coin_amount::text, eth_amount::text from public.coin_trades where trader = $1
       order by block_number, log_index`,
      [trader.toLowerCase()],
    );

  beforeAll(async () => {
    db = await target.create();
    song = await createDevnetCoin(
      db,
      { devnet, standIn, apiKey: API_KEY },
      { fid: artistFid, address: account(7).address },
    );
    app = new Hono();
    app.onError(createErrorHandler(silentLogger));
    app.route(
      '/api',
      portfolioRoutes({
        store: db.stores.portfolio,
        chainId: 8453,
        readHoldings: createHoldingsReader({ publicClient, poolManager: devnet.addresses.poolManager }),
      }),
    );
    const [a, c] = [account(0), account(2)];
    await deliverToStore(db.stores.ingest, [
      userUpdated(
        user(holderFid, {
          verified_addresses: {
            eth_addresses: [a.address, c.address],
            sol_addresses: [],
            primary: { eth_address: a.address },
          },
        }),
      ),
    ]);
    // A mix: two buys by A, one by B, A sells part, A sends some to C, C sends a little back.
    await buy(a, '0.02');
    await buy(account(1), '0.05');
    await buy(a, '0.01');
    const held = await balanceAt(a.address, await publicClient.getBlockNumber());
    await sell(a, held / 3n);
    await transfer(a, c.address, held / 5n);
    await transfer(c, a.address, held / 50n);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('equals the chain at the reported block, with the pool price and average-cost P&L', async () => {
    const a = account(0);
    const { status, body } = await get(`/api/portfolio/${a.address}`);
    expect(status).toBe(200);
    const answer = body as Answer;
    const blockNumber = BigInt(answer.blockNumber);
    const balance = await balanceAt(a.address, blockNumber);
    const price = await createCoinPriceReader({
      publicClient,
      poolManager: devnet.addresses.poolManager,
      cacheSeconds: 0,
    })({
      address: song.coin,
      poolId: song.poolId,
      poolKey: null,
    });
    const [item] = answer.items as [{ priceWei: string }];
    expect(formatEther(BigInt(item.priceWei))).toBe(price?.ethPerCoin);
    const valueWei = (balance * BigInt(item.priceWei)) / 10n ** 18n;

    // Average cost by hand: two buys, then one sell of a third; the transfers move no cost.
    const [b1, b2, s1] = (await trades(a.address)).map((t) => ({
      coins: BigInt(t.coin_amount),
      eth: BigInt(t.eth_amount),
    })) as [{ coins: bigint; eth: bigint }, { coins: bigint; eth: bigint }, { coins: bigint; eth: bigint }];
    const qty = b1.coins + b2.coins;
    const cost = b1.eth + b2.eth;
    const costOut = (cost * s1.coins) / qty;
    const leftQty = qty - s1.coins;
    const leftCost = cost - costOut;
    // biome-ignore lint/complexity/useMathMinMax: bigints (Math.min takes numbers)
    const basis = (leftCost * (balance < leftQty ? balance : leftQty)) / leftQty;
    expect(answer).toEqual({
      addresses: [a.address.toLowerCase()],
      blockNumber: answer.blockNumber,
      totalValueWei: valueWei.toString(),
      items: [
        {
          coinAddress: song.coin.toLowerCase(),
          symbol: song.symbol,
          castHash: song.castHash,
          title: expect.any(String),
          artist: { fid: artistFid, username: `user${artistFid}`, displayName: `User ${artistFid}` },
          balance: balance.toString(),
          priceWei: item.priceWei,
          valueWei: valueWei.toString(),
          costBasisWei: basis.toString(),
          realizedPnlWei: (s1.eth - costOut).toString(),
          unrealizedPnlWei: (valueWei - basis).toString(),
        },
      ],
    });
  });

  it("sums a fid's verified addresses at one block; a wallet that only received by transfer has no cost", async () => {
    const [a, c] = [account(0), account(2)];
    const { status, body } = await get(`/api/users/${holderFid}/portfolio`);
    expect(status).toBe(200);
    const answer = body as Answer;
    const blockNumber = BigInt(answer.blockNumber);
    const total = (await balanceAt(a.address, blockNumber)) + (await balanceAt(c.address, blockNumber));
    expect(answer.addresses).toEqual([a.address.toLowerCase(), c.address.toLowerCase()].sort());
    expect(answer.items).toEqual([expect.objectContaining({ balance: total.toString() })]);

    const onlyC = (await get(`/api/portfolio/${c.address}`)).body as Answer;
    const cBalance = await balanceAt(c.address, BigInt(onlyC.blockNumber));
    expect(cBalance).toBeGreaterThan(0n);
    expect(onlyC.items).toEqual([
      expect.objectContaining({ balance: cBalance.toString(), costBasisWei: '0', realizedPnlWei: '0' }),
    ]);
    expect((onlyC.items[0] as { unrealizedPnlWei: string }).unrealizedPnlWei).toBe(
      (onlyC.items[0] as { valueWei: string }).valueWei,
    );
  });

  it('answers an empty portfolio for an address the indexer never saw, 400 for bad input, 404 for an unknown fid', async () => {
    const nobody = `0x${'5'.repeat(40)}`;
    expect(await get(`/api/portfolio/${nobody}`)).toEqual({
      status: 200,
      body: { addresses: [nobody], blockNumber: expect.stringMatching(/^\d+$/), totalValueWei: '0', items: [] },
    });
    for (const path of [
      '/api/portfolio/0x123',
      '/api/portfolio/vitalik.eth',
      '/api/users/0/portfolio',
      '/api/users/-1/portfolio',
      '/api/users/abc/portfolio',
      '/api/users/99999999999999999999/portfolio',
    ]) {
      expect((await get(path)).status).toBe(400);
    }
    expect(await get(`/api/users/${holderFid + 1_000_000_000}/portfolio`)).toEqual({
      status: 404,
      body: { error: 'Unknown fid' },
    });
  });
});
