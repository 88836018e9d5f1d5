/** The mini app in a Farcaster client, end to end on `npm start`'s devnet: src/dev.ts as a child process (embedded
 * database, anvil, the Zora API stand-in), headless Chromium (playwright-core, Debian's binary), and a host page built
 * on @farcaster/miniapp-host that embeds /app in an iframe on another origin with a context, sign-in and a wallet
 * (an anvil account signing its own transactions). A performance goes viral through signed webhooks and gets a real
 * coin; the test launches the app at it, buys it through the app's UI, and checks the chain. A listener turns
 * notifications on in the app (the host answers `addMiniApp()` after its server, scripts/browser/farcasterClientServer.ts,
 * delivered a miniapp_added event signed by the user's app key), and the coin launch of a performance they backed
 * reaches the notification stand-in once; disabling, removing and replaying stop or change nothing. Screenshots of every
 * screen (320 and 430 px, light and dark) go to test/browser/artifacts/ (gitignored).
 *
 * What it cannot prove: a real client's quirks (Warpcast's own host, its wallet's UI), the production Quick Auth
 * server, Base itself, a real client's notification service. Every route the app uses (the stream, POST /api/trades,
 * the portfolio, sell) is required: none of these tests skips. */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, FrameLocator } from 'playwright-core';
import { createPublicClient, erc20Abi, http } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../../scripts/browser/browser.ts';
import { createFarcasterClientServer } from '../../scripts/browser/farcasterClientServer.ts';
import {
  createHostWallet,
  type HostPageServer,
  type HostWallet,
  openInHost,
  startHostPageServer,
} from '../../scripts/browser/hostPage.ts';
import { type NotificationStandIn, startNotificationStandIn } from '../../scripts/devnet/notificationStandIn.ts';
import { devnetAccount } from '../../scripts/devnet/startDevnet.ts';
import { castHash, reaction, user, userUpdated } from '../../scripts/neynarPayloads.ts';
import {
  deliverSigned,
  freePort,
  type Spawned,
  spawnScript,
  stopSpawned,
  viralPayloads,
  waitHealthy,
} from '../../scripts/support/spawnHost.ts';

export const ARTIFACTS = path.resolve(import.meta.dirname, 'artifacts');
const ARTIST_FID = 7400;
const VIEWER_FID = 88_001;
/** A listener who turns notifications on (and two more: one keeps them, one removes the app). */
const FAN_FID = 88_010;
/** Long enough that the first buy lands inside the coin's launch window (409 + Retry-After), short enough to wait. */
const LAUNCH_GUARD_SECONDS = 75;

