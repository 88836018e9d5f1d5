import { describe, expect, it } from 'vitest';
import type { Store } from '../db/store.ts';
import { UnavailableError } from '../errors.ts';
import { createRequestScopes, type RequestScope } from './createRequestScopes.ts';

/** A store whose getPerformance answers which invocation it belongs to, after `delayMs`. */
function storeOf(name: string, delayMs = 1): Store {
  return {
    getPerformance: async (castHash: string) => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return { castHash, title: name };
    },
    getTrade: async () => {
      throw new Error(`${name} is down`);
    },
  } as unknown as Store;
}

function scopeOf(name: string, delayMs?: number): RequestScope & { kept: Promise<unknown>[] } {
  const kept: Promise<unknown>[] = [];
  return { store: storeOf(name, delayMs), keepAlive: (work) => kept.push(work), kept };
}

describe('createRequestScopes', () => {
  it("forwards each call to the calling invocation's store, across awaits and timers, and keeps it alive", async () => {
    const scopes = createRequestScopes();
    const store = scopes.store();
    const a = scopeOf('a', 20);
    const b = scopeOf('b', 1);
    const [fromA, fromB] = await Promise.all([
      scopes.run(a, async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return store.getPerformance('0x01');
      }),
      scopes.run(b, () => store.getPerformance('0x02')),
    ]);
    expect(fromA).toEqual({ castHash: '0x01', title: 'a' });
    expect(fromB).toEqual({ castHash: '0x02', title: 'b' });
    expect([a.kept.length, b.kept.length]).toEqual([1, 1]);
  });

  it('passes failures to the caller while the kept-alive copy never rejects', async () => {
    const scopes = createRequestScopes();
    const store = scopes.store();
    const a = scopeOf('a');
    await expect(scopes.run(a, () => store.getTrade(8453, '0x'))).rejects.toThrow('a is down');
    await expect(Promise.all(a.kept)).resolves.toEqual([undefined]);
  });

  it('never closes an invocation store through the shared one', async () => {
    const scopes = createRequestScopes();
    let closed = false;
    const a: RequestScope = {
      store: {
        close: async () => {
          closed = true;
        },
      } as unknown as Store,
      keepAlive: () => undefined,
    };
    await scopes.run(a, () => scopes.store().close());
    expect(closed).toBe(false);
  });

  it('refuses a database call outside any invocation with a 503', async () => {
    const store = createRequestScopes().store();
    await expect(store.getPerformance('0x01')).rejects.toBeInstanceOf(UnavailableError);
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
