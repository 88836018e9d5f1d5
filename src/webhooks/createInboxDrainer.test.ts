import { describe, expect, it } from 'vitest';
import { createLogger } from '../support/logger.ts';
import { createInboxDrainer } from './createInboxDrainer.ts';

/** A fake inbox: `pending` rows, each costing `msPerRow` of (virtual) apply time. */
function fakeStore(pending: number, msPerRow: number) {
  const limits: number[] = [];
  let now = 0;
  const store = {
    async applyInbox(limit: number) {
      limits.push(limit);
      const n = Math.min(limit, pending);
      pending -= n;
      now += n * msPerRow;
      return { applied: n, failed: [] as number[] };
    },
  };
  return { store, limits, clock: () => now, left: () => pending };
}

const quiet = createLogger('silent');

describe('createInboxDrainer', () => {
  it('applies everything and adapts the batch size to the target duration per call', async () => {
    const fake = fakeStore(20_000, 0.1);
    const realNow = performance.now.bind(performance);
    // Apply time is virtual: performance.now follows the fake clock during the drain.
    performance.now = fake.clock;
    try {
      const drainer = createInboxDrainer(fake.store, quiet, { targetBatchMs: 100, initialBatch: 200, maxBatch: 5000 });
      expect(await drainer.drain()).toEqual({ applied: 20_000, failed: 0 });
    } finally {
      performance.now = realNow;
    }
    expect(fake.left()).toBe(0);
    expect(fake.limits[0]).toBe(200);
    // 0.1 ms per row and 100 ms per call: 1,000 rows per call once measured.
    expect(fake.limits[1]).toBe(1000);
    expect(Math.max(...fake.limits)).toBeLessThanOrEqual(5000);
  });

  it('keeps the batch size within its bounds', async () => {
    const slow = fakeStore(500, 50);
    const realNow = performance.now.bind(performance);
    performance.now = slow.clock;
    try {
      await createInboxDrainer(slow.store, quiet, { targetBatchMs: 100, minBatch: 50, initialBatch: 100 }).drain();
    } finally {
      performance.now = realNow;
    }
    expect(slow.limits.slice(1).every((l) => l === 50)).toBe(true);
  });

  it('rests between calls only while acknowledgements are waiting', async () => {
    let busy = true;
    let calls = 0;
    const rests: number[] = [];
    let total = 0;
    const store = {
      async applyInbox(limit: number) {
        calls++;
        if (calls === 3) busy = false;
        // Calls 1 and 2 fill their batch, call 3 does not, call 4 finds the inbox empty.
        const applied = calls <= 2 ? limit : calls === 3 ? 10 : 0;
        total += applied;
        return { applied, failed: [] as number[] };
      },
    };
    const drainer = createInboxDrainer(store, quiet, {
      lingerMs: 40,
      restRatio: 0.5,
      initialBatch: 100,
      ackBusy: () => busy,
      sleep: async (ms) => {
        rests.push(ms);
      },
    });
    expect(await drainer.drain()).toEqual({ applied: total, failed: 0 });
    expect(calls).toBe(4);
    // Two rests while busy (half of a full call's duration each, so under lingerMs), none once idle.
    expect(rests).toHaveLength(2);
    for (const ms of rests) expect(ms).toBeLessThan(40);
  });

  it('lingers after a partial batch while acknowledgements are waiting', async () => {
    let calls = 0;
    const rests: number[] = [];
    const store = {
      async applyInbox() {
        calls++;
        return { applied: calls === 1 ? 10 : 0, failed: [] as number[] };
      },
    };
    const drainer = createInboxDrainer(store, quiet, {
      lingerMs: 40,
      ackBusy: () => calls < 2,
      sleep: async (ms) => {
        rests.push(ms);
      },
    });
    await drainer.drain();
    expect(rests).toEqual([40]);
  });

  it('lingers when deliveries keep arriving during a call, even with the writer idle', async () => {
    let calls = 0;
    const rests: number[] = [];
    const drainer = createInboxDrainer(
      {
        async applyInbox() {
          calls++;
          // Two calls see a delivery committed while they ran (the route kicks the drainer after each commit).
          if (calls <= 2) queueMicrotask(() => drainer.kick());
          return { applied: calls <= 2 ? 1 : 0, failed: [] as number[] };
        },
      },
      quiet,
      {
        lingerMs: 30,
        sleep: async (ms) => {
          rests.push(ms);
        },
      },
    );
    expect(await drainer.drain()).toEqual({ applied: 2, failed: 0 });
    expect(rests).toEqual([30, 30]);
  });

  it('does not linger when a drain is asked for during a call without a delivery (the periodic drain job)', async () => {
    let calls = 0;
    const rests: number[] = [];
    const drainer = createInboxDrainer(
      {
        async applyInbox() {
          calls++;
          if (calls <= 2) queueMicrotask(() => void drainer.drain());
          return { applied: calls <= 2 ? 1 : 0, failed: [] as number[] };
        },
      },
      quiet,
      { lingerMs: 30, sleep: async (ms) => void rests.push(ms) },
    );
    expect(await drainer.drain()).toEqual({ applied: 2, failed: 0 });
    // Looked again after each (calls 2 and 3), without waiting.
    expect(calls).toBe(3);
    expect(rests).toEqual([]);
  });

  it('stops resting once application has been behind for maxLagMs (every call full)', async () => {
    /** 1,200 rows in full batches of 100, 10 ms of (virtual) time per call, acknowledgements always waiting. */
    const run = async (maxLagMs?: number) => {
      let now = 0;
      let pending = 1200;
      const rests: number[] = [];
      const store = {
        async applyInbox(limit: number) {
          now += 10;
          const n = Math.min(limit, pending);
          pending -= n;
          return { applied: n, failed: [] as number[] };
        },
      };
      const realNow = performance.now.bind(performance);
      performance.now = () => now;
      try {
        await createInboxDrainer(store, quiet, {
          initialBatch: 100,
          minBatch: 100,
          maxBatch: 100,
          restRatio: 2,
          ackBusy: () => true,
          sleep: async (ms) => {
            rests.push(ms);
            now += ms;
          },
          ...(maxLagMs === undefined ? {} : { maxLagMs }),
        }).drain();
      } finally {
        performance.now = realNow;
      }
      return rests;
    };
    // Always resting: twice each call's 10 ms after every one of the 12 full calls.
    expect(await run()).toEqual(Array(12).fill(20));
    // Behind since the first full call (t = 10): it rests after the calls ending at 10 and 40, not from 70 on.
    expect(await run(50)).toEqual([20, 20]);
  });

  it('gives each call its target as a time budget, and calls again without lingering when events were deferred', async () => {
    const budgets: (number | undefined)[] = [];
    const rests: number[] = [];
    // A burst of casts: each call applies a few and defers the rest (its budget ran out), then the inbox is empty.
    const answers = [
      { applied: 2, deferred: 8 },
      { applied: 0, deferred: 8 },
      { applied: 3, deferred: 5 },
      { applied: 5 },
      { applied: 0 },
    ];
    const drainer = createInboxDrainer(
      {
        async applyInbox(_limit: number, budgetMs?: number) {
          budgets.push(budgetMs);
          const next = answers.shift() ?? { applied: 0 };
          return { failed: [] as number[], ...next };
        },
      },
      quiet,
      {
        targetBatchMs: 20,
        lingerMs: 40,
        restRatio: 0,
        ackBusy: () => true,
        sleep: async (ms) => {
          rests.push(ms);
        },
      },
    );
    expect(await drainer.drain()).toEqual({ applied: 10, failed: 0 });
    expect(budgets).toEqual([20, 20, 20, 20, 20]);
    // A deferring call counts as full: no 40 ms linger after it (only the partial batch of 5 lingers).
    expect(rests).toEqual([0, 0, 0, 40]);
  });

  it('lets the event loop run between calls (requests that arrived meanwhile reach the writer first)', async () => {
    let calls = 0;
    let ranBetween = false;
    let seenBySecondCall: boolean | null = null;
    const drainer = createInboxDrainer(
      {
        async applyInbox() {
          calls++;
          // An I/O-phase callback queued during call 1 must run before call 2 starts.
          if (calls === 1) setImmediate(() => (ranBetween = true));
          if (calls === 2) seenBySecondCall = ranBetween;
          return { applied: calls === 1 ? 1 : 0, failed: [] as number[] };
        },
      },
      quiet,
      { ackBusy: () => false },
    );
    await drainer.drain();
    expect(calls).toBe(2);
    expect(seenBySecondCall).toBe(true);
  });

  it('retries a batch after a deadlock and stops (keeping the rows) when the database is unreachable', async () => {
    let calls = 0;
    const store = {
      async applyInbox() {
        calls++;
        if (calls === 1) throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
        if (calls === 2) return { applied: 5, failed: [] as number[] };
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      },
    };
    expect(await createInboxDrainer(store, quiet).drain()).toEqual({ applied: 5, failed: 0 });
    expect(calls).toBe(3);
  });

  describe('lanes', () => {
    /** A fake inbox of reactions by fid; a lane call takes only its fids (fid mod of = index), an unlaned call any.
     * Every call takes a macrotask, like a query, and the fake records how many ran at once. */
    function laneStore(fids: number[]) {
      let pending = [...fids];
      const calls: { lane: string; n: number }[] = [];
      let inFlight = 0;
      let maxInFlight = 0;
      const store = {
        async applyInbox(limit: number, _budget?: number, lane?: { index: number; of: number }) {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await new Promise((r) => setTimeout(r, 1));
          const mine = pending.filter((f) => lane === undefined || f % lane.of === lane.index).slice(0, limit);
          pending = pending.filter((f) => !mine.includes(f));
          calls.push({ lane: lane === undefined ? 'all' : `${lane.index}/${lane.of}`, n: mine.length });
          inFlight--;
          return { applied: mine.length, failed: [] as number[] };
        },
      };
      return { store, calls, left: () => pending.length, maxInFlight: () => maxInFlight };
    }
    const fids = (n: number) => Array.from({ length: n }, (_, i) => 1000 + i);

    it('applies a backlog left by a burst in lanes at once, then confirms the whole inbox is empty', async () => {
      const fake = laneStore(fids(1000));
      const drainer = createInboxDrainer(fake.store, quiet, { lanes: 2, initialBatch: 50, minBatch: 50, maxBatch: 50 });
      expect(await drainer.drain()).toEqual({ applied: 1000, failed: 0 });
      expect(fake.left()).toBe(0);
      // The first call sees the backlog (a full batch) with nobody waiting; the next calls run one per lane, together.
      expect(fake.calls[0]?.lane).toBe('all');
      expect(fake.calls.filter((c) => c.lane === '0/2').length).toBeGreaterThan(2);
      expect(fake.calls.filter((c) => c.lane === '1/2').length).toBeGreaterThan(2);
      expect(fake.maxInFlight()).toBe(2);
      // Lanes end when one runs dry; an unlaned call has the last word.
      expect(fake.calls.at(-1)).toEqual({ lane: 'all', n: 0 });
    });

    it('applies one call at a time while acknowledgements wait, and with one lane', async () => {
      const busy = laneStore(fids(600));
      await createInboxDrainer(busy.store, quiet, {
        lanes: 2,
        initialBatch: 50,
        minBatch: 50,
        maxBatch: 50,
        ackBusy: () => true,
        sleep: async () => undefined,
      }).drain();
      expect(busy.left()).toBe(0);
      expect(busy.calls.every((c) => c.lane === 'all')).toBe(true);
      expect(busy.maxInFlight()).toBe(1);

      const single = laneStore(fids(600));
      await createInboxDrainer(single.store, quiet, { initialBatch: 50, minBatch: 50, maxBatch: 50 }).drain();
      expect(single.left()).toBe(0);
      expect(single.calls.every((c) => c.lane === 'all')).toBe(true);
    });

    it('stays with one call at a time while deliveries keep arriving (a steady stream, not a finished burst)', async () => {
      const fake = laneStore(fids(600));
      const drainer = createInboxDrainer(fake.store, quiet, {
        lanes: 2,
        initialBatch: 50,
        minBatch: 50,
        maxBatch: 50,
        sleep: async () => undefined,
      });
      // A delivery committed during every call (while any are left to apply) kicks the drainer again.
      const originalApply = fake.store.applyInbox;
      fake.store.applyInbox = async (...args) => {
        if (fake.left() > 0) setImmediate(() => drainer.kick());
        return originalApply(...args);
      };
      await drainer.drain();
      expect(fake.left()).toBe(0);
      expect(fake.calls.every((c) => c.lane === 'all')).toBe(true);
    });

    it('keeps its lanes when the periodic drain job asks for a drain meanwhile', async () => {
      const fake = laneStore(fids(1000));
      const drainer = createInboxDrainer(fake.store, quiet, { lanes: 2, initialBatch: 50, minBatch: 50, maxBatch: 50 });
      const originalApply = fake.store.applyInbox;
      fake.store.applyInbox = async (...args) => {
        if (fake.left() > 0) setImmediate(() => void drainer.drain());
        return originalApply(...args);
      };
      expect(await drainer.drain()).toEqual({ applied: 1000, failed: 0 });
      // Everything after the first call went through the lanes (unlaned calls after them find nothing).
      const unlaned = fake.calls.filter((c) => c.lane === 'all' && c.n > 0);
      expect(unlaned.length).toBe(1);
    });

    it('goes back to one call at a time when acknowledgements start waiting again', async () => {
      const fake = laneStore(fids(2000));
      let calls = 0;
      const drainer = createInboxDrainer(fake.store, quiet, {
        lanes: 2,
        initialBatch: 50,
        minBatch: 50,
        maxBatch: 50,
        // Acknowledgements wait again from the sixth call on.
        ackBusy: () => ++calls > 5,
        sleep: async () => undefined,
      });
      expect(await drainer.drain()).toEqual({ applied: 2000, failed: 0 });
      const firstLane = fake.calls.findIndex((c) => c.lane !== 'all');
      expect(firstLane).toBeGreaterThan(0);
      const lastLane = fake.calls.findLastIndex((c) => c.lane !== 'all');
      // After the lanes, every call is unlaned, and most of the inbox was applied that way.
      expect(fake.calls.slice(lastLane + 1).every((c) => c.lane === 'all')).toBe(true);
      expect(fake.calls.slice(lastLane + 1).reduce((sum, c) => sum + c.n, 0)).toBeGreaterThan(1000);
    });

    it('keeps draining when a lane loses the database, and reports only what was applied', async () => {
      const fake = laneStore(fids(1000));
      const originalApply = fake.store.applyInbox;
      fake.store.applyInbox = async (limit, budget, lane) => {
        if (lane?.index === 1) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        return originalApply(limit, budget, lane);
      };
      const drainer = createInboxDrainer(fake.store, quiet, { lanes: 2, initialBatch: 50, minBatch: 50, maxBatch: 50 });
      expect(await drainer.drain()).toEqual({ applied: 1000, failed: 0 });
      expect(fake.left()).toBe(0);
    });
  });
});
