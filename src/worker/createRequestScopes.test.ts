import { describe, expect, it } from 'vitest';
import { createStores } from '../createStores.ts';
import type { Rpc } from '../db/rpc.ts';
import { UnavailableError } from '../errors.ts';
import type { Performance } from '../performances/types.ts';
import { createRequestScopes, type RequestScope } from './createRequestScopes.ts';

/** A performance titled with the invocation that read it. */
function performanceOf(castHash: string, title: string): Performance {
  const component = { count: 0, contribution: 0 };
  return {
    castHash,
    title,
    text: title,
    audio: null,
    channelUrl: null,
    artist: { fid: 1, username: null, displayName: null, pfpUrl: null, walletAddress: null },
    metrics: { likes: 0, recasts: 0, replies: 0, views: 0 },
    createdAt: '2026-11-22T10:00:00.000Z',
    viral: {
      score: 0,
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
      status: 'tracking',
    },
    coin: null,
  };
}

/** An invocation's database: get_performance answers which invocation it belongs to, after `delayMs`; get_trade fails;
 * `closed` tells whether the connection was closed. */
function rpcOf(name: string, delayMs = 1): Rpc & { closed: boolean } {
  return {
    closed: false,
    async call(fn, args) {
      if (fn === 'get_performance') {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        return performanceOf(String(args.p_cast_hash), name);
      }
      throw new Error(`${name} is down`);
    },
    async close() {
      this.closed = true;
    },
  };
}

function scopeOf(name: string, delayMs?: number): RequestScope & { kept: Promise<unknown>[] } {
  const kept: Promise<unknown>[] = [];
  return { stores: createStores(rpcOf(name, delayMs)), keepAlive: (work) => kept.push(work), kept };
}

describe('createRequestScopes', () => {
  it("forwards each call to the calling invocation's store, across awaits and timers, and keeps it alive", async () => {
    const scopes = createRequestScopes();
    const { performances } = scopes.stores();
    const a = scopeOf('a', 20);
    const b = scopeOf('b', 1);
    const [fromA, fromB] = await Promise.all([
      scopes.run(a, async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return performances.getPerformance('0x01');
      }),
      scopes.run(b, () => performances.getPerformance('0x02')),
    ]);
    expect(fromA).toEqual(performanceOf('0x01', 'a'));
    expect(fromB).toEqual(performanceOf('0x02', 'b'));
    expect([a.kept.length, b.kept.length]).toEqual([1, 1]);
  });

  it('passes failures to the caller while the kept-alive copy never rejects', async () => {
    const scopes = createRequestScopes();
    const { trading } = scopes.stores();
    const a = scopeOf('a');
    await expect(scopes.run(a, () => trading.getTrade(8453, '0x'))).rejects.toThrow('a is down');
    await expect(Promise.all(a.kept)).resolves.toEqual([undefined]);
  });

  it('never closes an invocation store through the shared one', async () => {
    const scopes = createRequestScopes();
    const rpc = rpcOf('a');
    const a: RequestScope = { stores: createStores(rpc), keepAlive: () => undefined };
    await scopes.run(a, () => scopes.stores().close());
    expect(rpc.closed).toBe(false);
  });

  it('refuses a database call outside any invocation with a 503', async () => {
    const { performances } = createRequestScopes().stores();
    await expect(performances.getPerformance('0x01')).rejects.toBeInstanceOf(UnavailableError);
  });

  it('keeps other adapters alive in the invocation that calls them, and calls them anyway outside one', async () => {
    const scopes = createRequestScopes();
    const lookup = scopes.keepingAlive(async (fid: number) => fid > 0);
    const a = scopeOf('a');
    expect(await scopes.run(a, () => lookup(7))).toBe(true);
    expect(a.kept).toHaveLength(1);
    expect(await lookup(-1)).toBe(false);
  });
});
