import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../errors.ts';
import type { Logger } from '../support/logger.ts';
import type { PricedCoin } from '../trading/createCoinPriceReader.ts';
import type { BuyTarget } from '../trading/types.ts';
import { createPerformanceViews, type PerformanceViewsDeps } from './createPerformanceViews.ts';
import type { Performance } from './types.ts';

const hash = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;
/** Each cast's coin has an address of its own. */
const coinOf = (castHash: string) => `0x${castHash.slice(4)}cc`;
const COIN = coinOf(hash(2));
const POOL_ID = `0x${'b'.repeat(64)}`;
const poolKeyOf = (coin: string) => ({
  currency0: `0x${'0'.repeat(40)}`,
  currency1: coin,
  fee: 10000,
  tickSpacing: 200,
  hooks: coin,
});
const POOL_KEY = poolKeyOf(COIN);

function performance(castHash: string, coined: boolean): Performance {
  const component = { count: 0, contribution: 0 };
  return {
    castHash,
    title: 'Live take',
    text: 'Live take',
    audio: null,
    channelUrl: null,
    artist: { fid: 1, username: 'artist', displayName: null, pfpUrl: null, walletAddress: null },
    metrics: { likes: 1, recasts: 0, replies: 0, views: 0 },
    createdAt: '2026-11-22T10:00:00.000Z',
    viral: {
      score: 1,
      threshold: 10,
      components: {
        likes: component,
        recasts: component,
        replies: component,
        views: component,
        uniqueEngagers: component,
      },
      minUniqueEngagers: 1,
      halfLifeHours: 24,
      status: coined ? 'coined' : 'tracking',
    },
    coin: coined
      ? {
          address: coinOf(castHash),
          symbol: 'LIVE',
          name: 'Live',
          txHash: `0x${'d'.repeat(64)}`,
          poolId: POOL_ID,
          createdAt: '2026-11-22T11:00:00.000Z',
        }
      : null,
  };
}

function buyTarget(castHash: string): BuyTarget {
  return {
    castHash,
    performanceId: '1',
    title: 'Live take',
    deleted: false,
    coin: {
      address: coinOf(castHash),
      chainId: 8453,
      symbol: 'LIVE',
      name: 'Live',
      poolId: POOL_ID,
      poolKey: poolKeyOf(coinOf(castHash)),
      createdAt: '2026-11-22T11:00:00.000Z',
    },
  };
}

/** The two stores the views read, over a map of cast hash to "coined?", counting reads; `gate` holds reads until released. */
function fakeStore(casts: Record<string, boolean>) {
  const reads: string[] = [];
  const targetReads: string[] = [];
  let release: (() => void) | null = null;
  let gate: Promise<void> | null = null;
  let failWith: Error | null = null;
  const stores: PerformanceViewsDeps['stores'] = {
    performances: {
      async getPerformance(castHash) {
        reads.push(castHash);
        if (gate !== null) await gate;
        if (failWith !== null) throw failWith;
        const coined = casts[castHash];
        return coined === undefined ? null : performance(castHash, coined);
      },
    },
    trading: {
      async getBuyTarget(castHash) {
        targetReads.push(castHash);
        return casts[castHash] === undefined ? null : buyTarget(castHash);
      },
    },
  };
  return {
    stores,
    reads,
    targetReads,
    hold() {
      gate = new Promise((resolve) => {
        release = resolve;
      });
    },
    release() {
      gate = null;
      release?.();
    },
    fail(error: Error | null) {
      failWith = error;
    },
  };
}

function recordingLogger() {
  const warnings: { msg: string; fields: Record<string, unknown> | undefined }[] = [];
  const logger: Logger = { debug() {}, info() {}, warn: (msg, fields) => warnings.push({ msg, fields }), error() {} };
  return { logger, warnings };
}

