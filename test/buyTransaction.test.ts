/** Buying a performance's coin end to end on the devnet (anvil + the Zora API stand-in): POST /api/tx/buy builds the
 * transaction, a funded account sends it, the reported trade is confirmed from its receipt; and every refusal. */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import {
  type Address,
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  erc20Abi,
  type Hex,
  http,
  keccak256,
  maxUint256,
  type PublicClient,
  parseEther,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devSwapRouterAbi } from '../scripts/devnet/devAbis.ts';
import { type Devnet, type DevnetAccount, startDevnet } from '../scripts/devnet/startDevnet.ts';
import { startZoraApiStandIn, type ZoraApiStandIn } from '../scripts/devnet/zoraApiStandIn.ts';
import { castDeleted, castHash, performanceCast, reaction, user } from '../scripts/neynarPayloads.ts';
import { createCoinChain } from '../src/coins/createCoinChain.ts';
import { createCoinWorker } from '../src/coins/createCoinWorker.ts';
import { createErrorHandler } from '../src/http/onError.ts';
import { silentLogger } from '../src/support/logger.ts';
import { buyRoute } from '../src/trading/buyRoute.ts';
import { createBuySimulator } from '../src/trading/createBuySimulator.ts';
import { createCoinPriceReader } from '../src/trading/createCoinPriceReader.ts';
import { createTradeConfirmer } from '../src/trading/createTradeConfirmer.ts';
import { createZoraQuoter } from '../src/trading/createZoraQuoter.ts';
import { BuyBuildError } from '../src/trading/errors.ts';
import { type PrepareBuyDeps, prepareBuy } from '../src/trading/prepareBuy.ts';
import { routerAllowlist } from '../src/trading/routerAllowlist.ts';
import type { BuyTarget } from '../src/trading/types.ts';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';
import { deliverToStore } from './support/deliverToStore.ts';
import { testApp } from './support/testApp.ts';
import { setParams } from './support/viralFixtures.ts';

const API_KEY = 'buy-test-key';

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

/** Send a transaction from a funded devnet account and wait for its receipt (gas fixed, so a revert is mined too). */
async function send(from: DevnetAccount, tx: { to: Address; data?: Hex; value: bigint }) {
  const wallet = createWalletClient({
    chain: devnet.chain,
    transport: http(devnet.rpcUrl),
    account: privateKeyToAccount(from.privateKey),
  });
  const hash = await wallet.sendTransaction({ ...tx, gas: 600_000n });
  const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  return { hash, receipt };
}

const balanceOf = (coin: Address, owner: Address) =>
  publicClient.readContract({ address: coin, abi: erc20Abi, functionName: 'balanceOf', args: [owner] });

