import { describe, expect, it } from 'vitest';
import type { Listener, ListenHandlers } from '../db/listen.ts';
import { silentLogger } from '../support/logger.ts';
import { createStreamHub, type StreamHubOptions, type StreamSink } from './createStreamHub.ts';
import type { StreamSubjects } from './createStreamStore.ts';

const COIN = `0x${'c'.repeat(40)}`;
const OTHER = `0x${'d'.repeat(40)}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A hub over an in-memory listener and store, and sinks that record what they were given. */
function setup(options: Partial<StreamHubOptions> = {}) {
  let handlers: ListenHandlers | undefined;
  const listener: Listener = {
    async listen(_channel, h) {
      handlers = h;
      return async () => {
        handlers = undefined;
      };
    },
  };
  const reads: { coins: string[]; casts: string[]; trades: string[] }[] = [];
  let version = 0;
  const hub = createStreamHub({
    listener,
    async read(subjects): Promise<StreamSubjects> {
      reads.push(subjects);
      return {
        coins: subjects.coins.map((coinAddress) => ({ coinAddress, castHash: '0x1', coin: { version } })),
        metrics: [],
        trades: [],
      };
    },
    logger: silentLogger,
    maxConnections: 10,
    maxConnectionsPerClient: 10,
    heartbeatMs: 60_000,
    resumeWindowMs: 60_000,
    debounceMs: 5,
    ...options,
  });
  const sink = (blocked = false) => {
    const text: string[] = [];
    let aborted = false;
    let closed = false;
    const s: StreamSink = {
      write: (bytes) => {
        text.push(new TextDecoder().decode(bytes));
        return blocked ? new Promise(() => undefined) : Promise.resolve();
      },
      close: async () => {
        closed = true;
      },
      abort: () => {
        aborted = true;
      },
    };
    return { s, all: () => text.join(''), aborted: () => aborted, closed: () => closed };
  };
  const open = async (out: ReturnType<typeof sink>, coins = [COIN], lastEventId?: string) => {
    await hub.ready();
    const admission = hub.admit('client');
    if (!admission.ok) throw new Error(admission.reason);
    return admission.ticket.open({ subscription: { coins, performances: [], trades: [] }, lastEventId, sink: out.s });
  };
  return {
    hub,
    reads,
    sink,
    open,
    notify: (payload: string) => handlers?.onNotify(payload),
    gap: () => handlers?.onGap?.(),
    bump: () => {
      version += 1;
    },
  };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await sleep(5);
  expect(check()).toBe(true);
};

describe('createStreamHub', () => {
  it('reads a burst of notifications of one subject once, and ignores subjects nobody follows', async () => {
    const t = setup();
    const out = t.sink();
    await t.open(out);
    await until(() => out.all().includes('event: ready'));
    const readsBefore = t.reads.length;
    t.bump();
    for (let i = 0; i < 50; i++) t.notify(`c:${COIN}`);
    t.notify(`c:${OTHER}`);
    t.notify('c:not-a-subject');
    await until(() => out.all().includes('"version":1'));
    await sleep(30);
    expect(t.reads.slice(readsBefore)).toEqual([{ coins: [COIN], casts: [], trades: [] }]);
    expect(out.all().match(/event: coin/g)).toHaveLength(2);
  });

  it('drops a client whose frames pile up behind a write that never finishes, and frees its place', async () => {
    const t = setup({ maxQueuedFrames: 4 });
    const stuck = t.sink(true);
    const connection = await t.open(stuck);
    for (let i = 0; i < 10 && !stuck.aborted(); i++) {
      t.bump();
      t.notify(`c:${COIN}`);
      await sleep(15);
    }
    expect(stuck.aborted()).toBe(true);
    await connection.done;
    expect(t.hub.connections()).toBe(0);
    expect(t.hub.admit('client').ok).toBe(true);
  });

  it('refuses past the caps and gives places back', async () => {
    const t = setup({ maxConnections: 2, maxConnectionsPerClient: 1 });
    const a = t.hub.admit('a');
    expect(t.hub.admit('a')).toMatchObject({ ok: false, reason: 'client' });
    const b = t.hub.admit('b');
    expect(t.hub.admit('c')).toMatchObject({ ok: false, reason: 'capacity' });
    if (!a.ok || !b.ok) throw new Error('not admitted');
    a.ticket.release();
    a.ticket.release();
    expect(t.hub.admit('c').ok).toBe(true);
    expect(t.hub.admit('d')).toMatchObject({ ok: false, reason: 'capacity' });
  });

  it('after a gap in notifications, resets every client and refuses to resume ids from before it', async () => {
    const t = setup();
    const out = t.sink();
    await t.open(out);
    await until(() => out.all().includes('event: ready'));
    const id = /id: (\S+)/.exec(out.all())?.[1];
    t.gap();
    await until(() => out.all().includes('event: reset'));
    const again = t.sink();
    await t.open(again, [COIN], id);
    await until(() => again.all().includes('event: ready'));
    expect(again.all()).toContain('event: reset');
  });

  it('on close sends each client a retry hint and a shutdown event, closes it, then refuses new ones', async () => {
    const t = setup({ retryMs: 1000 });
    const out = t.sink();
    const connection = await t.open(out);
    await until(() => out.all().includes('event: ready'));
    await t.hub.close();
    await connection.done;
    expect(out.all()).toMatch(/retry: (1\d{3})\nevent: shutdown\ndata: \{"reconnect":true,"retryMs":\1\}\n\n$/);
    expect(out.closed()).toBe(true);
    expect(t.hub.admit('client')).toMatchObject({ ok: false, reason: 'closing' });
    await expect(t.hub.ready()).rejects.toThrow(/closing/);
  });
});