const pricedAt = (ethPerCoin: string) => {
  const asked: PricedCoin[] = [];
  const read = async (coin: PricedCoin) => {
    asked.push(coin);
    return { ethPerCoin };
  };
  return { read, asked };
};

describe('createPerformanceViews', () => {
  const PLAIN = hash(1);
  const COINED = hash(2);

  it('answers the performance, no market without a coin, and null for an unknown cast', async () => {
    const db = fakeStore({ [PLAIN]: false });
    const { getPerformanceView } = createPerformanceViews({
      stores: db.stores,
      coinPrice: pricedAt('1').read,
      logger: recordingLogger().logger,
      priceTimeoutMs: 1000,
    });
    const view = await getPerformanceView(PLAIN);
    expect(view).toMatchObject({ performance: performance(PLAIN, false), market: null });
    expect(view?.readAt).toBeTypeOf('number');
    expect(await getPerformanceView(hash(9))).toBeNull();
    expect(db.targetReads).toEqual([]);
  });

  it("adds the coin's pool and its price, reading the pool once per coin", async () => {
    const db = fakeStore({ [COINED]: true });
    const price = pricedAt('0.000001234567');
    const { getPerformanceView } = createPerformanceViews({
      stores: db.stores,
      coinPrice: price.read,
      logger: recordingLogger().logger,
      priceTimeoutMs: 1000,
    });
    expect((await getPerformanceView(COINED))?.market).toEqual({
      poolId: POOL_ID,
      poolKey: POOL_KEY,
      priceEth: '0.000001234567',
    });
    await getPerformanceView(COINED);
    expect(db.reads).toEqual([COINED, COINED]);
    expect(db.targetReads).toEqual([COINED]);
    expect(price.asked).toEqual([
      { address: COIN, poolId: POOL_ID, poolKey: POOL_KEY },
      { address: COIN, poolId: POOL_ID, poolKey: POOL_KEY },
    ]);
  });

  it('shares one database round trip between concurrent reads of one cast (single flight)', async () => {
    const db = fakeStore({ [PLAIN]: false });
    const { getPerformanceView } = createPerformanceViews({
      stores: db.stores,
      logger: recordingLogger().logger,
      priceTimeoutMs: 1000,
    });
    db.hold();
    const reads = [getPerformanceView(PLAIN), getPerformanceView(PLAIN), getPerformanceView(PLAIN)];
    db.release();
    const [a, b, c] = await Promise.all(reads);
    expect(db.reads).toEqual([PLAIN]);
    expect(a).toBe(b);
    expect(b).toBe(c);
    // Once settled, the next read goes to the database again.
    await getPerformanceView(PLAIN);
    expect(db.reads).toEqual([PLAIN, PLAIN]);
  });

  it('gives a fresh read its own round trip, which later reads then join', async () => {
    const db = fakeStore({ [PLAIN]: false });
    const { getPerformanceView } = createPerformanceViews({
      stores: db.stores,
      logger: recordingLogger().logger,
      priceTimeoutMs: 1000,
    });
    db.hold();
    const before = getPerformanceView(PLAIN);
    const fresh = getPerformanceView(PLAIN, { fresh: true });
    const after = getPerformanceView(PLAIN);
    db.release();
    await Promise.all([before, fresh, after]);
    expect(db.reads).toEqual([PLAIN, PLAIN]);
    expect(await after).toBe(await fresh);
    expect(await before).not.toBe(await fresh);
  });

  it('leaves the price null without a reader, and reads no pool', async () => {
    const db = fakeStore({ [COINED]: true });
    const { getPerformanceView } = createPerformanceViews({
      stores: db.stores,
      logger: recordingLogger().logger,
      priceTimeoutMs: 1000,
    });
    expect((await getPerformanceView(COINED))?.market).toEqual({ poolId: POOL_ID, poolKey: null, priceEth: null });
    expect(db.targetReads).toEqual([]);
  });

  it('leaves the price null when the reader knows no price (unknown or uninitialised pool)', async () => {
    const db = fakeStore({ [COINED]: true });
    const { getPerformanceView } = createPerformanceViews({
      stores: db.stores,
      coinPrice: async () => null,
      logger: recordingLogger().logger,
      priceTimeoutMs: 1000,
    });
    expect((await getPerformanceView(COINED))?.market?.priceEth).toBeNull();
  });

  it('answers without the price when the chain is slower than priceTimeoutMs', async () => {
    const db = fakeStore({ [COINED]: true });
    const { getPerformanceView } = createPerformanceViews({
      stores: db.stores,
      coinPrice: () => new Promise(() => {}),
      logger: recordingLogger().logger,
      priceTimeoutMs: 20,
    });
    const started = Date.now();
    const view = await getPerformanceView(COINED);
    expect(view?.market).toEqual({ poolId: POOL_ID, poolKey: POOL_KEY, priceEth: null });
    expect(view?.performance.coin?.address).toBe(COIN);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('answers without the price when the read fails, and logs why', async () => {
    const db = fakeStore({ [COINED]: true });
    const { logger, warnings } = recordingLogger();
    const { getPerformanceView } = createPerformanceViews({
      stores: db.stores,
      coinPrice: async () => {
        throw new Error('rpc down');
      },
      logger,
      priceTimeoutMs: 1000,
    });
    expect((await getPerformanceView(COINED))?.market?.priceEth).toBeNull();
    expect(warnings).toEqual([
      { msg: 'coin price unavailable', fields: expect.objectContaining({ castHash: COINED, error: 'rpc down' }) },
    ]);
  });

  it('fails the view as a 503 when the database fails, and the next read tries again', async () => {
    const db = fakeStore({ [PLAIN]: false });
    const { getPerformanceView } = createPerformanceViews({
      stores: db.stores,
      logger: recordingLogger().logger,
      priceTimeoutMs: 1000,
    });
    db.fail(new Error('connection refused'));
    await expect(getPerformanceView(PLAIN)).rejects.toBeInstanceOf(UnavailableError);
    db.fail(null);
    expect(await getPerformanceView(PLAIN)).not.toBeNull();
  });

  it('keeps the view read last per cast, forgets a cast that is gone, and bounds the cache', async () => {
    const casts: Record<string, boolean> = { [hash(1)]: false, [hash(2)]: false, [hash(3)]: false };
    const db = fakeStore(casts);
    const views = createPerformanceViews({
      stores: db.stores,
      logger: recordingLogger().logger,
      priceTimeoutMs: 1000,
      maxEntries: 2,
    });
    const first = await views.getPerformanceView(hash(1));
    expect(views.recentPerformanceView(hash(1))).toBe(first);
    await views.getPerformanceView(hash(2));
    expect(views.recentPerformanceView(hash(2))).toBeDefined();
    await views.getPerformanceView(hash(3));
    expect(views.recentPerformanceView(hash(1))).toBeUndefined();
    expect(views.recentPerformanceView(hash(3))).toBeDefined();

    delete casts[hash(3)];
    expect(await views.getPerformanceView(hash(3))).toBeNull();
    expect(views.recentPerformanceView(hash(3))).toBeUndefined();
  });

  it('bounds the pool cache', async () => {
    const db = fakeStore({ [hash(1)]: true, [hash(2)]: true });
    const { getPerformanceView } = createPerformanceViews({
      stores: db.stores,
      coinPrice: pricedAt('1').read,
      logger: recordingLogger().logger,
      priceTimeoutMs: 1000,
      maxEntries: 1,
    });
    await getPerformanceView(hash(1));
    await getPerformanceView(hash(1));
    expect(db.targetReads).toEqual([hash(1)]);
    await getPerformanceView(hash(2));
    await getPerformanceView(hash(1));
    expect(db.targetReads).toEqual([hash(1), hash(2), hash(1)]);
  });
});
