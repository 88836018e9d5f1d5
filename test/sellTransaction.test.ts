/** Selling a performance's coin end to end on the devnet (anvil + the Zora API stand-in): POST /api/tx/sell builds the
 * approval and the sell, a funded account sends them, POST /api/trades reports the sell with a (fake) Quick Auth fid,
 * and the confirmer settles it with the ETH received; every refusal of the sell, the buyer-funds 4xx, Zora's 4xx vs
 * 5xx, and the report route's abuse cases. */
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
  type PublicClient,
  parseEventLogs,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devSwapRouterAbi } from '../scripts/devnet/devAbis.ts';
import { type Devnet, type DevnetAccount, startDevnet } from '../scripts/devnet/startDevnet.ts';
import { startZoraApiStandIn, type ZoraApiStandIn } from '../scripts/devnet/zoraApiStandIn.ts';
import { castHash, performanceCast, reaction, user } from '../scripts/neynarPayloads.ts';
import { createCoinChain } from '../src/coins/createCoinChain.ts';
import { createCoinWorker } from '../src/coins/createCoinWorker.ts';
import { createRateLimiter } from '../src/http/createRateLimiter.ts';
import { createErrorHandler } from '../src/http/onError.ts';
import { silentLogger } from '../src/support/logger.ts';
import { buyRoute } from '../src/trading/buyRoute.ts';
import { createBuySimulator } from '../src/trading/createBuySimulator.ts';
import { createSellSimulator } from '../src/trading/createSellSimulator.ts';
import { createTradeConfirmer } from '../src/trading/createTradeConfirmer.ts';
import { createTransactionFetcher } from '../src/trading/createTransactionFetcher.ts';
import { createWalletReader } from '../src/trading/createWalletReader.ts';
import { createZoraQuoter } from '../src/trading/createZoraQuoter.ts';
import { UnauthenticatedError } from '../src/trading/errors.ts';
import type { PrepareBuyDeps } from '../src/trading/prepareBuy.ts';
import type { PrepareSellDeps } from '../src/trading/prepareSell.ts';
import { type ReportTradeDeps, reportTradeRoute } from '../src/trading/reportTradeRoute.ts';
import { routerAllowlist } from '../src/trading/routerAllowlist.ts';
import { sellRoute } from '../src/trading/sellRoute.ts';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';
import { deliverToStore } from './support/deliverToStore.ts';
import { testApp } from './support/testApp.ts';
import { setParams } from './support/viralFixtures.ts';

const API_KEY = 'sell-test-key';

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

/** Send a transaction from a devnet account and wait for its receipt (a route's wire form: value as a decimal string). */
async function send(from: DevnetAccount, tx: { to: Address; data?: Hex; value?: bigint | string }) {
  const wallet = createWalletClient({
    chain: devnet.chain,
    transport: http(devnet.rpcUrl),
    account: privateKeyToAccount(from.privateKey),
  });
  const hash = await wallet.sendTransaction({ ...tx, value: BigInt(tx.value ?? 0n), gas: 600_000n });
  const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  return { hash, receipt };
}

const balanceOf = (coin: Address, owner: Address) =>
  publicClient.readContract({ address: coin, abi: erc20Abi, functionName: 'balanceOf', args: [owner] });

type Wire = { kind: string; to: Address; data: Hex; value: string };
type SellAnswer = {
  chainId: number;
  transactions: Wire[];
  amountIn: string;
  balance: string;
  expectedEthOut: string;
  minEthOut: string;
  quoteId: number;
  coin: { address: string; symbol: string };
};