async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(!chromiumAvailable())(
  'the mini app inside a Farcaster client, on the devnet (headless Chromium)',
  () => {
    let dir = '';
    let port = 0;
    let spawned: Spawned | undefined;
    let browser: Browser | undefined;
    let hostServer: HostPageServer | undefined;
    let notify: NotificationStandIn | undefined;
    const fanWallet = devnetAccount(7).address.toLowerCase();
    let secret = '';
    let rpcUrl = '';
    let wallet: HostWallet;
    let coin: { address: `0x${string}`; symbol: string; createdAt: string };
    const hash = castHash(5151, 'a');
    const base = () => `http://localhost:${port}`;
    const api = (p: string, init?: RequestInit) => fetch(`http://127.0.0.1:${port}${p}`, init);

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'gigavibe-miniapp-'));
      await mkdir(ARTIFACTS, { recursive: true });
      port = await freePort();
      spawned = spawnScript('src/dev.ts', {
        PORT: String(port),
        DATA_DIR: dir,
        PUBLIC_URL: `http://localhost:${port}`,
        VIRAL_SCORE_THRESHOLD: '5',
        VIRAL_SWEEP_SECONDS: '1',
        COIN_WORKER_SECONDS: '1',
        TRADE_CONFIRMER_SECONDS: '1',
        BUY_LAUNCH_GUARD_SECONDS: String(LAUNCH_GUARD_SECONDS),
      });
      await waitHealthy(port, spawned, 120_000);
      secret = (await readFile(path.join(dir, 'neynar-webhook-secret'), 'utf8')).trim();
      const statuses = await deliverSigned(port, secret, viralPayloads(hash, ARTIST_FID, 62_000));
      expect(statuses.every((s) => s === 200)).toBe(true);
      const performance = await poll(
        async () => (await (await api(`/api/performances/${hash}`)).json()) as { coin: typeof coin | null },
        (p) => p.coin !== null,
        90_000,
      );
      if (performance.coin === null) throw new Error(`no coin in time:\n${spawned.output().slice(-3000)}`);
      coin = performance.coin;
      rpcUrl = (await readFile(path.join(dir, 'devnet', 'rpc-url'), 'utf8')).trim();
      wallet = createHostWallet(rpcUrl, devnetAccount(6).privateKey, 8453);
      // The viewer's wallet is one of its fid's verified addresses, as Neynar's user objects tell the identity bridge
      // (the portfolio and trade reports of a fid read its addresses there).
      const viewer = wallet.account.address.toLowerCase();
      const verified = { eth_addresses: [viewer], sol_addresses: [], primary: { eth_address: viewer } };
      expect(
        await deliverSigned(port, secret, [userUpdated(user(VIEWER_FID, { verified_addresses: verified }))]),
      ).toEqual([200]);
      browser = await launchChromium();
      hostServer = await startHostPageServer();
      notify = await startNotificationStandIn();
    }, 240_000);

    afterAll(async () => {
      await browser?.close();
      await hostServer?.close();
      await notify?.close();
      if (spawned) await stopSpawned(spawned);
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const launch = (appPath: string, options: { width?: number; colorScheme?: 'light' | 'dark' } = {}) =>
      openInHost(browser!, hostServer!, { appUrl: `${base()}${appPath}`, fid: VIEWER_FID, wallet, ...options });

    const statusOf = (app: FrameLocator) => app.locator('.trade-status');

    it('launches at a performance: ready() once the screen is painted with real data, the context user shown', async () => {
      const hosted = await launch(`/app/p/${hash}`);
      const app = hosted.page.frameLocator('iframe');
      await expect
        .poll(async () => (await hosted.events()).some((e) => e.name === 'ready'), { timeout: 15_000 })
        .toBe(true);
      // The performance was inlined in the page: painted with real data before ready().
      await app.getByRole('heading', { level: 1 }).waitFor();
      expect(await app.getByRole('heading', { level: 1 }).textContent()).toContain('Live take');
      expect(await app.locator('#coin-heading').textContent()).toContain(`$${coin.symbol}`);
      await app.locator('.me').waitFor();
      expect(await app.locator('.me').getAttribute('data-fid')).toBe(String(VIEWER_FID));
      expect(await app.locator('.me-name').textContent()).toBe('Test Listener');
      expect((await hosted.events()).filter((e) => e.name === 'ready')).toHaveLength(1);
      await hosted.page.close();
    });

    it('a buy inside the launch window says when trading opens and sends nothing; then it buys: wallet, chain switch, confirmed with the coins received', async () => {
      const hosted = await launch(`/app/p/${hash}`);
      const app = hosted.page.frameLocator('iframe');
      const buy = app.getByRole('button', { name: `Buy $${coin.symbol}` });
      await buy.waitFor();
      const ageSeconds = (Date.now() - Date.parse(coin.createdAt)) / 1000;
      expect(ageSeconds).toBeLessThan(LAUNCH_GUARD_SECONDS - 5);
      await buy.click();
      await expect
        .poll(() => statusOf(app).textContent(), { timeout: 20_000 })
        .toMatch(/just launched: trading opens in \d+ s/);
      expect(wallet.sent).toHaveLength(0);
      expect(await buy.isEnabled()).toBe(true);

      const waitSeconds = Number(/opens in (\d+) s/.exec((await statusOf(app).textContent()) ?? '')?.[1] ?? '0');
      await new Promise((r) => setTimeout(r, (waitSeconds + 1) * 1000));
      const before = await balanceOf(wallet.account.address);
      wallet.behaviour.reportChainId = 1; // the wallet starts on Ethereum mainnet: the app must switch it
      await app.getByRole('button', { name: '0.005 ETH' }).click();
      await buy.click();
      await expect
        .poll(() => statusOf(app).textContent(), { timeout: 90_000 })
        .toMatch(/Confirmed: received [\d.,e-]+ \$/);
      expect(wallet.calls).toContain('wallet_switchEthereumChain');
      expect(wallet.sent).toHaveLength(1);
      const after = await balanceOf(wallet.account.address);
      expect(after).toBeGreaterThan(before);
      // The chart draws the coin's price from the candles once the indexer has the trade (the stream's coin event
      // carries the new last-trade time, which reloads the candles).
      await expect.poll(() => app.locator('.chart .candle').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
      // A first buy offers to add the app (so notifications can be enabled); the host records the request.
      await app.getByRole('button', { name: 'Add GigaVibe' }).click();
      await expect.poll(async () => (await hosted.events()).some((e) => e.name === 'addMiniApp')).toBe(true);
      await hosted.page.screenshot({ path: path.join(ARTIFACTS, 'performance-bought-390-light.png') });
      await hosted.page.close();
    }, 200_000);

    it('every refusal says why and leaves the panel ready to try again, with nothing sent', async () => {
      const hosted = await launch(`/app/p/${hash}`);
      const app = hosted.page.frameLocator('iframe');
      const buy = app.getByRole('button', { name: `Buy $${coin.symbol}` });
      await buy.waitFor();
      const sentBefore = wallet.sent.length;
      const cases: [Partial<HostWallet['behaviour']>, RegExp][] = [
        [{ rejectSend: true }, /You rejected the transaction in your wallet/],
        [{ reportChainId: 1, refuseSwitch: true }, /on another network\. Switch it to Base/],
        [{ insufficientFunds: true }, /Not enough ETH in your wallet for this buy plus network fees/],
      ];
      for (const [behaviour, message] of cases) {
        wallet.behaviour = { ...behaviour };
        await buy.click();
        await expect.poll(() => statusOf(app).textContent(), { timeout: 20_000 }).toMatch(message);
        expect(await statusOf(app).getByRole('alert').count()).toBe(1);
        expect(await buy.isEnabled()).toBe(true);
      }
      wallet.behaviour = {};
      // A typed amount the API refuses: its message is shown as it is.
      await app.getByLabel('Amount in ETH').fill('5');
      await buy.click();
      await expect.poll(() => statusOf(app).textContent(), { timeout: 20_000 }).toMatch(/amount|at most|ETH/i);
      // Not a number at all: the button stays off.
      await app.getByLabel('Amount in ETH').fill('abc');
      expect(await buy.isEnabled()).toBe(false);
      expect(wallet.sent.length).toBe(sentBefore);
      await hosted.page.close();
    }, 120_000);

    it('outside a client: an injected wallet (EIP-6963) buys; without one, an Open in Farcaster link', async () => {
      const page = await browser!.newPage({ viewport: { width: 390, height: 844 } });
      await page.exposeFunction('hostRpc', (request: { method: string; params?: unknown }) => wallet.answer(request));
      // A browser wallet extension as the page sees it: it announces itself through EIP-6963 events.
      await page.addInitScript(`(() => {
      const provider = { request: async ({ method, params }) => {
        const answer = await window.hostRpc({ method, params });
        if (answer.error) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
        return answer.result;
      } };
      const detail = Object.freeze({ info: { uuid: '00000000-0000-4000-8000-000000000001', name: 'Test Wallet',
        icon: 'data:,', rdns: 'test.wallet' }, provider });
      const announce = () => window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail }));
      window.addEventListener('eip6963:requestProvider', announce);
      announce();
    })();`);
      await page.goto(`${base()}/app/p/${hash}`);
      const sentBefore = wallet.sent.length;
      const before = await balanceOf(wallet.account.address);
      await page.getByRole('button', { name: `Buy $${coin.symbol}` }).click();
      await expect
        .poll(() => page.locator('.trade-status').textContent(), { timeout: 90_000 })
        .toMatch(/Confirmed: received/);
      expect(wallet.sent.length).toBe(sentBefore + 1);
      expect(await balanceOf(wallet.account.address)).toBeGreaterThan(before);
      // No "Add GigaVibe" outside a client.
      expect(await page.getByRole('button', { name: 'Add GigaVibe' }).count()).toBe(0);
      await page.close();

      const bare = await browser!.newPage({ viewport: { width: 390, height: 844 } });
      await bare.goto(`${base()}/app/p/${hash}`);
      const link = bare.getByRole('link', { name: 'Open in Farcaster' });
      await link.waitFor();
      const href = new URL((await link.getAttribute('href')) ?? '');
      expect(href.origin).toBe('https://farcaster.xyz');
      expect(href.searchParams.get('embeds[]')).toBe(`${base()}/p/${hash}`);
      await bare.close();
    }, 120_000);

    it('Share opens the client composer with the share page as the embed; View token names the coin', async () => {
      const hosted = await launch(`/app/p/${hash}`);
      const app = hosted.page.frameLocator('iframe');
      await app.getByRole('button', { name: 'Share' }).click();
      await app.getByRole('button', { name: 'View token' }).click();
      await expect
        .poll(async () => (await hosted.events()).map((e) => e.name))
        .toEqual(expect.arrayContaining(['composeCast', 'viewToken']));
      const events = await hosted.events();
      const compose = events.find((e) => e.name === 'composeCast')?.detail as { embeds: string[] };
      expect(compose.embeds).toEqual([`${base()}/p/${hash}`]);
      const view = events.find((e) => e.name === 'viewToken')?.detail as { token: string };
      expect(view.token).toBe(`eip155:8453/erc20:${coin.address}`);
      await hosted.page.close();
    });

    it('shows a live count change when a webhook delivery lands (stream)', async () => {
      const hosted = await launch(`/app/p/${hash}`);
      const app = hosted.page.frameLocator('iframe');
      const likes = app.locator('.counts-large [data-metric="likes"] .num');
      await likes.waitFor();
      const before = Number(await likes.textContent());
      await new Promise((r) => setTimeout(r, 1000));
      const like = reaction({
        kind: 'created',
        type: 1,
        castHash: hash,
        reactor: user(63_000, { score: 0.9 }),
        at: Date.now(),
      });
      expect(await deliverSigned(port, secret, [like])).toEqual([200]);
      await expect.poll(async () => Number(await likes.textContent()), { timeout: 5000 }).toBe(before + 1);
      await hosted.page.close();
    });

    it('signs in with Quick Auth (the stand-in npm start runs) and shows the holding in the portfolio', async () => {
      const hosted = await launch('/app/portfolio');
      const app = hosted.page.frameLocator('iframe');
      await expect
        .poll(async () => (await hosted.events()).some((e) => e.name === 'signIn'), { timeout: 20_000 })
        .toBe(true);
      await app.locator('.holdings').getByText(`$${coin.symbol}`).waitFor({ timeout: 20_000 });
      await hosted.page.close();
    });

    it('sells half the holding', async () => {
      const hosted = await launch(`/app/p/${hash}`);
      const app = hosted.page.frameLocator('iframe');
      await app.getByRole('tab', { name: 'Sell' }).click();
      const before = await balanceOf(wallet.account.address);
      await app.getByRole('button', { name: 'Sell 50%' }).click();
      await expect.poll(() => statusOf(app).textContent(), { timeout: 90_000 }).toMatch(/Confirmed: sold/);
      expect(await balanceOf(wallet.account.address)).toBeLessThan(before);
      await hosted.page.close();
    }, 120_000);

    it('the price chart: the trades as 1-minute candles on a time axis, the last price and change, a readout while touched or read with the arrow keys (screenshots at 320, 390 and 430 px, light and dark)', async () => {
      type Candles = { candles: { start: string; trades: number }[] };
      const candles = async () =>
        ((await (await api(`/api/coins/${coin.address}/candles?interval=1m`)).json()) as Candles).candles;
      const hosted = await launch(`/app/p/${hash}`);
      const app = hosted.page.frameLocator('iframe');
      const buy = app.getByRole('button', { name: `Buy $${coin.symbol}` });
      await buy.waitFor();
      // A bigger buy than the others (0.005 and 0.001 ETH, then a sell of half): candles of different sizes.
      await app.getByRole('button', { name: '0.01 ETH' }).click();
      await buy.click();
      await expect.poll(() => statusOf(app).textContent(), { timeout: 90_000 }).toMatch(/Confirmed: received/);
      // Then, in a minute of their own, two sells of a quarter: a candle that closes below its open (a candle of one
      // trade opens and closes at its price), and at least two candles whatever minutes the earlier trades fell in.
      const sellMinute = Math.floor(Date.now() / 60_000 + 1) * 60_000;
      await new Promise((r) => setTimeout(r, sellMinute + 1000 - Date.now()));
      await app.getByRole('tab', { name: 'Sell' }).click();
      for (let i = 0; i < 2; i++) {
        const sent = wallet.sent.length;
        await app.getByRole('button', { name: 'Sell 25%' }).click();
        await expect.poll(() => wallet.sent.length, { timeout: 30_000 }).toBeGreaterThan(sent);
        await expect.poll(() => statusOf(app).textContent(), { timeout: 90_000 }).toMatch(/Confirmed: sold/);
      }
      // Once the indexer has both sells, every candle the chart will draw is known.
      const sold = (c: Candles['candles']) =>
        c.filter((k) => Date.parse(k.start) >= sellMinute).reduce((n, k) => n + k.trades, 0);
      const all = await poll(candles, (c) => sold(c) >= 2, 30_000);
      expect(sold(all)).toBe(2);
      const expected = all.length;
      expect(expected).toBeGreaterThanOrEqual(2);
      await hosted.page.close();

      const area = (app: FrameLocator) => app.locator('.chart-area');
      const open1m = async (width: number, colorScheme: 'light' | 'dark') => {
        const page = await launch(`/app/p/${hash}`, { width, colorScheme });
        const frame = page.page.frameLocator('iframe');
        await frame.getByRole('tab', { name: '1m' }).click();
        await expect.poll(() => frame.locator('.chart .candle').count(), { timeout: 20_000 }).toBe(expected);
        await frame.locator('.chart-box').evaluate((box) => box.scrollIntoView({ block: 'center' }));
        await page.page.waitForTimeout(300);
        const overflow = await frame.locator('body').evaluate((b) => b.scrollWidth - b.clientWidth);
        expect(overflow, `chart at ${width} px`).toBeLessThanOrEqual(0);
        return { ...page, frame };
      };

      for (const width of [320, 390, 430]) {
        for (const colorScheme of ['light', 'dark'] as const) {
          const { page, frame } = await open1m(width, colorScheme);
          // The header: the last price and the signed change since the first candle shown; the chart's name says
          // what it shows and how to read it.
          expect(await frame.locator('.chart-price').textContent()).toMatch(/ETH/);
          expect(await frame.locator('.chart-change').textContent()).toMatch(/(%\)|No change).* since /);
          expect(await area(frame).getAttribute('aria-label')).toMatch(
            new RegExp(`^Price chart, 1-minute candles: ${expected} candles from .+ Last price [\\d.,]+ ETH`),
          );
          await page.screenshot({ path: path.join(ARTIFACTS, `chart-${width}-${colorScheme}.png`) });

          if (width !== 390) {
            await page.close();
            continue;
          }
          // A finger (here the mouse) on the chart: the crosshair on the nearest candle, and its readout in place
          // of the header.
          const box = (await area(frame).boundingBox())!;
          await page.mouse.move(box.x + box.width * 0.2, box.y + 60);
          await page.mouse.down();
          await page.mouse.move(box.x + box.width * 0.45, box.y + 60, { steps: 4 });
          await frame.locator('.readout').waitFor();
          expect(await frame.locator('.chart .cross').count()).toBe(1);
          expect(await frame.locator('.readout').textContent()).toMatch(
            /(Up|Down|Flat) · .+\d+ trades? · [\d.,₀-₉]+ ETHOpen.+High.+Low.+Close/,
          );
          expect(await frame.locator('.chart-price').count()).toBe(0);
          await page.screenshot({ path: path.join(ARTIFACTS, `chart-scrub-${width}-${colorScheme}.png`) });
          await page.mouse.up();
          await page.mouse.move(box.x + box.width / 2, box.y - 200);
          await frame.locator('.chart-price').waitFor();
          expect(await frame.locator('.chart .cross').count()).toBe(0);

          // The keyboard: focused, the arrows walk the candles from the newest (read out in the live region), and
          // Escape puts the header back.
          await area(frame).focus();
          await page.keyboard.press('ArrowLeft');
          await frame.locator('.readout').waitFor();
          const live = frame.locator('.chart-box [aria-live="polite"]');
          expect(await live.textContent()).toMatch(/, (up|down|flat): open [\d.,]+ ETH, high .+ in \d+ trades?\.$/);
          await page.keyboard.press('Escape');
          await frame.locator('.chart-price').waitFor();
          expect(await live.textContent()).toBe('');
          await page.close();
        }
      }
    }, 300_000);

    it('enable notifications → signed webhook verified → the coin launch notification reaches the client once; disabling and removing stop them, and a replayed enable changes nothing', async () => {
      const standIn = notify!;
      const fanUser = user(FAN_FID, {
        score: 0.9,
        verified_addresses: { eth_addresses: [fanWallet], sol_addresses: [], primary: { eth_address: fanWallet } },
      });
      expect(await deliverSigned(port, secret, [userUpdated(fanUser)])).toEqual([200]);
      // The user's app keys in their client, registered for their fids (as on the hub) before any event is signed.
      const fan = await createFarcasterClientServer({ appOrigin: base(), dataDir: dir, fid: FAN_FID });
      const control = await createFarcasterClientServer({ appOrigin: base(), dataDir: dir, fid: FAN_FID + 1 });
      const remover = await createFarcasterClientServer({ appOrigin: base(), dataDir: dir, fid: FAN_FID + 2 });
      await new Promise((r) => setTimeout(r, 1100)); // the server re-reads the development registry once a second

      // In the app: the user accepts the client's "add GigaVibe" prompt with notifications; the client's server sends
      // our webhook its signed miniapp_added event, then answers the app.
      let added: Awaited<ReturnType<typeof fan.acceptAdd>> | undefined;
      const hosted = await openInHost(browser!, hostServer!, {
        appUrl: `${base()}/app/portfolio`,
        fid: FAN_FID,
        wallet,
        onAddMiniApp: async () => {
          added = await fan.acceptAdd(standIn.url);
          return { accepted: true, notificationDetails: added.notificationDetails };
        },
      });
      const app = hosted.page.frameLocator('iframe');
      const turnOn = app.getByRole('button', { name: 'Turn on notifications' });
      await turnOn.waitFor({ timeout: 20_000 });
      await hosted.page.screenshot({ path: path.join(ARTIFACTS, 'notifications-off-390-light.png') });
      await turnOn.click();
      await app.locator('[data-notifications="on"]').waitFor({ timeout: 20_000 });
      expect(added?.status).toBe(200);
      expect(added?.answer).toEqual({ ok: true, applied: true });
      expect((await hosted.events()).filter((e) => e.name === 'addMiniApp')).toHaveLength(1);
      await hosted.page.screenshot({ path: path.join(ARTIFACTS, 'notifications-on-390-light.png') });
      await hosted.page.close();
      const token = added!.notificationDetails.token;

      // The fan likes a new performance before it goes viral; its coin launches on the devnet.
      const backed = castHash(5152, 'a');
      const payloads = viralPayloads(backed, ARTIST_FID, 64_000);
      payloads.splice(1, 0, reaction({ kind: 'created', type: 1, castHash: backed, reactor: fanUser, at: Date.now() }));
      expect((await deliverSigned(port, secret, payloads)).every((s) => s === 200)).toBe(true);
      const launched = await waitForCoin(backed);
      const id = `coin_live_supporter:${backed}`;
      const requestsFor = (notificationId: string) =>
        standIn.requests.filter((r) => r.notificationId === notificationId);
      await expect
        .poll(() => requestsFor(id).length, { timeout: 60_000 })
        .toBe(1)
        .catch((error: Error) => {
          throw new Error(`${error.message}\n${serverLines(/notif|miniapp|error/i)}`);
        });
      const title = launched.title.replace(/\s+/g, ' ').slice(0, 60);
      expect(requestsFor(id)[0]).toEqual({
        notificationId: id,
        title: 'A set you backed has a coin',
        body: `"${title}" went viral: $${launched.coin.symbol} is live. Be early.`.slice(0, 128),
        targetUrl: `${base()}/app/p/${backed}`,
        tokens: [token],
      });
      // Not sent twice: two more sender runs (every 5 s) send nothing more to this token.
      await new Promise((r) => setTimeout(r, 11_000));
      expect(standIn.requests.filter((r) => r.tokens.includes(token))).toHaveLength(1);
      expect(standIn.shown.filter((s) => s.token === token)).toEqual([{ token, notificationId: id }]);

      // The fan turns notifications off in their client; another user removes the app; a third keeps both on.
      const controlAdd = await control.acceptAdd(standIn.url);
      const removerAdd = await remover.acceptAdd(standIn.url);
      expect([controlAdd.answer, removerAdd.answer]).toEqual([
        { ok: true, applied: true },
        { ok: true, applied: true },
      ]);
      expect((await fan.send({ event: 'notifications_disabled' })).answer).toEqual({ ok: true, applied: true });
      expect((await remover.send({ event: 'miniapp_removed' })).answer).toEqual({ ok: true, applied: true });
      // A captured enabling delivery, replayed: answered 200 (a client retries anything else), nothing changes.
      expect(await fan.replay(added!.body)).toEqual({ status: 200, answer: { ok: true, applied: false } });
      expect(await remover.replay(removerAdd.body)).toEqual({ status: 200, answer: { ok: true, applied: false } });

      const off = await openInHost(browser!, hostServer!, {
        appUrl: `${base()}/app/portfolio`,
        fid: FAN_FID,
        wallet,
        colorScheme: 'dark',
      });
      await off.page.frameLocator('iframe').locator('[data-notifications="off"]').waitFor({ timeout: 20_000 });
      await off.page.screenshot({ path: path.join(ARTIFACTS, 'notifications-disabled-390-dark.png') });
      await off.page.close();

      // All three back the next performance; only the one with notifications on hears of its coin.
      const next = castHash(5153, 'a');
      const more = viralPayloads(next, ARTIST_FID, 66_000);
      for (const fid of [FAN_FID, FAN_FID + 1, FAN_FID + 2]) {
        const reactor = fid === FAN_FID ? fanUser : user(fid, { score: 0.9 });
        more.splice(1, 0, reaction({ kind: 'created', type: 1, castHash: next, reactor, at: Date.now() }));
      }
      expect((await deliverSigned(port, secret, more)).every((s) => s === 200)).toBe(true);
      await waitForCoin(next);
      const nextId = `coin_live_supporter:${next}`;
      await expect.poll(() => requestsFor(nextId).length, { timeout: 60_000 }).toBe(1);
      await new Promise((r) => setTimeout(r, 11_000));
      expect(requestsFor(nextId).flatMap((r) => r.tokens)).toEqual([controlAdd.notificationDetails.token]);
      expect(standIn.requests.filter((r) => r.tokens.includes(token))).toHaveLength(1);
      expect(standIn.requests.filter((r) => r.tokens.includes(removerAdd.notificationDetails.token))).toHaveLength(0);
    }, 240_000);

    it('renders every screen at 320 and 430 px, light and dark (screenshots in test/browser/artifacts)', async () => {
      const screens = [
        ['feed', '/app', '.card'],
        ['performance', `/app/p/${hash}`, '#coin-heading'],
        ['artist', `/app/artist/${ARTIST_FID}`, '.card'],
        ['portfolio', '/app/portfolio', '.screen-title'],
      ] as const;
      for (const [name, appPath, ready] of screens) {
        for (const width of [320, 430]) {
          for (const colorScheme of ['light', 'dark'] as const) {
            const hosted = await launch(appPath, { width, colorScheme });
            const frame = hosted.page.frameLocator('iframe');
            await frame.locator(ready).first().waitFor({ timeout: 20_000 });
            await hosted.page.waitForTimeout(600);
            // Nothing wider than the screen: no horizontal scrolling at 320 px.
            const overflow = await frame.locator('body').evaluate((b) => b.scrollWidth - b.clientWidth);
            expect(overflow, `${name} at ${width} px`).toBeLessThanOrEqual(0);
            await hosted.page.screenshot({ path: path.join(ARTIFACTS, `${name}-${width}-${colorScheme}.png`) });
            await hosted.page.close();
          }
        }
      }
    }, 180_000);

    /** The child server's log lines matching `pattern` (the last 40), for a failure message. */
    function serverLines(pattern: RegExp): string {
      return (spawned?.output() ?? '')
        .split('\n')
        .filter((line) => pattern.test(line))
        .slice(-40)
        .join('\n');
    }

    async function waitForCoin(cast: string): Promise<{ title: string; coin: typeof coin }> {
      const view = await poll(
        async () =>
          (await (await api(`/api/performances/${cast}`)).json()) as { title: string; coin: typeof coin | null },
        (p) => p.coin !== null,
        90_000,
      );
      if (view.coin === null) throw new Error(`no coin for ${cast} in time:\n${spawned?.output().slice(-3000)}`);
      return { title: view.title, coin: view.coin };
    }

    async function balanceOf(owner: `0x${string}`): Promise<bigint> {
      const client = createPublicClient({ transport: http(rpcUrl) });
      return client.readContract({ address: coin.address, abi: erc20Abi, functionName: 'balanceOf', args: [owner] });
    }
  },
);
