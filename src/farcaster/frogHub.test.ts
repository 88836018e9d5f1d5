import { Message, validations } from '@farcaster/hub-nodejs';
import { Frog } from 'frog';
import type { HonoRequest, MiddlewareHandler } from 'hono';
import { hexToBytes } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubStandIn, startHubStandIn } from '../../scripts/devnet/hubStandIn.ts';
import {
  createFrameSigner,
  dropData,
  forgeDataKeepSignedBytes,
  prependForgedData,
  type SignedFrameAction,
} from '../../scripts/support/frameActions.ts';
import { createErrorHandler } from '../http/onError.ts';
import { silentLogger } from '../support/logger.ts';
import { createHubSignerCheck } from './createHubSignerCheck.ts';
import { createFrogHub, type Hub, verifiedFrameAction } from './frogHub.ts';
import type { VerifiedFrameAction } from './verifyFrameAction.ts';

const ORIGIN = 'https://ours.example';
const CAST = { fid: 77, hash: `0x${'cd'.repeat(20)}` as const };
const alice = createFrameSigner(4242);
let hub: HubStandIn;

beforeAll(async () => {
  hub = await startHubStandIn();
  hub.register(alice.fid, alice.signerHex);
});
afterAll(async () => {
  await hub.close();
});

interface Seen {
  action?: VerifiedFrameAction | undefined;
  frameData?: { fid?: number | undefined; buttonIndex?: number | undefined; address?: string | undefined } | undefined;
  verified?: boolean;
  sameObject?: boolean;
}

function frogHub(hubUrl = hub.url): Hub {
  return createFrogHub({
    allowedOrigin: ORIGIN,
    maxAgeSeconds: 600,
    checkSigner: createHubSignerCheck({ hubUrl, cacheSeconds: 0 }),
  });
}

/** A hub that only runs @farcaster/core's validateMessage, as a hub's /v1/validateMessage does. */
const coreOnlyHub: Hub = {
  apiUrl: 'local:core-only',
  verifyMessage: (async ({ trustedData }: { trustedData: { messageBytes: string } }) => {
    const message = Message.decode(hexToBytes(`0x${trustedData.messageBytes}`));
    return { valid: (await validations.validateMessage(message)).isOk() };
  }) as unknown as NonNullable<Hub['verifyMessage']>,
};

/** One parsed body per request (what the frames' request guard provides): Frog and the handler then read the same
 * `trustedData` object, which verifiedFrameAction needs. */
function shareParsedBody(): MiddlewareHandler {
  return async (c, next) => {
    const parse = c.req.json.bind(c.req);
    let parsed: Promise<unknown> | undefined;
    c.req.json = (() => {
      parsed ??= parse();
      return parsed;
    }) as HonoRequest['json'];
    await next();
  };
}