describe.each(databaseTargets())('selling a coin on the devnet with $name', (target: DatabaseTarget) => {
  let db: TestDatabase;
  let metadataServer: ReturnType<typeof serve>;
  let coined: string;
  let coin: Address;
  let symbol: string;
  let app: Hono;
  let buyDeps: PrepareBuyDeps;
  let sellDeps: PrepareSellDeps;
  let reportDeps: ReportTradeDeps;
  const fid = 50_000 + Math.floor(Math.random() * 1_000_000);
  /** Verified addresses per fid, as the hub would answer. */
  const verified = new Map<number, string[]>();

  beforeAll(async () => {
    db = await target.create();
    await setParams(db, { threshold: 1, min_unique_engagers: 1 });
    const gv = testApp(db);
    metadataServer = serve({ fetch: gv.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => metadataServer.once('listening', () => resolve()));
    const publicUrl = `http://127.0.0.1:${(metadataServer.address() as AddressInfo).port}`;

    coined = castHash(Math.floor(Math.random() * 2 ** 40), 'a');
    const artist = user(fid, { custody_address: account(7).address.toLowerCase() });
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
    coin = found.coin.address as Address;
    symbol = found.coin.symbol;
    const createdAt = Date.parse(found.coin.createdAt);

    const quote = createZoraQuoter({ apiBaseUrl: standIn.url, apiKey: API_KEY, timeoutMs: 5000 });
    const allowedRouters = routerAllowlist([{ chainId: 8453, address: devnet.addresses.swapRouter }]);
    const wallet = createWalletReader(publicClient);
    const limits = {
      client: createRateLimiter({ perMinute: 1000 }),
      buyer: createRateLimiter({ perMinute: 1000 }),
    };
    const common = {
      store: db.stores.trading,
      chainId: 8453,
      slippage: 0.05,
      launchGuardSeconds: 15,
      now: () => new Date(createdAt + 60_000),
      allowedRouters,
      limits,
    };
    buyDeps = {
      ...common,
      bounds: { min: '0.0001', max: '1', default: '0.001' },
      quote,
      simulate: createBuySimulator(publicClient),
      routerAbis: [devSwapRouterAbi],
      wallet,
    };
    sellDeps = { ...common, wallet, sellQuote: quote.sell, simulateSell: createSellSimulator(publicClient) };
    reportDeps = {
      store: db.stores.trading,
      chainId: 8453,
      // Stands in for the Quick Auth verifier: the fid is the bearer token.
      authenticate: async (request) => {
        const token = /^Bearer (\d{1,9})$/.exec(request.headers.get('authorization') ?? '')?.[1];
        if (token === undefined) throw new UnauthenticatedError();
        return { fid: Number(token) };
      },
      checkAddress: async (who, address) => verified.get(who)?.includes(address.toLowerCase()) ?? false,
      fetchTransaction: createTransactionFetcher({ publicClient, waitMs: 300, pollMs: 100 }),
      limiter: limits.client,
    };
    app = new Hono();
    app.onError(createErrorHandler(silentLogger));
    app.route('/api/tx/buy', buyRoute(buyDeps));
    app.route('/api/tx/sell', sellRoute(sellDeps));
    app.route('/api/trades', reportTradeRoute(reportDeps));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => metadataServer?.close(() => resolve()));
    await db?.close();
  });

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await app.request(path, {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...headers },
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as never };
  };
  const confirmer = () =>
    createTradeConfirmer({
      store: db.stores.trading,
      publicClient,
      logger: silentLogger,
      allowedRouters: sellDeps.allowedRouters,
      poolManager: devnet.addresses.poolManager,
    });
  const asFid = (who: number) => ({ authorization: `Bearer ${who}` });

  /** Buy `eth` worth of the coin for `who` through the API and the devnet. */
  const buy = async (who: DevnetAccount, eth: string) => {
    const res = await post('/api/tx/buy', { castHash: coined, buyer: who.address, amountEth: eth });
    expect(res.status).toBe(200);
    const tx = res.body as { to: Address; data: Hex; value: string };
    return send(who, { to: tx.to, data: tx.data, value: BigInt(tx.value) });
  };

  it('sells half the balance: approve, sell, report, confirmed with the ETH received', async () => {
    const seller = account(0);
    const sellerFid = fid + 10;
    verified.set(sellerFid, [seller.address.toLowerCase()]);
    await buy(seller, '0.05');
    const held = await balanceOf(coin, seller.address);
    expect(held).toBeGreaterThan(0n);

    const res = await post('/api/tx/sell', { castHash: coined, seller: seller.address, fraction: '0.5' });
    expect(res.status).toBe(200);
    const answer = res.body as SellAnswer;
    const amountIn = held / 2n;
    expect(answer).toEqual({
      chainId: 8453,
      transactions: [
        { kind: 'approve', to: coin.toLowerCase(), data: expect.stringMatching(/^0x095ea7b3/), value: '0' },
        { kind: 'sell', to: devnet.addresses.swapRouter.toLowerCase(), data: expect.any(String), value: '0' },
      ],
      amountIn: amountIn.toString(),
      balance: held.toString(),
      expectedEthOut: expect.stringMatching(/^[1-9]\d*$/),
      minEthOut: ((BigInt(answer.expectedEthOut) * 9500n) / 10000n).toString(),
      quoteId: expect.any(Number),
      coin: { address: coin.toLowerCase(), symbol },
    });
    expect(standIn.requests.findLast((r) => r.pathname === '/quote')?.body).toMatchObject({
      tokenIn: { type: 'erc20', address: coin.toLowerCase() },
      tokenOut: { type: 'eth' },
      amountIn: amountIn.toString(),
      sender: seller.address.toLowerCase(),
      recipient: seller.address.toLowerCase(),
    });
    const [quoteRow] = await db.sql.query<Record<string, string>>(
      'select side, amount_in_wei::text, expected_out::text, calldata_hash from public.trade_quotes where id = $1',
      [answer.quoteId],
    );
    const [approve, sell] = answer.transactions as [Wire, Wire];
    expect(quoteRow).toEqual({
      side: 'sell',
      amount_in_wei: amountIn.toString(),
      expected_out: answer.expectedEthOut,
      calldata_hash: keccak256(sell.data),
    });

    expect((await send(seller, approve)).receipt.status).toBe('success');
    const ethBefore = await publicClient.getBalance({ address: seller.address });
    const { hash, receipt } = await send(seller, sell);
    expect(receipt.status).toBe('success');
    const ethAfter = await publicClient.getBalance({ address: seller.address });
    const received = ethAfter - ethBefore + receipt.gasUsed * receipt.effectiveGasPrice;
    expect(received).toBeGreaterThanOrEqual(BigInt(answer.minEthOut));
    expect(await balanceOf(coin, seller.address)).toBe(held - amountIn);
    const [sold] = parseEventLogs({ abi: devSwapRouterAbi, eventName: 'Sold', logs: receipt.logs });
    expect(sold?.args.ethOut).toBe(received);

    const reported = await post('/api/trades', { txHash: hash, castHash: coined, side: 'sell' }, asFid(sellerFid));
    expect(reported).toEqual({
      status: 200,
      retryAfter: null,
      body: {
        chainId: 8453,
        txHash: hash,
        side: 'sell',
        status: 'pending',
        trader: seller.address.toLowerCase(),
        coinAddress: coin.toLowerCase(),
        created: true,
      },
    });
    expect((await confirmer().runOnce()).confirmed).toBeGreaterThanOrEqual(1);
    expect(await db.stores.trading.getTrade(8453, hash)).toMatchObject({
      status: 'confirmed',
      side: 'sell',
      amountInWei: amountIn.toString(),
      amountOut: received.toString(),
      // The anonymous API quote never joins a fid's report (trade_quote_linkable), so no promised amount either.
      expectedOut: null,
      failureReason: null,
    });
    const [link] = await db.sql.query<{ quote_id: string | null; fid: string }>(
      'select quote_id::text, fid::text from public.trades where tx_hash = $1',
      [hash],
    );
    // The mini app's report carries a fid; the anonymous API quote is never linked to a fid's report.
    expect(link).toEqual({ quote_id: null, fid: String(sellerFid) });
  });

  it('sells the rest by amount with no approval left to send, reported without its cast', async () => {
    const seller = account(0);
    const held = await balanceOf(coin, seller.address);
    // Approve more than needed up front: the sell then needs no approval transaction.
    await send(seller, {
      to: coin,
      data: encodeFunctionData({
        abi: erc20Abi,
        functionName: 'approve',
        args: [devnet.addresses.swapRouter, held * 2n],
      }),
    });
    const res = await post('/api/tx/sell', {
      castHash: coined,
      seller: seller.address,
      amount: formatExact(held),
    });
    expect(res.status).toBe(200);
    const answer = res.body as SellAnswer;
    expect(answer.transactions.map((t) => t.kind)).toEqual(['sell']);
    const { hash, receipt } = await send(seller, answer.transactions[0] as Wire);
    expect(receipt.status).toBe('success');
    const reported = await post('/api/trades', { txHash: hash, side: 'sell' }, asFid(fid + 10));
    expect(reported).toMatchObject({ status: 200, body: { coinAddress: coin.toLowerCase(), side: 'sell' } });
    await confirmer().runOnce();
    expect(await db.stores.trading.getTrade(8453, hash)).toMatchObject({ status: 'confirmed', side: 'sell' });
  });

  it('refuses with 409 naming the balance when the seller holds less than asked, or none', async () => {
    const seller = account(1);
    await buy(seller, '0.001');
    const held = await balanceOf(coin, seller.address);
    const asked = held + 10n ** 18n;
    const res = await post('/api/tx/sell', { castHash: coined, seller: seller.address, amount: formatExact(asked) });
    expect(res).toEqual({
      status: 409,
      retryAfter: null,
      body: { error: `This wallet holds ${formatExact(held)} ${symbol}; cannot sell ${formatExact(asked)}` },
    });
    const empty = privateKeyToAccount(generatePrivateKey()).address;
    expect(await post('/api/tx/sell', { castHash: coined, seller: empty, fraction: 1 })).toEqual({
      status: 409,
      retryAfter: null,
      body: { error: `This wallet holds no ${symbol}` },
    });
  });

  it('refuses a seller without ETH for the gas with 409 naming the balance, before any quote', async () => {
    const poor = privateKeyToAccount(generatePrivateKey()).address;
    await send(account(1), { to: coin, data: transferData(poor, 10n ** 18n) });
    const quotes = standIn.requests.length;
    const res = await post('/api/tx/sell', { castHash: coined, seller: poor, amount: '1' });
    expect(res.status).toBe(409);
    expect((res.body as { error: string }).error).toMatch(
      /^Not enough ETH: this wallet holds 0 ETH; this sell needs about 0\.\d+ ETH of gas$/,
    );
    expect(standIn.requests.length).toBe(quotes);
  });

  it('refuses an empty wallet buy with 409 naming the balance and what is needed (was a 503)', async () => {
    const empty = privateKeyToAccount(generatePrivateKey()).address;
    const quotes = standIn.requests.length;
    const res = await post('/api/tx/buy', { castHash: coined, buyer: empty, amountEth: '0.01' });
    expect(res.status).toBe(409);
    expect((res.body as { error: string }).error).toMatch(
      /^Not enough ETH: this wallet holds 0 ETH; this buy needs 0\.01 ETH plus about 0\.\d+ ETH of gas \(0\.01\d+ ETH\)$/,
    );
    expect(standIn.requests.length).toBe(quotes);
  });

  it("answers 422 with Zora's reason for the trader's problem, 503 only for a broken or unreachable Zora", async () => {
    const seller = account(1).address;
    const sell = () => post('/api/tx/sell', { castHash: coined, seller, fraction: '0.5' });
    const buyIt = () => post('/api/tx/buy', { castHash: coined, buyer: seller, amountEth: '0.001' });
    standIn.failNext({ status: 400, body: { error: 'sender cannot trade this coin' } });
    expect(await sell()).toEqual({
      status: 422,
      retryAfter: null,
      body: { error: 'Zora cannot quote this sell: sender cannot trade this coin' },
    });
    standIn.failNext({ status: 422, body: { success: 'false', error: 'slippage too low', errorType: 'UNKNOWN' } });
    expect(await buyIt()).toEqual({
      status: 422,
      retryAfter: null,
      body: { error: 'Zora cannot quote this buy: slippage too low' },
    });
    standIn.failNext({ status: 422, body: { success: 'false', error: 'thin', errorType: 'LIQUIDITY' } });
    expect(await sell()).toMatchObject({
      status: 422,
      body: { error: 'Not enough liquidity to sell this amount; try less' },
    });
    for (const broken of [
      { status: 500, body: { success: 'false', error: 'boom', errorType: 'UNKNOWN' } },
      { status: 401, body: { error: 'invalid api-key' } },
      { status: 429, body: { error: 'slow down' } },
    ]) {
      standIn.failNext(broken);
      expect(await sell()).toEqual({
        status: 503,
        retryAfter: '5',
        body: { error: 'Zora quote unavailable; try again shortly' },
      });
    }
  });

  it('answers 502 and hands out nothing when a hostile quote changes the recipient, coin, amount, minimum or bytes', async () => {
    const seller = account(1).address;
    const attacker = account(5).address;
    const quotesBefore = await countSellQuotes();
    const tampers = [
      { recipient: attacker },
      { coin: devnet.addresses.swapRouter },
      { amountIn: 1n },
      { minAmountOut: 0n },
      { data: '0xdeadbeef' as Hex },
      { data: `0x${'00'.repeat(68)}` as Hex },
    ];
    for (const tamper of tampers) {
      standIn.tamperQuotes(tamper);
      try {
        expect(await post('/api/tx/sell', { castHash: coined, seller, fraction: '0.5' })).toEqual({
          status: 502,
          retryAfter: null,
          body: { error: 'Zora quoted a transaction we could not verify; sell refused' },
        });
      } finally {
        standIn.tamperQuotes(null);
      }
    }
    expect(await countSellQuotes()).toBe(quotesBefore);
  });

  it('answers 400 naming the field for bad bodies, and 429 past the per-address budget', async () => {
    const seller = account(1).address;
    const cases: [unknown, string][] = [
      [{ castHash: coined, seller }, 'send exactly one of amount (coins) or fraction (of the balance)'],
      [
        { castHash: coined, seller, amount: '1', fraction: '1' },
        'send exactly one of amount (coins) or fraction (of the balance)',
      ],
      [{ castHash: coined, seller, amount: '1e3' }, 'amount: must be a decimal coin amount such as "12.5"'],
      [{ castHash: coined, seller, fraction: '1.5' }, 'fraction: must be a number in (0, 1] with at most 4 decimals'],
      [
        { castHash: coined, seller: 'vitalik.eth', amount: '1' },
        'seller: must be an address (0x followed by 40 hex digits)',
      ],
      [{ castHash: coined, seller, amount: '1', slippage: 0.5 }, 'slippage: must be between 0 and 0.05'],
    ];
    for (const [body, error] of cases) {
      expect({ body, res: await post('/api/tx/sell', body) }).toEqual({
        body,
        res: { status: 400, retryAfter: null, body: { error } },
      });
    }
    const tight = new Hono();
    tight.onError(createErrorHandler(silentLogger));
    tight.route(
      '/',
      sellRoute({
        ...sellDeps,
        limits: { client: createRateLimiter({ perMinute: 100 }), buyer: createRateLimiter({ perMinute: 1 }) },
      }),
    );
    const ask = () =>
      tight.request('/', { method: 'POST', body: JSON.stringify({ castHash: coined, seller, amount: '1e3' }) });
    expect((await ask()).status).toBe(400);
    const limited = await ask();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  describe('POST /api/trades', () => {
    it('answers 401 without a valid Quick Auth token, before reading the body', async () => {
      expect(await post('/api/trades', '{not json')).toEqual({
        status: 401,
        retryAfter: null,
        body: { error: 'Sign in with Farcaster to report a trade' },
      });
    });

    it("answers 409 for a hash the chain has never seen, 403 for a sender that is not the fid's, 400 for bad bodies", async () => {
      const who = fid + 20;
      const made = `0x${'ab'.repeat(32)}`;
      expect(await post('/api/trades', { txHash: made, castHash: coined, side: 'buy' }, asFid(who))).toEqual({
        status: 409,
        retryAfter: null,
        body: { error: 'Transaction not found; report it after sending' },
      });
      const { hash } = await buy(account(2), '0.001');
      expect(await post('/api/trades', { txHash: hash, castHash: coined, side: 'buy' }, asFid(who))).toEqual({
        status: 403,
        retryAfter: null,
        body: { error: 'This wallet is not a verified address of your Farcaster account' },
      });
      for (const body of [{ txHash: hash, side: 'swap' }, { txHash: 'nope', side: 'buy' }, { side: 'buy' }, []]) {
        expect((await post('/api/trades', body, asFid(who))).status).toBe(400);
      }
      // A plain ETH transfer we never quoted, reported without its cast: which coin is unknown.
      verified.set(who, [account(2).address.toLowerCase()]);
      const plain = await send(account(2), { to: account(3).address, value: 1n });
      expect(await post('/api/trades', { txHash: plain.hash, side: 'sell' }, asFid(who))).toEqual({
        status: 400,
        retryAfter: null,
        body: { error: 'castHash: is required for a transaction this server did not quote' },
      });
      // Reported as a sell of the cast's coin, it is recorded and then fails: no coins left the wallet.
      expect(
        await post('/api/trades', { txHash: plain.hash, castHash: coined, side: 'sell' }, asFid(who)),
      ).toMatchObject({ status: 200, body: { status: 'pending' } });
      await confirmer().runOnce();
      expect(await db.stores.trading.getTrade(8453, plain.hash)).toMatchObject({ status: 'failed' });
    });

    it('keeps a report with the first fid (409 for another), and refuses a 6th unconfirmed report (429)', async () => {
      const trader = account(4);
      const first = fid + 30;
      const second = fid + 31;
      verified.set(first, [trader.address.toLowerCase()]);
      verified.set(second, [trader.address.toLowerCase()]);
      // Five real transactions, mined but not yet confirmed by us.
      const hashes: Hex[] = [];
      for (let i = 0; i < 6; i += 1) hashes.push((await send(trader, { to: account(3).address, value: 1n })).hash);
      for (const hash of hashes.slice(0, 5)) {
        expect((await post('/api/trades', { txHash: hash, castHash: coined, side: 'buy' }, asFid(first))).status).toBe(
          200,
        );
      }
      expect(await post('/api/trades', { txHash: hashes[0], castHash: coined, side: 'buy' }, asFid(second))).toEqual({
        status: 409,
        retryAfter: null,
        body: { error: 'This transaction was already reported by another account' },
      });
      expect(await post('/api/trades', { txHash: hashes[5], castHash: coined, side: 'buy' }, asFid(first))).toEqual({
        status: 429,
        retryAfter: '30',
        body: { error: 'Too many unconfirmed buys; wait for them to confirm' },
      });
      // The same report again is idempotent, not a new row.
      expect(
        await post('/api/trades', { txHash: hashes[0], castHash: coined, side: 'buy' }, asFid(first)),
      ).toMatchObject({
        status: 200,
        body: { created: false },
      });
    });
  });

  async function countSellQuotes(): Promise<number> {
    const [row] = await db.sql.query<{ n: string }>(
      "select count(*)::text as n from public.trade_quotes where side = 'sell'",
    );
    return Number(row?.n);
  }
});

/** Whole coins as an exact decimal (18 decimals, trailing zeros dropped). */
function formatExact(raw: bigint): string {
  const whole = raw / 10n ** 18n;
  const fraction = (raw % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '');
  return fraction === '' ? whole.toString() : `${whole}.${fraction}`;
}

function transferData(to: Address, amount: bigint): Hex {
  return encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] });
}
