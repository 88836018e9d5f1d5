/** POST /api/tx/buy and the frame tx route under abuse: both are reachable by anyone (the API anonymously, the frame
 * with any fid's signature), and each request used to cost a Zora quote on our API key, a simulation and a
 * trade_quotes row that was never deleted; an anonymous quote naming a victim's address could become the quote of
 * the victim's next frame report. The quote service here is a counting stand-in at our Quoter interface (the Zora
 * wire format is covered by test/buyTransaction.test.ts). */
import { randomBytes } from 'node:crypto';
import { encodeFunctionData, type Hex, keccak256, parseEther } from 'viem';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { devSwapRouterAbi } from '../scripts/devnet/devAbis.ts';
import { castHash, performanceCast, user } from '../scripts/neynarPayloads.ts';
import { createRateLimiter } from '../src/http/createRateLimiter.ts';
import { type PrepareBuyDeps, prepareBuy } from '../src/trading/prepareBuy.ts';
import { pruneTradeQuotes } from '../src/trading/pruneTradeQuotes.ts';
import type { QuoteRequest, TradeQuoteRecord } from '../src/trading/types.ts';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';
import { giveCoin } from './support/framesHarness.ts';
import { type TestApp, testApp } from './support/testApp.ts';

const ROUTER = '0x00000000000000000000000000000000000a11ce' as const;
const COINED = castHash(5, 'a') as Hex;

const randomAddress = () => `0x${randomBytes(20).toString('hex')}` as `0x${string}`;