describe.each(databaseTargets())('buying a coin on the devnet with $name', (target: DatabaseTarget) => {
  let db: TestDatabase;
  let metadataServer: ReturnType<typeof serve>;
  let coined: string;
  let buyTarget: BuyTarget;
  let coin: Address;
  let app: Hono;
  let deps: PrepareBuyDeps;
  /** Seconds after the coin's creation that the buy routes believe it is. */
  let coinAge = 60;
  const fid = 40_000 + Math.floor(Math.random() * 1_000_000);

  beforeAll(async () => {
    db = await target.create();
    await setParams(db, { threshold: 1, min_unique_engagers: 1 });
    const gv = testApp(db);
    metadataServer = serve({ fetch: gv.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => metadataServer.once('listening', () => resolve()));
    const publicUrl = `http://127.0.0.1:${(metadataServer.address() as AddressInfo).port}`;

    // A real coin, created the way production creates it: viral performance -> coin worker -> confirm_coin.
    coined = castHash(Math.floor(Math.random() * 2 ** 40), 'b');
    const artist = user(fid, { custody_address: account(6).address.toLowerCase() });
    await deliverToStore(db.stores.ingest, [
      performanceCast(coined, artist),
      reaction({ kind: 'created', type: 1, castHash: coined, reactor: user(fid + 1, { score: 0.9 }), at: Date.now() }),
    ]);
    await db.stores.viral.sweepViral();
    const chain = createCoinChain(
      {
        rpcUrl: devnet.rpcUrl,
        chainId: 8453,
        privateKey: devnet.accounts.platform.privateKey,
        zoraApiKey: API_KEY,
        zoraApiBaseUrl: standIn.url,
        platformReferrer: undefined,
      },
      { pollingIntervalMs: 50 },
    );
    const worker = createCoinWorker({ store: db.stores.coins, logger: silentLogger, chain, publicUrl });
    expect(await worker.runOnce()).toEqual([expect.objectContaining({ kind: 'confirmed' })]);
    const found = await db.stores.trading.getBuyTarget(coined);
    if (found?.coin == null) throw new Error('the coin was not confirmed');
    buyTarget = found;
    coin = found.coin.address as Address;

    const createdAt = Date.parse(found.coin.createdAt);
    deps = {
      store: db.stores.trading,
      chainId: 8453,
      bounds: { min: '0.0001', max: '1', default: '0.001' },
      slippage: 0.05,
      launchGuardSeconds: 15,
      now: () => new Date(createdAt + coinAge * 1000),
      quote: createZoraQuoter({ apiBaseUrl: standIn.url, apiKey: API_KEY, timeoutMs: 5000 }),
      allowedRouters: routerAllowlist([{ chainId: 8453, address: devnet.addresses.swapRouter }]),
      simulate: createBuySimulator(publicClient),
      routerAbis: [devSwapRouterAbi],
    };
    app = new Hono();
    app.onError(createErrorHandler(silentLogger));
    app.route('/api/tx/buy', buyRoute(deps));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => metadataServer?.close(() => resolve()));
    await db?.close();
  });

  const post = async (body: unknown, headers: Record<string, string> = {}) => {
    const res = await app.request('/api/tx/buy', {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...headers },
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as never };
  };

  const confirmer = (extra: Partial<Parameters<typeof createTradeConfirmer>[0]> = {}) =>
    createTradeConfirmer({
      store: db.stores.trading,
      publicClient,
      logger: silentLogger,
      allowedRouters: deps.allowedRouters,
      ...extra,
    });

  const report = (txHash: Hex, buyer: Address) =>
    db.stores.trading.recordPendingTrade({ source: 'api', chainId: 8453, txHash, fid: null, buyer, coinAddress: coin });

  /** Report, confirm, and answer the stored trade. */
  const settle = async (txHash: Hex, buyer: Address) => {
    await report(txHash, buyer);
    await confirmer().runOnce();
    return db.stores.trading.getTrade(8453, txHash);
  };

  it('refuses a coin inside the launch-fee window with 409 and the seconds to wait in Retry-After and the message', async () => {
    coinAge = 4.2;
    const res = await post({ castHash: coined, buyer: account(0).address });
    coinAge = 60;
    expect(res).toEqual({
      status: 409,
      retryAfter: '11',
      body: { error: 'Coin just launched; try again in 11 s' },
    });
  });

  it('builds a buy that a wallet sends; the balance rises by at least minAmountOut and the trade confirms', async () => {
    const buyer = account(0);
    const reader = createCoinPriceReader({ publicClient, poolManager: devnet.addresses.poolManager, cacheSeconds: 0 });
    const cached = createCoinPriceReader({
      publicClient,
      poolManager: devnet.addresses.poolManager,
      cacheSeconds: 3600,
    });
    const coinRef = { address: coin, poolId: buyTarget.coin?.poolId ?? null, poolKey: buyTarget.coin?.poolKey };
    const priceBefore = await reader(coinRef);
    expect(await cached(coinRef)).toEqual(priceBefore);
    expect(Number(priceBefore?.ethPerCoin)).toBeGreaterThan(0);

    const res = await post({
      castHash: coined.toUpperCase().replace('0X', '0x'),
      buyer: buyer.address,
      amountEth: '0.05',
    });
    expect(res.status).toBe(200);
    const tx = res.body as {
      chainId: number;
      to: Address;
      data: Hex;
      value: string;
      expectedAmountOut: string;
      minAmountOut: string;
      quoteId: number;
      coin: { address: string; symbol: string };
    };
    expect(tx).toEqual({
      chainId: 8453,
      to: devnet.addresses.swapRouter.toLowerCase(),
      data: expect.stringMatching(/^0x[0-9a-f]+$/),
      value: parseEther('0.05').toString(),
      expectedAmountOut: expect.stringMatching(/^[1-9]\d*$/),
      minAmountOut: ((BigInt(tx.expectedAmountOut) * 9500n) / 10000n).toString(),
      quoteId: expect.any(Number),
      coin: { address: coin.toLowerCase(), symbol: buyTarget.coin?.symbol },
    });
    const quoteRequest = standIn.requests.findLast((r) => r.pathname === '/quote');
    expect(quoteRequest?.headers['api-key']).toBe(API_KEY);
    expect(quoteRequest?.body).toMatchObject({
      amountIn: parseEther('0.05').toString(),
      sender: buyer.address.toLowerCase(),
      recipient: buyer.address.toLowerCase(),
      chainId: 8453,
      slippage: 0.05,
    });
    const [quoteRow] = await db.sql.query<Record<string, string>>(
      `select buyer, coin_address, router, calldata_hash, amount_in_wei::text, expected_out::text, min_out::text,
         source from public.trade_quotes where id = $1`,
      [tx.quoteId],
    );
    expect(quoteRow).toEqual({
      buyer: buyer.address.toLowerCase(),
      coin_address: coin.toLowerCase(),
      router: tx.to,
      calldata_hash: keccak256(tx.data),
      amount_in_wei: tx.value,
      expected_out: tx.expectedAmountOut,
      min_out: tx.minAmountOut,
      source: 'api',
    });

    const before = await balanceOf(coin, buyer.address);
    const { hash, receipt } = await send(buyer, { to: tx.to, data: tx.data, value: BigInt(tx.value) });
    expect(receipt.status).toBe('success');
    const delta = (await balanceOf(coin, buyer.address)) - before;
    expect(delta).toBeGreaterThanOrEqual(BigInt(tx.minAmountOut));

    const recorded = await report(hash, buyer.address);
    expect(recorded).toMatchObject({ status: 'pending', created: true, amountInWei: tx.value });
    const run = await confirmer().runOnce();
    expect(run.confirmed).toBeGreaterThanOrEqual(1);
    const trade = await db.stores.trading.getTrade(8453, hash);
    expect(trade).toMatchObject({
      status: 'confirmed',
      amountOut: delta.toString(),
      amountInWei: tx.value,
      expectedOut: tx.expectedAmountOut,
      blockNumber: Number(receipt.blockNumber),
      failureReason: null,
    });
    const [link] = await db.sql.query<{ quote_id: string }>(
      'select quote_id::text from public.trades where tx_hash = $1',
      [hash],
    );
    expect(Number(link?.quote_id)).toBe(tx.quoteId);

    // The buy made the coin dearer: ETH per coin rose. The cached reader still shows the old price.
    const priceAfter = await reader(coinRef);
    expect(Number(priceAfter?.ethPerCoin)).toBeGreaterThan(Number(priceBefore?.ethPerCoin));
    expect(priceAfter?.sqrtPriceX96).toBeLessThan(priceBefore?.sqrtPriceX96 ?? 0n);
    expect(await cached(coinRef)).toEqual(priceBefore);
    // The stored pool id alone gives the same price as the pool key.
    expect(await reader({ ...coinRef, poolKey: null })).toEqual(priceAfter);
  });

  it('answers 404 for an unknown cast and 409 for a performance with no coin yet', async () => {
    const plain = castHash(Math.floor(Math.random() * 2 ** 40), 'd');
    await deliverToStore(db.stores.ingest, [performanceCast(plain, user(fid + 2))]);
    expect(await post({ castHash: plain, buyer: account(0).address })).toEqual({
      status: 409,
      retryAfter: null,
      body: { error: 'No coin yet for this performance' },
    });
    expect(await post({ castHash: castHash(987_654, 'e'), buyer: account(0).address })).toMatchObject({
      status: 404,
      body: { error: 'Unknown performance' },
    });
  });

  it('answers 503 with Retry-After when Zora fails, and 422 when the pool cannot fill the amount', async () => {
    standIn.failNext({ status: 500, body: { success: 'false', error: 'scripted outage', errorType: 'UNKNOWN' } });
    expect(await post({ castHash: coined, buyer: account(0).address })).toEqual({
      status: 503,
      retryAfter: '5',
      body: { error: 'Zora quote unavailable; try again shortly' },
    });
    standIn.failNext({ status: 422, body: { success: 'false', error: 'no route', errorType: 'LIQUIDITY' } });
    expect(await post({ castHash: coined, buyer: account(0).address })).toEqual({
      status: 422,
      retryAfter: null,
      body: { error: 'Not enough liquidity for this amount; try less' },
    });
  });

  it('answers 400 naming the problem for bad amounts, addresses, slippage and bodies', async () => {
    const buyer = account(0).address;
    const cases: [unknown, string][] = [
      [{ castHash: coined, buyer, amountEth: '2' }, 'Enter an ETH amount between 0.0001 and 1'],
      [{ castHash: coined, buyer, amountEth: '0.00001' }, 'Enter an ETH amount between 0.0001 and 1'],
      [{ castHash: coined, buyer, amountEth: '0' }, 'Enter an ETH amount between 0.0001 and 1'],
      [{ castHash: coined, buyer, amountEth: '-1' }, 'Enter an ETH amount such as 0.01'],
      [{ castHash: coined, buyer, amountEth: 1e-7 }, 'Enter an ETH amount such as 0.01'],
      [{ castHash: coined, buyer, amountEth: true }, 'amountEth: must be a decimal ETH amount such as "0.01"'],
      [{ castHash: coined, buyer: 'alice.eth' }, 'buyer: must be an address (0x followed by 40 hex digits)'],
      [{ castHash: coined, buyer: `${buyer}00` }, 'buyer: must be an address (0x followed by 40 hex digits)'],
      [{ castHash: coined }, 'buyer: is required'],
      [{ buyer }, 'castHash: is required'],
      [{ castHash: 'abc', buyer }, 'castHash: must be 0x followed by 40 hex digits'],
      [{ castHash: coined, buyer, slippage: 0.5 }, 'slippage: must be between 0 and 0.05'],
      [{ castHash: coined, buyer, slippage: '0.01' }, 'slippage: must be a number'],
      [[1, 2], 'body: must be a JSON object'],
      [null, 'body: must be a JSON object'],
      ['{"castHash":', 'body is not valid JSON'],
      ['', 'body is not valid JSON'],
    ];
    for (const [body, error] of cases) {
      const res = await post(typeof body === 'string' ? body : JSON.stringify(body));
      expect({ body, res }).toEqual({ body, res: { status: 400, retryAfter: null, body: { error } } });
    }
    const res = await app.request('/api/tx/buy', { method: 'POST', body: new Uint8Array([0x7b, 0xff, 0x7d]) });
    expect(res.status).toBe(400);
  });

  it('answers 413 for a 20 KiB body, with and without Content-Length', async () => {
    const big = JSON.stringify({ castHash: coined, buyer: account(0).address, pad: 'x'.repeat(20 * 1024) });
    expect(await post(big, { 'content-length': String(big.length) })).toMatchObject({ status: 413 });
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1024)));
        controller.close();
      },
    });
    const res = await app.request('/api/tx/buy', {
      method: 'POST',
      body: stream,
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
  });

  it('refuses a quote whose simulation from the buyer reverts (409), and one to an unknown router', async () => {
    const buyer = account(1).address;
    const reverting = encodeFunctionData({
      abi: devSwapRouterAbi,
      functionName: 'buyWithEth',
      args: [coin, maxUint256, buyer],
    });
    const call = { target: devnet.addresses.swapRouter, data: reverting, value: parseEther('0.001').toString() };
    standIn.failNext({ status: 200, body: { success: true, call, quote: { amountOut: '1000', slippage: 0.05 } } });
    expect(await post({ castHash: coined, buyer })).toEqual({
      status: 409,
      retryAfter: null,
      body: { error: 'This buy would fail on chain right now; try a smaller amount' },
    });

    // A quote to a contract outside the allowlist is refused before anything is recorded (502: onError's owner
    // maps non-503 5xx to a bare 500 today, so this is checked on prepareBuy directly).
    const quotes = async () =>
      (await db.sql.query<{ n: number }>('select count(*)::int as n from public.trade_quotes'))[0]?.n;
    const count = await quotes();
    const elsewhere = { ...call, target: account(5).address };
    standIn.failNext({ status: 200, body: { success: true, call: elsewhere, quote: { amountOut: '1000' } } });
    const refused = prepareBuy({ castHash: coined, buyer, fid: null, source: 'api' }, deps);
    await expect(refused).rejects.toBeInstanceOf(BuyBuildError);
    await expect(refused).rejects.toMatchObject({ reason: 'router_not_allowed', status: 502 });
    expect(await quotes()).toBe(count);
  });

  it('answers 502 and hands out nothing when a hostile quote service changes the recipient, the coin or the minimum', async () => {
    const buyer = account(1).address;
    const dead = '0x000000000000000000000000000000000000dEaD' as const;
    const quotes = async () =>
      (await db.sql.query<{ n: number }>('select count(*)::int as n from public.trade_quotes'))[0]?.n;
    const count = await quotes();
    const otherCoin = `0x${'7'.repeat(40)}` as const;
    const tampers = [
      { recipient: dead, minAmountOut: 0n },
      { recipient: dead },
      { minAmountOut: 0n },
      { minAmountOut: 1n },
      { coin: otherCoin },
    ];
    try {
      for (const tamper of tampers) {
        standIn.tamperQuotes(tamper);
        const res = await post({ castHash: coined, buyer, amountEth: '0.01' });
        expect({ tamper, res }).toEqual({
          tamper,
          res: {
            status: 502,
            retryAfter: null,
            body: { error: 'Zora quoted a transaction we could not verify; buy refused' },
          },
        });
      }
      // The attack is real: the hostile calldata simulates fine from the buyer, which is why decoding is needed.
      standIn.tamperQuotes({ recipient: dead, minAmountOut: 0n });
      const quote = await deps.quote({ chainId: 8453, coin, buyer, amountInWei: parseEther('0.01'), slippage: 0.05 });
      if (quote.kind !== 'ok') throw new Error(`quote failed: ${quote.kind}`);
      expect(await deps.simulate?.({ from: buyer, to: quote.target, data: quote.data, value: quote.value })).toEqual({
        ok: true,
      });
    } finally {
      standIn.tamperQuotes(null);
    }
    expect(await quotes()).toBe(count);
    // Honest again: the same request is served.
    expect((await post({ castHash: coined, buyer, amountEth: '0.01' })).status).toBe(200);
  });

  it('prepares a frame buy from wei with the router ABI, and maps chain, deletion, bounds and database failures', async () => {
    const buyer = account(1).address;
    const buy = await prepareBuy(
      { castHash: coined, buyer, amountInWei: parseEther('0.002'), fid: 4242, source: 'frame' },
      deps,
    );
    expect(buy).toMatchObject({ chainId: 8453, value: parseEther('0.002'), coin: { address: coin.toLowerCase() } });
    expect(buy.abi.map((item) => ('name' in item ? `${item.type} ${item.name}` : item.type))).toEqual(
      devSwapRouterAbi
        .filter((item) => item.type === 'error' || (item.type === 'function' && item.name === 'buyWithEth'))
        .map((item) => `${item.type} ${item.name}`),
    );
    const [row] = await db.sql.query<{ source: string; fid: string }>(
      'select source, fid::text from public.trade_quotes where id = $1',
      [buy.quoteId],
    );
    expect(row).toEqual({ source: 'frame', fid: '4242' });

    await expect(
      prepareBuy({ castHash: coined, buyer, amountInWei: parseEther('1.5'), fid: 1, source: 'frame' }, deps),
    ).rejects.toMatchObject({ name: 'Trading.InvalidAmountError', status: 400 });
    await expect(
      prepareBuy({ castHash: coined, buyer, fid: 1, source: 'frame' }, { ...deps, chainId: 84532 }),
    ).rejects.toMatchObject({ name: 'Trading.WrongChainError', status: 409 });

    const gone = castHash(Math.floor(Math.random() * 2 ** 40), 'd');
    await deliverToStore(db.stores.ingest, [performanceCast(gone, user(fid + 3)), castDeleted(gone)]);
    await expect(prepareBuy({ castHash: gone, buyer, fid: 1, source: 'frame' }, deps)).rejects.toMatchObject({
      name: 'Trading.UnknownPerformanceError',
      status: 404,
    });

    const down: PrepareBuyDeps['store'] = {
      getBuyTarget: async () => {
        throw new Error('connection refused');
      },
      recordTradeQuote: db.stores.trading.recordTradeQuote,
    };
    const broken = new Hono();
    broken.onError(createErrorHandler(silentLogger));
    broken.route('/api/tx/buy', buyRoute({ ...deps, store: down }));
    const res = await broken.request('/api/tx/buy', {
      method: 'POST',
      body: JSON.stringify({ castHash: coined, buyer }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toEqual({ error: 'Database unavailable; try again shortly' });
  });

  it('fails a reverted trade, a trade sent by another address, one with no coins, and one to another contract', async () => {
    const buyer = account(2);
    const other = account(3);

    const revert = await send(buyer, {
      to: devnet.addresses.swapRouter,
      data: encodeFunctionData({
        abi: devSwapRouterAbi,
        functionName: 'buyWithEth',
        args: [coin, maxUint256, buyer.address],
      }),
      value: parseEther('0.001'),
    });
    expect(revert.receipt.status).toBe('reverted');
    expect(await settle(revert.hash, buyer.address)).toMatchObject({
      status: 'failed',
      failureReason: 'reverted',
      amountOut: null,
      blockNumber: Number(revert.receipt.blockNumber),
    });

    // The buyer's own quote, but the transaction is sent (and paid) by someone else.
    const res = await post({ castHash: coined, buyer: buyer.address, amountEth: '0.001' });
    expect(res.status).toBe(200);
    const tx = res.body as { to: Address; data: Hex; value: string };
    const stolen = await send(other, { to: tx.to, data: tx.data, value: BigInt(tx.value) });
    expect(stolen.receipt.status).toBe('success');
    expect(await settle(stolen.hash, buyer.address)).toMatchObject({
      status: 'failed',
      failureReason: 'sent by another address',
    });

    const elsewhere = await send(buyer, {
      to: devnet.addresses.swapRouter,
      data: encodeFunctionData({ abi: devSwapRouterAbi, functionName: 'buyWithEth', args: [coin, 0n, other.address] }),
      value: parseEther('0.001'),
    });
    expect(elsewhere.receipt.status).toBe('success');
    expect(await settle(elsewhere.hash, buyer.address)).toMatchObject({
      status: 'failed',
      failureReason: 'no coins received',
    });

    const transfer = await send(buyer, { to: other.address, value: parseEther('0.001') });
    expect(await settle(transfer.hash, buyer.address)).toMatchObject({
      status: 'failed',
      failureReason: 'not a buy through an allowed router',
    });
  });

  it('keeps an unmined trade pending, retries RPC errors, and gives up after the limit', async () => {
    const buyer = account(4).address;
    const unknown = `0x${Math.floor(Math.random() * 2 ** 48)
      .toString(16)
      .padStart(64, '9')}` as Hex;
    const due = () => db.sql.query('update public.trades set next_check_at = now() where tx_hash = $1', [unknown]);

    await report(unknown, buyer);
    await confirmer().runOnce();
    expect(await db.stores.trading.getTrade(8453, unknown)).toMatchObject({ status: 'pending', settledAt: null });

    const dead = createPublicClient({
      chain: devnet.chain,
      transport: http('http://127.0.0.1:9', { retryCount: 0 }),
    });
    await due();
    expect(await confirmer({ publicClient: dead }).runOnce()).toMatchObject({ confirmed: 0, failed: 0 });
    expect(await db.stores.trading.getTrade(8453, unknown)).toMatchObject({ status: 'pending' });
    const [row] = await db.sql.query<{ wait: number; attempts: number }>(
      `select extract(epoch from next_check_at - now())::float8 as wait, attempts from public.trades
       where tx_hash = $1`,
      [unknown],
    );
    expect(row?.attempts).toBe(2);
    expect(row?.wait).toBeGreaterThan(5);

    await due();
    const later = () => new Date(Date.now() + 2 * 3600 * 1000);
    await confirmer({ now: later }).runOnce();
    // A hash the node never saw fails as 'not found' (minutes); 'not mined' is for a seen one (tradeConfirmer.test.ts).
    expect(await db.stores.trading.getTrade(8453, unknown)).toMatchObject({
      status: 'failed',
      failureReason: 'not found',
    });
  });

  it('reads no price for a pool that does not exist or a chain that does not answer', async () => {
    const reader = createCoinPriceReader({ publicClient, poolManager: devnet.addresses.poolManager, cacheSeconds: 60 });
    expect(await reader({ address: coin, poolId: `0x${'1'.repeat(64)}`, poolKey: null })).toBeNull();
    expect(await reader({ address: coin, poolId: null, poolKey: null })).toBeNull();
    const dead = createCoinPriceReader({
      publicClient: createPublicClient({
        chain: devnet.chain,
        transport: http('http://127.0.0.1:9', { retryCount: 0 }),
      }),
      poolManager: devnet.addresses.poolManager,
      cacheSeconds: 60,
    });
    expect(await dead({ address: coin, poolId: buyTarget.coin?.poolId ?? null, poolKey: null })).toBeNull();
  });
});
