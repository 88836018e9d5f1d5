import { describe, expect, it } from 'vitest';
import { createInboxWriter } from './createInboxWriter.ts';
import type { InboxDelivery } from './createIngestStore.ts';

const delivery = (n: number): InboxDelivery => ({
  sha256: n.toString(16).padStart(64, '0'),
  rawBody: `{"n":${n}}`,
  eventType: 'reaction.created',
  event: { kind: 'ignored', type: 'test' },
});

describe('createInboxWriter', () => {
  it('commits deliveries that arrive in the same turn of the event loop in one insert, even when inserts never yield', async () => {
    const calls: number[] = [];
    // An embedded database answers without yielding to I/O: the promise is already settled.
    const writer = createInboxWriter({
      ingestDeliveries: (batch) => {
        calls.push(batch.length);
        return Promise.resolve(new Set(batch.map((d) => d.sha256)));
      },
    });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => writer.write(delivery(i))));
    expect(results).toEqual(Array(10).fill(true));
    expect(calls).toEqual([10]);
    expect(writer.busy()).toBe(false);
  });

  it('answers false for a byte-identical copy in the same insert, and is busy until the insert commits', async () => {
    let release: () => void = () => undefined;
    const writer = createInboxWriter({
      ingestDeliveries: (batch) =>
        new Promise((resolve) => {
          release = () => resolve(new Set(batch.map((d) => d.sha256)));
        }),
    });
    const pending = [writer.write(delivery(1)), writer.write(delivery(1))];
    expect(writer.busy()).toBe(true);
    await new Promise((r) => setImmediate(r));
    release();
    expect(await Promise.all(pending)).toEqual([true, false]);
    await writer.flush();
    expect(writer.busy()).toBe(false);
  });
});
