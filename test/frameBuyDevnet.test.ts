/** The "done" flow through the whole app (createApp with frames and trading, as the Node host wires them) on
 * the devnet: a viral performance gets a real coin; its frame shows the coin and a Buy button; a signed buy action
 * returns a transaction that, sent from a funded account, buys the coin; the signed report records a pending trade
 * that the confirmer settles from the receipt; forged, replayed and unregistered actions are refused. */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import {
  type Address,
  createPublicClient,
  createWalletClient,
  erc20Abi,
  type Hex,
  http,
  type PublicClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFrames, type Frames, loadFrameFonts } from '../frames/index.ts';
import { devSwapRouterAbi } from '../scripts/devnet/devAbis.ts';
import { type HubStandIn, startHubStandIn } from '../scripts/devnet/hubStandIn.ts';
import { type Devnet, type DevnetAccount, startDevnet } from '../scripts/devnet/startDevnet.ts';
import { startZoraApiStandIn, type ZoraApiStandIn } from '../scripts/devnet/zoraApiStandIn.ts';
import { castHash, PERFORMANCE_CHANNEL, performanceCast, reaction, user } from '../scripts/neynarPayloads.ts';
import { createFrameSigner, forgeDataKeepSignedBytes } from '../scripts/support/frameActions.ts';
import { createApp, type GigaVibeApp } from '../src/app.ts';
import { createCoinChain } from '../src/coins/createCoinChain.ts';
import { createCoinWorker } from '../src/coins/createCoinWorker.ts';
import { createHubSignerCheck } from '../src/farcaster/createHubSignerCheck.ts';
import { createHubVerificationCheck } from '../src/farcaster/createHubVerificationCheck.ts';
import { createFrogHub, verifiedFrameAction } from '../src/farcaster/frogHub.ts';
import { createPerformanceViews } from '../src/performances/createPerformanceViews.ts';
import { silentLogger } from '../src/support/logger.ts';
import { createBuySimulator } from '../src/trading/createBuySimulator.ts';
import { createCoinPriceReader } from '../src/trading/createCoinPriceReader.ts';
import { createTradeConfirmer } from '../src/trading/createTradeConfirmer.ts';
import { createTransactionLookup } from '../src/trading/createTransactionLookup.ts';
import { createZoraQuoter } from '../src/trading/createZoraQuoter.ts';
import { type PrepareBuyDeps, prepareBuy } from '../src/trading/prepareBuy.ts';
import { routerAllowlist } from '../src/trading/routerAllowlist.ts';
import { KNOWN_ROUTER_ABIS } from '../src/trading/selectRouterAbi.ts';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';
import { deliverToStore } from './support/deliverToStore.ts';
import { SECRET } from './support/testApp.ts';
import { setParams } from './support/viralFixtures.ts';

const PUBLIC_URL = 'https://gigavibe.example';

let devnet: Devnet;
let standIn: ZoraApiStandIn;
let hub: HubStandIn;
let publicClient: PublicClient;

beforeAll(async () => {
  devnet = await startDevnet();
  standIn = await startZoraApiStandIn({ devnet });
  hub = await startHubStandIn();
  publicClient = createPublicClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), pollingInterval: 50 });
});
afterAll(async () => {
  await hub?.close();
  await standIn?.close();
  await devnet?.stop();
});

function account(index: number): DevnetAccount {
  const a = devnet.accounts.users[index];
  if (!a) throw new Error(`devnet has no user account ${index}`);
  return a;
}

const balanceOf = (coin: Address, owner: Address) =>
  publicClient.readContract({ address: coin, abi: erc20Abi, functionName: 'balanceOf', args: [owner] });

/** The `content` of a frames v1 meta tag. */
function meta(html: string, property: string): string | undefined {
  return html.match(new RegExp(`<meta property="${property.replace(/[:]/g, '\\:')}" content="([^"]*)"`))?.[1];
}