function frogApp(frameHub: Hub, share = true) {
  const app = new Frog({ title: 't', hub: frameHub, verify: true, verifyOrigin: false });
  app.hono.onError(createErrorHandler(silentLogger));
  if (share) app.hono.use(shareParsedBody());
  const seen: Seen = {};
  for (const path of ['/f', '/frames/f']) {
    app.frame(path, async (c) => {
      const body = (await c.req.json()) as { trustedData: object };
      seen.action = verifiedFrameAction(body.trustedData);
      seen.sameObject = body === (await c.req.json());
      seen.frameData = c.frameData;
      seen.verified = c.verified;
      return c.res({ image: 'https://x.example/i.png', intents: [] });
    });
  }
  const post = (path: string, body: unknown) =>
    app.fetch(
      new Request(`http://localhost${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    );
  return { seen, post };
}

function sign(overrides: Partial<Parameters<typeof alice.sign>[0]> = {}): Promise<SignedFrameAction> {
  return alice.sign({ url: `${ORIGIN}/f`, buttonIndex: 2, castId: CAST, ...overrides });
}

describe('createFrogHub', () => {
  it('lets a genuine action through a real Frog app and hands the handler our verified action', async () => {
    const { seen, post } = frogApp(frogHub());
    const signed = await sign({ inputText: 'hello' });
    const res = await post('/f', signed.body);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('fc:frame');
    expect(seen.verified).toBe(true);
    expect(seen.sameObject).toBe(true);
    expect(seen.action).toMatchObject({
      fid: 4242,
      buttonIndex: 2,
      inputText: 'hello',
      messageHash: signed.messageHash,
    });
    expect(seen.frameData).toMatchObject({ fid: 4242, buttonIndex: 2 });
  });

  it('without one parsed body per request, Hono parses the body again per c.req.json() call, so the lookup misses', async () => {
    const { seen, post } = frogApp(frogHub(), false);
    const res = await post('/f', (await sign()).body);
    expect(res.status).toBe(200);
    expect(seen.verified).toBe(true);
    expect(seen.sameObject).toBe(false);
    expect(seen.action).toBeUndefined();
  });

  it.each([
    ['fid', { fid: 1 }],
    ['buttonIndex', { buttonIndex: 4 }],
    ['address', { address: '0x000000000000000000000000000000000000dEaD' as const }],
  ])('refuses a forged data.%s with a 401 through Hono onError, never a 500', async (_field, patch) => {
    const { seen, post } = frogApp(frogHub());
    const forged = forgeDataKeepSignedBytes(await sign(), patch);
    const res = await post('/f', forged.body);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'frame message data does not match its signed bytes' });
    expect(seen.verified).toBeUndefined();
    const framesRes = await post('/frames/f', forged.body);
    expect(framesRes.status).toBe(401);
    const { message } = (await framesRes.json()) as { message: string };
    expect(message.length).toBeLessThanOrEqual(90);
  });

  it('stops the repeated-data attack that would feed Frog a forged address a core-only hub accepts', async () => {
    const forged = prependForgedData(await sign(), { address: '0x000000000000000000000000000000000000dEaD' });
    const naive = frogApp(coreOnlyHub);
    expect((await naive.post('/f', forged.body)).status).toBe(200);
    expect(naive.seen.frameData?.address?.toLowerCase()).toBe('0x000000000000000000000000000000000000dead');
    const ours = frogApp(frogHub());
    const res = await ours.post('/f', forged.body);
    expect(res.status).toBe(401);
    expect(ours.seen.frameData).toBeUndefined();
  });

  it('refuses with 400 the messages Frog itself cannot read (no data, no cast id)', async () => {
    const dataless = dropData(await sign());
    const noCast = await alice.sign({ url: `${ORIGIN}/f`, buttonIndex: 1 });
    expect((await frogApp(coreOnlyHub, false).post('/f', dataless.body)).status).toBe(500);
    expect((await frogApp(coreOnlyHub, false).post('/f', noCast.body)).status).toBe(500);
    const { post } = frogApp(frogHub());
    expect((await post('/f', dataless.body)).status).toBe(400);
    expect((await post('/f', noCast.body)).status).toBe(400);
  });

  it('answers 401 for an unregistered signer and 503 with Retry-After when the hub is down', async () => {
    const { post } = frogApp(frogHub());
    const stranger = createFrameSigner(4242);
    const res = await post('/f', (await stranger.sign({ url: `${ORIGIN}/f`, buttonIndex: 1, castId: CAST })).body);
    expect(res.status).toBe(401);
    const down = await startHubStandIn();
    down.failWith(502);
    const res503 = await frogApp(frogHub(down.url)).post('/frames/f', (await sign()).body);
    await down.close();
    expect(res503.status).toBe(503);
    expect(res503.headers.get('retry-after')).toBe('5');
    expect(await res503.json()).toEqual({ message: 'Farcaster hub unavailable; try again' });
  });

  it('answers 403 for a frame signed for another origin', async () => {
    const { post } = frogApp(frogHub());
    const res = await post('/f', (await sign({ url: 'https://ours.example.evil.com/f' })).body);
    expect(res.status).toBe(403);
  });
});

describe('verifiedFrameAction', () => {
  it('answers undefined for an object that was never verified', () => {
    expect(verifiedFrameAction({ messageBytes: 'ab' })).toBeUndefined();
  });
});
