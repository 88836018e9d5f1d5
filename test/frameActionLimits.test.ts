import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { castHash, performanceCast, user } from '../scripts/neynarPayloads.ts';
import { createFrameSigner } from '../scripts/support/frameActions.ts';
import { createRateLimiter } from '../src/http/createRateLimiter.ts';
import { databaseTargets, type TestDatabase } from './support/databases.ts';
import { type FramesHarness, PUBLIC_URL, startFramesHarness } from './support/framesHarness.ts';
import { type TestApp, testApp } from './support/testApp.ts';

const PERF = castHash(1, 'e') as Hex;

describe('signed frame POSTs are limited per client (security regression: minted keys made the server ask the hub)', () => {
  let db: TestDatabase;
  let h: FramesHarness;
  let app: TestApp;
  let client = '203.0.113.7';

  beforeAll(async () => {
    const target = databaseTargets()[0];
    if (target === undefined) throw new Error('no database target');
    db = await target.create();
    h = await startFramesHarness(db);
    app = testApp(db, {
      frames: h.frames,
      clientAddress: () => client,
      frameActionLimiter: createRateLimiter({ perMinute: 5 }),
    });
    await app.deliver(performanceCast(PERF, user(7400)));
    await app.drainer.drain();
  });
  afterAll(async () => {
    await h?.close();
    await db?.close();
  });

  const post = (body: unknown) =>
    app.app.request(`${PUBLIC_URL}/frames/performance/${PERF}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('answers 429 with Retry-After past the budget, before the hub is asked; other clients and GETs go on', async () => {
    // Each POST carries a freshly minted key claiming another fid: the hub would be asked once per POST.
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const signer = createFrameSigner(90_000 + i);
      const action = await signer.sign({ url: `${PUBLIC_URL}/frames/performance/${PERF}`, buttonIndex: 2 });
      const res = await post(action.body);
      statuses.push(res.status);
      if (res.status === 429) {
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        const body = (await res.json()) as { message: string };
        expect(body.message).toMatch(/^Too many frame actions/);
        expect(body.message.length).toBeLessThanOrEqual(90);
      }
    }
    expect(statuses.slice(0, 5)).toEqual(Array(5).fill(401));
    expect(statuses.slice(5)).toEqual(Array(7).fill(429));
    expect(h.hub.requests).toHaveLength(5);

    const page = await app.app.request(`${PUBLIC_URL}/frames/performance/${PERF}`);
    expect(page.status).toBe(200);

    client = '198.51.100.9';
    const signer = createFrameSigner(7401);
    h.hub.register(7401, signer.signerHex);
    const action = await signer.sign({
      url: `${PUBLIC_URL}/frames/performance/${PERF}`,
      buttonIndex: 2,
      castId: { fid: 7400, hash: PERF },
    });
    const res = await post(action.body);
    expect([res.status, res.status === 200 ? '' : await res.text()]).toEqual([200, '']);
  });
});