describe.each(databaseTargets())(
  'buying a coin through its frame on the devnet with $name',
  (target: DatabaseTarget) => {
    let db: TestDatabase;
    let gv: GigaVibeApp;
    let frames: Frames;
    let metadata: ReturnType<typeof serve>;
    let deps: PrepareBuyDeps;
    let coin: Address;
    const performance = castHash(Math.floor(Math.random() * 2 ** 40), 'e');
    const fid = 50_000 + Math.floor(Math.random() * 1_000_000);
    const signer = createFrameSigner(fid + 10);
    const buyer = () => account(4);
    const frameUrl = `${PUBLIC_URL}/frames/performance/${performance}`;
    /** The cast that embeds the frame (clients always sign it; the performance cast itself here). */
    const castId = { fid: 1, hash: performance as `0x${string}` };
    const request = (path: string, init?: RequestInit) => Promise.resolve(gv.app.request(`${PUBLIC_URL}${path}`, init));
    const post = (path: string, body: unknown) =>
      request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    beforeAll(async () => {
      db = await target.create();
      await setParams(db, { threshold: 1, min_unique_engagers: 1 });
      hub.register(signer.fid, signer.signerHex);
      hub.verify(signer.fid, buyer().address);

      const allowedRouters = routerAllowlist([{ chainId: 8453, address: devnet.addresses.swapRouter }]);
      let createdAt = Date.now();
      deps = {
        store: db.stores.trading,
        chainId: 8453,
        bounds: { min: '0.0001', max: '1', default: '0.001' },
        slippage: 0.05,
        launchGuardSeconds: 15,
        // The coin was created a moment ago; the launch-fee guard is tested elsewhere, so the buy sees it a minute old.
        now: () => new Date(createdAt + 60_000),
        quote: createZoraQuoter({ apiBaseUrl: standIn.url }),
        allowedRouters,
        simulate: createBuySimulator(publicClient),
        routerAbis: [...KNOWN_ROUTER_ABIS, devSwapRouterAbi],
      };
      frames = createFrames(
        {
          publicUrl: PUBLIC_URL,
          chainId: 8453,
          buyBounds: deps.bounds,
          maxAgeSeconds: 300,
          stateSecret: 'frame-buy-devnet-state-secret-0123456789',
          imageDataTtlMs: 0,
        },
        {
          stores: db.stores,
          logger: silentLogger,
          hub: createFrogHub({
            maxAgeSeconds: 300,
            allowedOrigin: PUBLIC_URL,
            checkSigner: createHubSignerCheck({ hubUrl: hub.url, cacheSeconds: 60 }),
          }),
          verifiedAction: verifiedFrameAction,
          checkAddress: createHubVerificationCheck({ hubUrl: hub.url, cacheSeconds: 60 }),
          // A shorter wait than production's 2.5 s for hashes the node does not know, so the flood below is quick.
          transactionSeen: createTransactionLookup({ publicClient, waitMs: 300, pollMs: 100 }),
          buy: (r) => prepareBuy(r, deps),
          performanceViews: createPerformanceViews({
            stores: db.stores,
            coinPrice: createCoinPriceReader({
              publicClient,
              poolManager: devnet.addresses.poolManager,
              cacheSeconds: 0,
            }),
            logger: silentLogger,
          }),
          fonts: await loadFrameFonts(),
        },
      );
      gv = createApp(
        { webhookSecrets: [SECRET], performanceChannelUrl: PERFORMANCE_CHANNEL },
        { stores: db.stores, logger: silentLogger, applyMode: 'none', trading: deps, frames },
      );

      // A real coin, created as production creates it: engagement -> viral job -> coin worker -> confirm_coin. The
      // coin worker needs the metadata route served over HTTP (coins-sdk fetches it).
      metadata = serve({ fetch: gv.app.fetch, port: 0, hostname: '127.0.0.1' });
      await new Promise<void>((resolve) => metadata.once('listening', () => resolve()));
      const metadataUrl = `http://127.0.0.1:${(metadata.address() as AddressInfo).port}`;
      await deliverToStore(db.stores.ingest, [
        performanceCast(performance, user(fid, { custody_address: account(6).address.toLowerCase() })),
        reaction({
          kind: 'created',
          type: 1,
          castHash: performance,
          reactor: user(fid + 1, { score: 0.9 }),
          at: Date.now(),
        }),
      ]);
      await db.stores.viral.sweepViral();
      const chain = createCoinChain(
        {
          rpcUrl: devnet.rpcUrl,
          chainId: 8453,
          privateKey: devnet.accounts.platform.privateKey,
          zoraApiKey: undefined,
          zoraApiBaseUrl: standIn.url,
          platformReferrer: undefined,
        },
        { pollingIntervalMs: 50 },
      );
      const worker = createCoinWorker({
        store: db.stores.coins,
        logger: silentLogger,
        chain,
        publicUrl: metadataUrl,
      });
      expect(await worker.runOnce()).toEqual([expect.objectContaining({ kind: 'confirmed' })]);
      const found = await db.stores.trading.getBuyTarget(performance);
      if (found?.coin == null) throw new Error('the coin was not confirmed');
      coin = found.coin.address as Address;
      createdAt = Date.parse(found.coin.createdAt);
    }, 60_000);
    afterAll(async () => {
      await frames?.viewLog.stop();
      await new Promise<void>((resolve) => metadata?.close(() => resolve()));
      await db?.close();
    });

    it('shows the coin in the frame: a Buy tx button, an amount input, and an image of the coin', async () => {
      const res = await request(`/frames/performance/${performance}`, { headers: { accept: '*/*' } });
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(meta(html, 'fc:frame')).toBe('vNext');
      expect(meta(html, 'fc:frame:button:3:action')).toBe('tx');
      expect(meta(html, 'fc:frame:button:3:target')).toBe(`${frameUrl}/buy`);
      expect(meta(html, 'fc:frame:button:3:post_url')).toBe(`${frameUrl}/bought`);
      expect(meta(html, 'fc:frame:input:text')).toBeDefined();
      const symbol = (await db.stores.trading.getBuyTarget(performance))?.coin?.symbol;
      expect(meta(html, 'fc:frame:button:3')).toContain(symbol);
      const image = meta(html, 'fc:frame:image');
      expect(image?.startsWith(`${frameUrl}/image/`)).toBe(true);
      const png = await request(new URL(image ?? '').pathname);
      expect(png.headers.get('content-type')).toBe('image/png');
      expect(
        Buffer.from(await png.arrayBuffer())
          .subarray(1, 4)
          .toString(),
      ).toBe('PNG');
    });

    it('buys the coin: signed action -> transaction -> wallet -> signed report -> confirmed trade', async () => {
      const me = buyer();
      const attacker = account(5).address;
      const action = await signer.sign({
        castId,
        url: frameUrl,
        buttonIndex: 3,
        inputText: '0.002',
        address: me.address,
      });
      // A client (or a proxy) rewriting the unsigned fields changes nothing: the signed address and amount decide.
      const body = {
        ...action.body,
        untrustedData: { ...action.body.untrustedData, address: attacker, inputText: '0.9' },
      };
      const res = await post(`/frames/performance/${performance}/buy`, body);
      expect(res.status).toBe(200);
      const tx = (await res.json()) as {
        chainId: string;
        method: string;
        params: { abi: unknown[]; to: Address; data: Hex; value: string };
      };
      expect(tx.chainId).toBe('eip155:8453');
      expect(tx.method).toBe('eth_sendTransaction');
      expect(tx.params.to.toLowerCase()).toBe(devnet.addresses.swapRouter.toLowerCase());
      expect(tx.params.value).toBe('2000000000000000');
      expect(tx.params.data.toLowerCase()).toContain(me.address.slice(2).toLowerCase());
      expect(tx.params.data.toLowerCase()).not.toContain(attacker.slice(2).toLowerCase());
      expect(tx.params.abi.length).toBeGreaterThan(0);

      const before = await balanceOf(coin, me.address);
      const wallet = createWalletClient({
        chain: devnet.chain,
        transport: http(devnet.rpcUrl),
        account: privateKeyToAccount(me.privateKey),
      });
      const hash = await wallet.sendTransaction({
        to: tx.params.to,
        data: tx.params.data,
        value: BigInt(tx.params.value),
      });
      const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
      expect(receipt.status).toBe('success');
      const bought = (await balanceOf(coin, me.address)) - before;
      expect(bought).toBeGreaterThan(0n);

      const report = await signer.sign({
        castId,
        url: frameUrl,
        buttonIndex: 1,
        transactionId: hash,
        address: me.address,
      });
      const confirmation = await post(`/frames/performance/${performance}/bought`, report.body);
      expect(confirmation.status).toBe(200);
      expect(await confirmation.text()).toContain(`basescan.org/tx/${hash}`);
      expect(await (await request(`/api/trades/${hash}`)).json()).toMatchObject({
        status: 'pending',
        buyer: me.address.toLowerCase(),
        coinAddress: coin.toLowerCase(),
        amountInWei: '2000000000000000',
        source: 'frame',
      });
      // The reporter's fid is kept (for the mini app's own history) but never published with the wallet.
      const published = (await (await request(`/api/trades/${hash}`)).json()) as Record<string, unknown>;
      expect(published).not.toHaveProperty('fid');
      expect((await db.stores.trading.getTrade(8453, hash))?.fid).toBe(signer.fid);

      const confirmer = createTradeConfirmer({
        store: db.stores.trading,
        publicClient,
        logger: silentLogger,
        allowedRouters: deps.allowedRouters,
      });
      expect(await confirmer.runOnce()).toMatchObject({ confirmed: 1 });
      expect(await (await request(`/api/trades/${hash}`)).json()).toMatchObject({
        status: 'confirmed',
        amountOut: bought.toString(),
        blockNumber: Number(receipt.blockNumber),
      });

      // The same signed report again is a replay; the trade is untouched.
      const replay = await post(`/frames/performance/${performance}/bought`, report.body);
      expect(replay.status).toBe(409);
      expect(((await replay.json()) as { message: string }).message.length).toBeLessThanOrEqual(90);
    });

    it('refuses forged, replayed and unregistered buy actions with a short 4xx and builds nothing', async () => {
      const quotes = async () =>
        (await db.sql.query<{ n: number }>('select count(*)::int as n from trade_quotes'))[0]?.n ?? 0;
      const genuine = await signer.sign({
        castId,
        url: frameUrl,
        buttonIndex: 3,
        inputText: '0.001',
        address: buyer().address,
      });
      const forged = forgeDataKeepSignedBytes(genuine, { address: account(5).address });
      const stranger = createFrameSigner(fid + 11);
      const unregistered = await stranger.sign({ castId, url: frameUrl, buttonIndex: 3, address: buyer().address });
      const elsewhere = await signer.sign({
        castId,
        url: 'https://evil.example/frames/performance/x',
        buttonIndex: 3,
        address: buyer().address,
      });
      const before = await quotes();
      for (const [body, status] of [
        [forged.body, 401],
        [unregistered.body, 401],
        [elsewhere.body, 403],
      ] as const) {
        const res = await post(`/frames/performance/${performance}/buy`, body);
        expect(res.status).toBe(status);
        const { message } = (await res.json()) as { message: string };
        expect(message.length).toBeGreaterThan(0);
        expect(message.length).toBeLessThanOrEqual(90);
      }
      expect(await quotes()).toBe(before);
      expect((await post(`/frames/performance/${performance}/buy`, genuine.body)).status).toBe(200);
      expect((await post(`/frames/performance/${performance}/buy`, genuine.body)).status).toBe(409);
      expect(await quotes()).toBe(before + 1);
    });

    it('one fid cannot stall trade confirmation: made-up reports are refused, a real buy confirms in the first run', async () => {
      // The attack: one verified fid posts signed reports of made-up transaction ids. Each is refused at once (409)
      // because the chain has never seen it, so none becomes a pending trade the confirmer would recheck.
      const attacker = createFrameSigner(fid + 20);
      hub.register(attacker.fid, attacker.signerHex);
      hub.verify(attacker.fid, account(5).address);
      const fakes = Array.from({ length: 60 }, (_, i) => `0x${(0xfa4e0000 + i).toString(16).padStart(64, '0')}` as Hex);
      const refused = await Promise.all(
        fakes.map(async (transactionId) => {
          const report = await attacker.sign({
            castId,
            url: frameUrl,
            buttonIndex: 1,
            transactionId,
            address: account(5).address,
          });
          const res = await post(`/frames/performance/${performance}/bought`, report.body);
          return { status: res.status, body: (await res.json()) as { message: string } };
        }),
      );
      for (const r of refused) {
        expect(r).toEqual({ status: 409, body: { message: 'Transaction not found; report it after sending' } });
      }
      const [recorded] = await db.sql.query<{ n: number }>(
        'select count(*)::int as n from trades where tx_hash = any($1)',
        [fakes],
      );
      expect(recorded?.n).toBe(0);

      // What such a flood left behind before (or what many fids could still leave, each within its cap): 300
      // never-checked pending reports of unknown hashes, all older than the real buy below.
      for (let i = 0; i < 300; i++) {
        const outcome = await db.stores.trading.recordPendingTrade({
          source: 'frame',
          chainId: 8453,
          txHash: `0x${(0x57a11000 + i).toString(16).padStart(64, '0')}`,
          fid: 900_000 + i,
          buyer: `0x${(0xbad000 + i).toString(16).padStart(40, '0')}`,
          coinAddress: coin,
        });
        expect(outcome.recorded).toBe(true);
      }

      // A real buy, reported through the frame after it was sent. Its amount differs from the earlier test's signed
      // action: Farcaster timestamps are whole seconds, so the same fields signed within one second are the same
      // message, which the replay registry rightly refuses (409 "already used").
      const me = buyer();
      const action = await signer.sign({
        castId,
        url: frameUrl,
        buttonIndex: 3,
        inputText: '0.0015',
        address: me.address,
      });
      const res = await post(`/frames/performance/${performance}/buy`, action.body);
      expect(res.status, await res.clone().text()).toBe(200);
      const tx = (await res.json()) as { params: { to: Address; data: Hex; value: string } };
      const wallet = createWalletClient({
        chain: devnet.chain,
        transport: http(devnet.rpcUrl),
        account: privateKeyToAccount(me.privateKey),
      });
      const hash = await wallet.sendTransaction({
        to: tx.params.to,
        data: tx.params.data,
        value: BigInt(tx.params.value),
      });
      await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
      const report = await signer.sign({
        castId,
        url: frameUrl,
        buttonIndex: 1,
        transactionId: hash,
        address: me.address,
      });
      expect((await post(`/frames/performance/${performance}/bought`, report.body)).status).toBe(200);

      // The confirmer claims 20 reports per run, never-checked ones newest first: the real buy is in the first run.
      const confirmer = createTradeConfirmer({
        store: db.stores.trading,
        publicClient,
        logger: silentLogger,
        allowedRouters: deps.allowedRouters,
      });
      const first = await confirmer.runOnce();
      expect(first).toMatchObject({ confirmed: 1, failed: 0, pending: 19 });
      expect(await db.stores.trading.getTrade(8453, hash)).toMatchObject({ status: 'confirmed', fid: signer.fid });

      // The unknown hashes fail as 'not found' within minutes instead of being rechecked for half an hour.
      await db.sql.query(`update trades set next_check_at = now() where status = 'pending'`);
      const later = createTradeConfirmer({
        store: db.stores.trading,
        publicClient,
        logger: silentLogger,
        allowedRouters: deps.allowedRouters,
        batch: 200,
        now: () => new Date(Date.now() + 151_000),
      });
      expect(await later.runOnce()).toMatchObject({ confirmed: 0, failed: 200, pending: 0 });
      expect(await later.runOnce()).toMatchObject({ confirmed: 0, failed: 100, pending: 0 });
      expect(await db.stores.trading.getTrade(8453, `0x${(0x57a11000).toString(16).padStart(64, '0')}`)).toMatchObject({
        status: 'failed',
        failureReason: 'not found',
      });
    }, 120_000);
  },
);
