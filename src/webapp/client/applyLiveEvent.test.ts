import { describe, expect, it } from 'vitest';
import { applyCoinEvent, applyMetricsEvent } from './applyLiveEvent.ts';
import type { Performance } from './types.ts';

const component = { count: 0, contribution: 0 };
const performance: Performance = {
  castHash: '0xAA00000000000000000000000000000000000001',
  title: 't',
  text: 't',
  audio: null,
  artist: { fid: 1, username: null, displayName: null, pfpUrl: null },
  metrics: { likes: 1, recasts: 2, replies: 3, views: 4 },
  createdAt: '2026-11-30T00:00:00Z',
  viral: {
    score: 1,
    threshold: 100,
    components: {
      likes: component,
      recasts: component,
      replies: component,
      views: component,
      uniqueEngagers: component,
    },
    minUniqueEngagers: 10,
    halfLifeHours: 24,
    status: 'tracking',
  },
  coin: { address: '0xC0', symbol: 'C', name: 'C', createdAt: '2026-11-30T00:00:00Z', priceEth: '0.1', market: null },
};

describe('applyMetricsEvent', () => {
  it('takes new counts (top level or under metrics) and the score, for its own cast only', () => {
    const next = applyMetricsEvent(performance, { castHash: '0xaa00000000000000000000000000000000000001', likes: 9 });
    expect(next.metrics).toEqual({ likes: 9, recasts: 2, replies: 3, views: 4 });
    const nested = applyMetricsEvent(performance, {
      castHash: performance.castHash,
      metrics: { replies: 7 },
      viral: { score: 55 },
    });
    expect(nested.metrics.replies).toBe(7);
    expect(nested.viral.score).toBe(55);
    expect(nested.viral.threshold).toBe(100);
    expect(applyMetricsEvent(performance, { castHash: '0xbb', likes: 9 })).toBe(performance);
  });

  it('ignores values that are not counts and returns the same object when nothing changed', () => {
    const next = applyMetricsEvent(performance, {
      castHash: performance.castHash,
      likes: -1,
      recasts: 'x',
      views: NaN,
    });
    expect(next).toBe(performance);
  });
});

describe('applyCoinEvent', () => {
  it('merges the market of its coin (any address case) and leaves other coins alone', () => {
    const next = applyCoinEvent(performance, {
      coinAddress: '0xc0',
      market: { priceWei: '5', holders: 3, change24h: 0.1, marketCapWei: 7 },
    });
    expect(next.coin?.market).toEqual({ priceWei: '5', holders: 3, change24h: 0.1 });
    expect(applyCoinEvent(performance, { coinAddress: '0xc1', priceWei: '5' })).toBe(performance);
    // The stream's shape: the coin's JSON with its market, as GET /api/performances/:castHash has it.
    const streamed = applyCoinEvent(performance, {
      coinAddress: '0xC0',
      castHash: performance.castHash,
      coin: { address: '0xc0', market: { priceWei: '7', change24h: '-1.5000', holders: 4 } },
    });
    expect(streamed.coin?.market).toEqual({ priceWei: '7', change24h: '-1.5000', holders: 4 });
    expect(applyCoinEvent({ ...performance, coin: null }, { coinAddress: '0xc0', priceWei: '5' }).coin).toBeNull();
  });
});
