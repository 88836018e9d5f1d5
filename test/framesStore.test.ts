import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { castHash, performanceCast, user } from '../scripts/neynarPayloads.ts';
import type { PendingTradeOutcome, RecordedTrade } from '../src/trading/types.ts';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';
import { metricsOf, type TestApp, testApp } from './support/testApp.ts';

const perf = castHash(1, 'f');
const messageHash = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;
const txHash = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;
const buyer = `0x${'b'.repeat(40)}`;
const coin = `0x${'c'.repeat(40)}`;

/** The recorded trade of an outcome; fails the test when the report was refused. */
function recorded(outcome: PendingTradeOutcome): RecordedTrade {
  if (!outcome.recorded) throw new Error(`report refused: ${outcome.reason}`);
  return outcome;
}

describe.each(databaseTargets())('frame actions and trades in SQL on $name', (target: DatabaseTarget) => {
  let db: TestDatabase;
  let app: TestApp;

  beforeAll(async () => {
    db = await target.create();
    app = testApp(db);
    await app.deliver(performanceCast(perf, user(7000)));
    await app.drainer.drain();
  });
  afterAll(async () => {
    await db.close();
  });

  const action = (n: number, fid: number, castHashValue: string | null = perf) => ({
    messageHash: messageHash(n),
    fid,
    castHash: castHashValue,
    action: 'refresh',
    buttonIndex: 2,
    signedAt: new Date(),
  });

  it('accepts a signed action once and refuses its replay', async () => {
    expect(await db.stores.frames.recordFrameAction(action(1, 11))).toMatchObject({
      status: 'recorded',
      newViewer: true,
    });
    expect(await db.stores.frames.recordFrameAction(action(1, 11))).toMatchObject({
      status: 'replay',
      newViewer: false,
    });
    const rows = await db.sql.query<{ n: number }>(
      `select count(*)::int as n from analytics_events where event_type = 'frame_action'`,
    );
    expect(rows[0]?.n).toBe(1);
  });

  it('counts each verified viewer once in the views metric, concurrently too', async () => {
    const before = (await metricsOf(app, perf)).views;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => db.stores.frames.recordFrameAction(action(100 + i, 20 + (i % 5)))),
    );
    expect((await metricsOf(app, perf)).views).toBe(before + 5);
    const rows = await db.sql.query<{ views_s: number }>(`select views_s from viral_aggregates where cast_hash = $1`, [
      perf,
    ]);
    expect(rows[0]?.views_s).toBeGreaterThan(0);
  });

  it('does not count views for casts that are not performances', async () => {
    const other = castHash(99, 'f');
    expect(await db.stores.frames.recordFrameAction(action(500, 30, other))).toMatchObject({
      status: 'recorded',
      newViewer: false,
    });
    expect(await db.stores.frames.recordFrameAction(action(501, 30, null))).toMatchObject({ status: 'recorded' });
  });

  it('logs unsigned views as analytics only and prunes the replay registry', async () => {
    const before = (await metricsOf(app, perf)).views;
    expect(await db.stores.frames.recordFrameViews([{ castHash: perf, kind: 'frame', at: new Date() }])).toBe(1);
    expect((await metricsOf(app, perf)).views).toBe(before);
    expect(await db.stores.frames.pruneFrameActions(new Date(Date.now() + 60_000))).toBeGreaterThan(0);
  });

  it('records a pending trade once per tx hash with the newest quote, then settles it once', async () => {
    const quoteId = await db.stores.trading.recordTradeQuote({
      source: 'frame',
      fid: 11,
      chainId: 8453,
      buyer,
      coinAddress: coin,
      router: `0x${'d'.repeat(40)}`,
      calldataHash: txHash(9),
      amountInWei: 10n ** 15n,
      expectedOut: 5n * 10n ** 18n,
      minOut: 4n * 10n ** 18n,
    });
    expect(quoteId).toBeGreaterThan(0);
    const report = { source: 'frame' as const, chainId: 8453, txHash: txHash(1), fid: 11, buyer, coinAddress: coin };
    const first = recorded(await db.stores.trading.recordPendingTrade(report));
    expect(first).toMatchObject({ status: 'pending', created: true, amountInWei: '1000000000000000' });
    expect(await db.stores.trading.recordPendingTrade(report)).toMatchObject({ id: first.id, created: false });

    const claimed = await db.stores.trading.claimPendingTrades('w1', 10, 60);
    expect(claimed.map((t) => t.id)).toEqual([first.id]);
    expect(claimed[0]?.quote?.id).toBe(quoteId);
    expect(await db.stores.trading.claimPendingTrades('w2', 10, 60)).toEqual([]);
    expect(await db.stores.trading.settleTrade(first.id, 'w2', { status: 'failed', reason: 'x' })).toBe('not_owner');
    expect(
      await db.stores.trading.settleTrade(first.id, 'w1', { status: 'confirmed', blockNumber: 7n, amountOut: 6n }),
    ).toBe('confirmed');
    expect(await db.stores.trading.settleTrade(first.id, 'w1', { status: 'failed', reason: 'late' })).toBe('confirmed');
    expect(await db.stores.trading.getTrade(8453, txHash(1))).toMatchObject({
      status: 'confirmed',
      amountOut: '6',
      expectedOut: '5000000000000000000',
    });
    await expect(db.sql.query(`update trades set status = 'failed', failure_reason = 'x'`)).rejects.toThrow(
      /already confirmed/,
    );
  });

  it("keeps a false report of someone else's transaction apart from the real buyer's", async () => {
    const attacker = `0x${'a'.repeat(40)}`;
    const tx = txHash(3);
    const report = { source: 'frame' as const, chainId: 8453, txHash: tx, fid: 12, coinAddress: coin };
    const fake = recorded(await db.stores.trading.recordPendingTrade({ ...report, buyer: attacker }));
    const real = recorded(await db.stores.trading.recordPendingTrade({ ...report, buyer }));
    expect(real.id).not.toBe(fake.id);
    expect(real).toMatchObject({ created: true, buyer });
    const claimed = await db.stores.trading.claimPendingTrades('w9', 10, 60);
    expect(claimed.map((t) => t.id).sort()).toEqual([fake.id, real.id].sort());
    await db.stores.trading.settleTrade(fake.id, 'w9', { status: 'failed', reason: 'sent by another address' });
    await db.stores.trading.settleTrade(real.id, 'w9', { status: 'confirmed', blockNumber: 8n, amountOut: 5n });
    expect(await db.stores.trading.getTrade(8453, tx)).toMatchObject({ id: real.id, status: 'confirmed', buyer });
  });

  it('reschedules a pending trade without settling it', async () => {
    const t = recorded(
      await db.stores.trading.recordPendingTrade({
        source: 'api',
        chainId: 8453,
        txHash: txHash(2),
        fid: null,
        buyer,
        coinAddress: coin,
      }),
    );
    const [c] = await db.stores.trading.claimPendingTrades('w1', 10, 60);
    expect(c?.id).toBe(t.id);
    expect(await db.stores.trading.settleTrade(t.id, 'w1', { status: 'pending', retrySeconds: 3600 })).toBe('pending');
    expect(await db.stores.trading.claimPendingTrades('w1', 10, 60)).toEqual([]);
    await db.sql.query('update trades set next_check_at = now() where id = $1', [t.id]);
    const [again] = await db.stores.trading.claimPendingTrades('w1', 10, 60);
    expect(again?.quote).not.toBeNull();
    // The mined calldata matched no quote: the settlement unlinks it and its expected amount.
    expect(
      await db.stores.trading.settleTrade(t.id, 'w1', {
        status: 'confirmed',
        blockNumber: 9n,
        amountOut: 1n,
        quoteId: null,
      }),
    ).toBe('confirmed');
    expect(await db.stores.trading.getTrade(8453, txHash(2))).toMatchObject({ expectedOut: null, amountOut: '1' });
    expect(await db.stores.trading.getBuyTarget(perf)).toMatchObject({ castHash: perf, coin: null, deleted: false });
    expect(await db.stores.trading.getBuyTarget(castHash(98, 'f'))).toBeNull();
  });
});