describe.each(databaseTargets())('buy requests under abuse on $name', (target: DatabaseTarget) => {
  let db: TestDatabase;
  let coin: `0x${string}`;
  let quotes: QuoteRequest[];
  let deps: PrepareBuyDeps;
  let app: TestApp;

  const quoteRows = async () =>
    (await db.sql.query<{ n: number }>('select count(*)::int as n from public.trade_quotes'))[0]?.n ?? 0;
  /** The host's client address, as the Workers host reads it. */
  const buy = (body: unknown, client: string, headers: Record<string, string> = {}) =>
    Promise.resolve(
      app.app.request('/api/tx/buy', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'cf-connecting-ip': client, ...headers },
        body: JSON.stringify(body),
      }),
    );

  beforeAll(async () => {
    db = await target.create();
    const seed = testApp(db);
    await seed.deliver(performanceCast(COINED, user(7301)));
    await seed.drainer.drain();
    coin = await giveCoin(db, COINED, 'VIBE');
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(() => {
    quotes = [];
    deps = {
      store: db.stores.trading,
      chainId: 8453,
      bounds: { min: '0.0001', max: '1', default: '0.001' },
      slippage: 0.05,
      launchGuardSeconds: 15,
      now: () => new Date(),
      // The devnet router's call, deterministic like a quote at an unchanged price: the same request, the same calldata.
      quote: async (request) => {
        quotes.push(request);
        const amountOut = request.amountInWei * 1000n;
        const minOut = (amountOut * (10_000n - BigInt(Math.round(request.slippage * 10_000)))) / 10_000n;
        return {
          kind: 'ok',
          target: ROUTER,
          data: encodeFunctionData({
            abi: devSwapRouterAbi,
            functionName: 'buyWithEth',
            args: [request.coin, minOut, request.buyer],
          }),
          value: request.amountInWei,
          amountOut,
          permitsCount: 0,
        };
      },
      allowedRouters: () => new Set([ROUTER]),
      routerAbis: [devSwapRouterAbi],
      limits: {
        client: createRateLimiter({ perMinute: 20 }),
        buyer: createRateLimiter({ perMinute: 10 }),
      },
    };
    app = testApp(db, { trading: deps, clientAddress: (c) => c.req.header('cf-connecting-ip') });
  });

  describe('rate limits', () => {
    it('lets one client make 20 quote requests a minute, then answers 429 + Retry-After without quoting', async () => {
      const answers: Response[] = [];
      // The reported attack: 40 requests in a burst, each for a fresh buyer so only the client budget applies.
      for (let i = 0; i < 40; i++) {
        answers.push(
          await buy({ castHash: COINED, buyer: randomAddress() }, '198.51.100.7', {
            'x-forwarded-for': `203.0.113.${i}`,
          }),
        );
      }
      expect(answers.filter((r) => r.status === 200)).toHaveLength(20);
      const refused = answers.filter((r) => r.status === 429);
      expect(refused).toHaveLength(20);
      for (const r of refused) {
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(Number(r.headers.get('retry-after'))).toBeLessThanOrEqual(3);
        expect(await r.json()).toEqual({ error: expect.stringMatching(/^Too many buy requests; try again in \d+ s$/) });
      }
      expect(quotes).toHaveLength(20);
      // Another client is unaffected, and a refused request never reached Zora or the database.
      expect((await buy({ castHash: COINED, buyer: randomAddress() }, '198.51.100.8')).status).toBe(200);
      expect(quotes).toHaveLength(21);
    });

    it('keys IPv6 clients by /64, so rotating addresses inside it does not reset the budget', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 25; i++) {
        const client = `2001:db8:aa:bb:${i.toString(16)}::1`;
        statuses.push((await buy({ castHash: COINED, buyer: randomAddress() }, client)).status);
      }
      expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    });

    it('limits one buyer address to 10 quote requests a minute from any number of clients', async () => {
      const buyer = randomAddress();
      const statuses: number[] = [];
      for (let i = 0; i < 15; i++) {
        statuses.push((await buy({ castHash: COINED, buyer, amountEth: `0.00${i + 10}` }, `192.0.2.${i}`)).status);
      }
      expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
      expect(statuses.slice(10)).toEqual(Array(5).fill(429));
      expect(quotes).toHaveLength(10);
    });

    it('limits one fid on the frame tx path (prepareBuy) whatever addresses it signs with: 429 before any I/O', async () => {
      for (let i = 0; i < 10; i++) {
        await prepareBuy({ castHash: COINED, buyer: randomAddress(), fid: 4242, source: 'frame' }, deps);
      }
      const refused = prepareBuy({ castHash: COINED, buyer: randomAddress(), fid: 4242, source: 'frame' }, deps);
      await expect(refused).rejects.toMatchObject({ name: 'Http.RateLimitedError', status: 429 });
      expect(quotes).toHaveLength(10);
      await prepareBuy({ castHash: COINED, buyer: randomAddress(), fid: 4243, source: 'frame' }, deps);
      expect(quotes).toHaveLength(11);
    });
  });

  describe('quote rows', () => {
    it('reuses the row of an identical quote instead of inserting another, also when requests race', async () => {
      const buyer = randomAddress();
      // Limits off: this is about what reaches the database.
      const open: PrepareBuyDeps = { ...deps, limits: undefined };
      const before = await quoteRows();
      const first = await prepareBuy({ castHash: COINED, buyer, fid: null, source: 'api' }, open);
      const again = await prepareBuy({ castHash: COINED, buyer, fid: null, source: 'api' }, open);
      expect(again.quoteId).toBe(first.quoteId);
      expect(again.data).toBe(first.data);
      expect(await quoteRows()).toBe(before + 1);

      const racing = await Promise.all(
        Array.from({ length: 6 }, () =>
          prepareBuy({ castHash: COINED, buyer, amountText: '0.002', fid: null, source: 'api' }, open),
        ),
      );
      expect(new Set(racing.map((b) => b.quoteId)).size).toBe(1);
      expect(await quoteRows()).toBe(before + 2);

      // Anything that makes it a different quote is a new row: amount, slippage, source or fid.
      await prepareBuy({ castHash: COINED, buyer, amountText: '0.003', fid: null, source: 'api' }, open);
      await prepareBuy({ castHash: COINED, buyer, slippage: 0.01, fid: null, source: 'api' }, open);
      await prepareBuy({ castHash: COINED, buyer, fid: 77, source: 'frame' }, open);
      expect(await quoteRows()).toBe(before + 5);
    });

    it('prunes quotes no trade links once they are older than the retention, keeping linked ones', async () => {
      const buyer = randomAddress();
      const record = (calldata: number, fid: number | null): TradeQuoteRecord => ({
        source: fid === null ? 'api' : 'frame',
        fid,
        chainId: 8453,
        buyer,
        coinAddress: coin,
        router: ROUTER,
        calldataHash: keccak256(`0x${calldata.toString(16).padStart(2, '0')}`),
        amountInWei: parseEther('0.001'),
        expectedOut: 10n ** 18n,
        minOut: 10n ** 17n,
      });
      const stale = await db.stores.trading.recordTradeQuote(record(1, 31));
      const linked = await db.stores.trading.recordTradeQuote(record(2, 31));
      const fresh = await db.stores.trading.recordTradeQuote(record(3, 31));
      const tx = `0x${randomBytes(32).toString('hex')}`;
      await db.stores.trading.recordPendingTrade({
        source: 'frame',
        chainId: 8453,
        txHash: tx,
        fid: 31,
        buyer,
        coinAddress: coin,
      });
      const [trade] = await db.sql.query<{ quote_id: string }>('select quote_id::text from trades where tx_hash = $1', [
        tx,
      ]);
      expect(trade?.quote_id).toBe(String(fresh));
      await db.sql.query('update trades set quote_id = $1 where tx_hash = $2', [linked, tx]);
      await db.sql.query(
        `update trade_quotes set created_at = now() - interval '2 hours' where id = any($1::bigint[])`,
        [[stale, linked]],
      );

      expect(await pruneTradeQuotes(db.stores.trading)).toBeGreaterThanOrEqual(1);
      const left = await db.sql.query<{ id: string }>(
        'select id::text from trade_quotes where id = any($1::bigint[]) order by id',
        [[stale, linked, fresh]],
      );
      expect(left.map((r) => Number(r.id))).toEqual([linked, fresh]);
      expect(await pruneTradeQuotes(db.stores.trading)).toBe(0);
    });
  });

  describe("an anonymous quote and someone else's report", () => {
    const tradeOf = async (tx: string) =>
      (
        await db.sql.query<{ quote_id: string | null; amount_in_wei: string | null; expected_out: string | null }>(
          'select quote_id::text, amount_in_wei::text, expected_out::text from trades where tx_hash = $1',
          [tx],
        )
      )[0];

    it("never becomes the quote of a fid's frame report: the fid's own newest quote does", async () => {
      const victim = randomAddress();
      const own = await prepareBuy(
        { castHash: COINED, buyer: victim, amountInWei: parseEther('0.002'), fid: 501, source: 'frame' },
        deps,
      );
      // The attacker asks the anonymous API for a quote naming the victim's address, after the victim's quote.
      const planted = await buy({ castHash: COINED, buyer: victim, amountEth: '0.9' }, '198.51.100.66');
      expect(planted.status).toBe(200);
      const tx = `0x${randomBytes(32).toString('hex')}`;
      await db.stores.trading.recordPendingTrade({
        source: 'frame',
        chainId: 8453,
        txHash: tx,
        fid: 501,
        buyer: victim,
        coinAddress: coin,
      });
      expect(await tradeOf(tx)).toEqual({
        quote_id: String(own.quoteId),
        amount_in_wei: parseEther('0.002').toString(),
        expected_out: own.expectedAmountOut.toString(),
      });
    });

    it('leaves a frame report without a quote when only anonymous ones exist, and links those to API reports', async () => {
      const victim = randomAddress();
      const planted = await prepareBuy({ castHash: COINED, buyer: victim, fid: null, source: 'api' }, deps);
      const frameTx = `0x${randomBytes(32).toString('hex')}`;
      await db.stores.trading.recordPendingTrade({
        source: 'frame',
        chainId: 8453,
        txHash: frameTx,
        fid: 502,
        buyer: victim,
        coinAddress: coin,
      });
      expect(await tradeOf(frameTx)).toEqual({ quote_id: null, amount_in_wei: null, expected_out: null });

      const apiTx = `0x${randomBytes(32).toString('hex')}`;
      await db.stores.trading.recordPendingTrade({
        source: 'api',
        chainId: 8453,
        txHash: apiTx,
        fid: null,
        buyer: victim,
        coinAddress: coin,
      });
      expect((await tradeOf(apiTx))?.quote_id).toBe(String(planted.quoteId));

      // Nor can a trade be relinked to it later.
      await expect(
        db.sql.query('update trades set quote_id = $1 where tx_hash = $2', [planted.quoteId, frameTx]),
      ).rejects.toThrow(/may not be linked/);
    });
  });
});
