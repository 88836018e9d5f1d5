import { FarcasterNetwork, Message, validations } from '@farcaster/hub-nodejs';
import { getAddress } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubStandIn, startHubStandIn } from '../../scripts/devnet/hubStandIn.ts';
import {
  createFrameSigner,
  dropData,
  dropDataBytes,
  flipByte,
  forgeDataKeepSignedBytes,
  prependForgedData,
  replaceSigner,
  type SignedFrameAction,
  signAsOtherMessageType,
} from '../../scripts/support/frameActions.ts';
import { UnavailableError } from '../errors.ts';
import { createHubSignerCheck } from './createHubSignerCheck.ts';
import {
  DataMismatchError,
  FrameActionError,
  FutureMessageError,
  InvalidButtonIndexError,
  InvalidSignatureError,
  MalformedMessageError,
  NotFrameActionError,
  StaleMessageError,
  UnregisteredSignerError,
  WrongNetworkError,
  WrongOriginError,
} from './errors.ts';
import { createNodeValidationMethods } from './nodeValidationMethods.ts';
import { type SignerCheck, type VerifyFrameActionOptions, verifyFrameAction } from './verifyFrameAction.ts';

const ORIGIN = 'https://ours.example';
const FRAME_URL = `${ORIGIN}/frames/0x${'ab'.repeat(20)}`;
const CAST = { fid: 77, hash: `0x${'cd'.repeat(20)}` as const };
const WALLET = '0x8335e2a8b1a5d6a1c7d9e9b0f3b3c3d3e3f3a3b3';

let hub: HubStandIn;
const alice = createFrameSigner(4242);
const mallory = createFrameSigner(666);

beforeAll(async () => {
  hub = await startHubStandIn();
  hub.register(alice.fid, alice.signerHex);
  hub.register(mallory.fid, mallory.signerHex);
});
afterAll(async () => {
  await hub.close();
});

/** A signer check that counts calls and answers from a fixed set, for tests about what reaches the hub. */
function countingCheck(registered: Set<string>): SignerCheck & { calls: number } {
  const check = Object.assign(
    async (fid: number, signer: `0x${string}`) => {
      check.calls += 1;
      return registered.has(`${fid}:${signer}`);
    },
    { calls: 0 },
  );
  return check;
}

function options(overrides: Partial<VerifyFrameActionOptions> = {}): VerifyFrameActionOptions {
  return {
    now: new Date(),
    maxAgeSeconds: 600,
    allowedOrigin: ORIGIN,
    checkSigner: createHubSignerCheck({ hubUrl: hub.url, cacheSeconds: 0 }),
    ...overrides,
  };
}

async function refusal(hex: string, opts: VerifyFrameActionOptions = options()): Promise<FrameActionError> {
  const error = await verifyFrameAction(hex, opts).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FrameActionError);
  const typed = error as FrameActionError;
  expect(typed.message.length).toBeLessThanOrEqual(90);
  expect(typed.status).toBeGreaterThanOrEqual(400);
  expect(typed.status).toBeLessThan(500);
  return typed;
}

function sign(overrides: Partial<Parameters<typeof alice.sign>[0]> = {}): Promise<SignedFrameAction> {
  return alice.sign({ url: FRAME_URL, buttonIndex: 1, castId: CAST, ...overrides });
}

describe('verifyFrameAction', () => {
  it('accepts a genuine action and reads every field from the signed bytes', async () => {
    const signedAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 5000);
    const signed = await sign({
      buttonIndex: 3,
      inputText: '0.01 ETH ✓',
      state: '{"step":2}',
      address: WALLET,
      transactionId: `0x${'ef'.repeat(32)}`,
      signedAt,
    });
    const action = await verifyFrameAction(signed.messageBytesHex, options());
    expect(action).toEqual({
      fid: 4242,
      messageHash: signed.messageHash,
      signer: alice.signerHex,
      signedAt,
      url: FRAME_URL,
      buttonIndex: 3,
      inputText: '0.01 ETH ✓',
      state: '{"step":2}',
      address: getAddress(WALLET),
      transactionId: `0x${'ef'.repeat(32)}`,
      castId: CAST,
      network: FarcasterNetwork.MAINNET,
    });
    expect(action.address).not.toBe(WALLET);
    expect(action.messageHash).toMatch(/^0x[0-9a-f]{40}$/);
    expect(action.signer).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it('accepts 0x-prefixed and upper-case hex, and answers null for empty address, transaction and cast', async () => {
    const signed = await alice.sign({ url: `${FRAME_URL}?p=1`, buttonIndex: 4 });
    const action = await verifyFrameAction(`0x${signed.messageBytesHex.toUpperCase()}`, options());
    expect(action).toMatchObject({ address: null, transactionId: null, castId: null, inputText: '', state: '' });
  });

  it('accepts the legacy form without dataBytes and the form with only dataBytes', async () => {
    const signed = await sign();
    expect((await verifyFrameAction(dropDataBytes(signed).messageBytesHex, options())).fid).toBe(4242);
    expect((await verifyFrameAction(dropData(signed).messageBytesHex, options())).fid).toBe(4242);
  });

  it('refuses every single flipped byte before asking the hub', async () => {
    const signed = await sign({ address: WALLET, inputText: 'hi' });
    const check = countingCheck(new Set([`${alice.fid}:${alice.signerHex}`]));
    const length = signed.messageBytesHex.length / 2;
    for (let i = 0; i < length; i++) {
      await refusal(flipByte(signed.messageBytesHex, i), options({ checkSigner: check }));
    }
    expect(check.calls).toBe(0);
  });

  it('gives the same answers with node:crypto Ed25519 (the Node host) as with pure JS', async () => {
    const node = createNodeValidationMethods();
    const signed = await sign({ address: WALLET, inputText: 'hi' });
    const viaNode = await verifyFrameAction(signed.messageBytesHex, options({ validationMethods: node }));
    expect(viaNode).toEqual(await verifyFrameAction(signed.messageBytesHex, options()));
    const check = countingCheck(new Set([`${alice.fid}:${alice.signerHex}`]));
    for (let i = 0; i < signed.messageBytesHex.length / 2; i++) {
      await refusal(flipByte(signed.messageBytesHex, i), options({ checkSigner: check, validationMethods: node }));
    }
    expect(check.calls).toBe(0);
    const other = await mallory.sign({ url: FRAME_URL, buttonIndex: 1, castId: CAST });
    const swapped = Message.decode(Buffer.from(signed.messageBytesHex, 'hex'));
    swapped.signature = Message.decode(Buffer.from(other.messageBytesHex, 'hex')).signature;
    const hex = Buffer.from(Message.encode(swapped).finish()).toString('hex');
    expect(await refusal(hex, options({ validationMethods: node }))).toBeInstanceOf(InvalidSignatureError);
  });

  it.each([
    ['fid', { fid: 1 }],
    ['address', { address: '0x000000000000000000000000000000000000dEaD' as const }],
    ['buttonIndex', { buttonIndex: 2 }],
    ['url', { url: `${ORIGIN}/frames/other` }],
    ['inputText', { inputText: '1000 ETH' }],
    ['castId', { castId: { fid: 1, hash: `0x${'00'.repeat(20)}` as const } }],
  ])('refuses a forged data.%s next to the genuine signed dataBytes (which core alone accepts)', async (_f, patch) => {
    const forged = forgeDataKeepSignedBytes(await sign(), patch);
    const decoded = Message.decode(Buffer.from(forged.messageBytesHex, 'hex'));
    expect((await validations.validateMessage(decoded)).isOk()).toBe(true);
    expect(await refusal(forged.messageBytesHex)).toBeInstanceOf(DataMismatchError);
  });

  it('refuses a forged data placed before the genuine one (decoders merge or replace repeated fields)', async () => {
    const forged = prependForgedData(await sign(), { address: '0x000000000000000000000000000000000000dEaD' });
    const decoded = Message.decode(Buffer.from(forged.messageBytesHex, 'hex'));
    expect((await validations.validateMessage(decoded)).isOk()).toBe(true);
    const error = await refusal(forged.messageBytesHex);
    expect(error).toBeInstanceOf(DataMismatchError);
    expect(error.status).toBe(401);
  });

  it("refuses a message whose signer field names another fid's registered key", async () => {
    const signed = await mallory.sign({ url: FRAME_URL, buttonIndex: 1, fid: alice.fid });
    const error = await refusal(replaceSigner(signed, alice.signerHex).messageBytesHex);
    expect(error).toBeInstanceOf(InvalidSignatureError);
    expect(error.status).toBe(401);
  });

  it('refuses a genuine signature by a key the hub does not know, and by a key registered to another fid', async () => {
    const stranger = createFrameSigner(4242);
    expect(await refusal((await stranger.sign({ url: FRAME_URL, buttonIndex: 1 })).messageBytesHex)).toBeInstanceOf(
      UnregisteredSignerError,
    );
    const impersonation = await mallory.sign({ url: FRAME_URL, buttonIndex: 1, fid: alice.fid });
    const error = await refusal(impersonation.messageBytesHex);
    expect(error).toBeInstanceOf(UnregisteredSignerError);
    expect(error.status).toBe(401);
  });

  it('refuses a key revoked at the hub once the cached answer expires', async () => {
    const bob = createFrameSigner(5151);
    hub.register(bob.fid, bob.signerHex);
    let clock = 1_000_000;
    const checkSigner = createHubSignerCheck({ hubUrl: hub.url, cacheSeconds: 300, now: () => clock });
    const signed = await bob.sign({ url: FRAME_URL, buttonIndex: 1 });
    expect((await verifyFrameAction(signed.messageBytesHex, options({ checkSigner }))).fid).toBe(5151);
    hub.revoke(bob.fid, bob.signerHex);
    clock += 299_000;
    expect((await verifyFrameAction(signed.messageBytesHex, options({ checkSigner }))).fid).toBe(5151);
    clock += 2_000;
    expect(await refusal(signed.messageBytesHex, options({ checkSigner }))).toBeInstanceOf(UnregisteredSignerError);
  });

  it('refuses stale messages and accepts the boundary', async () => {
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const atLimit = await sign({ signedAt: new Date(now.getTime() - 600_000) });
    expect((await verifyFrameAction(atLimit.messageBytesHex, options({ now }))).fid).toBe(4242);
    const stale = await sign({ signedAt: new Date(now.getTime() - 601_000) });
    const error = await refusal(stale.messageBytesHex, options({ now }));
    expect(error).toBeInstanceOf(StaleMessageError);
    expect(error.status).toBe(401);
  });

  it('refuses messages from the future beyond the allowed skew (default 60 s)', async () => {
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const soon = await sign({ signedAt: new Date(now.getTime() + 60_000) });
    expect((await verifyFrameAction(soon.messageBytesHex, options({ now }))).fid).toBe(4242);
    const future = await sign({ signedAt: new Date(now.getTime() + 61_000) });
    expect(await refusal(future.messageBytesHex, options({ now }))).toBeInstanceOf(FutureMessageError);
    expect(await refusal(soon.messageBytesHex, options({ now, maxFutureSeconds: 10 }))).toBeInstanceOf(
      FutureMessageError,
    );
  });

  it.each([
    'https://evil.example/frames/x',
    'https://ours.example.evil.com/frames/x',
    'https://ours.example@evil.com/frames/x',
    'http://ours.example/frames/x',
    'https://ours.example:8443/frames/x',
    'https://evil.com/?u=https://ours.example',
    'https://sub.ours.example/frames/x',
    'ours.example/frames/x',
    '/frames/x',
    'javascript:alert(1)//https://ours.example',
  ])('refuses a frame signed for %s (403)', async (url) => {
    const error = await refusal((await sign({ url })).messageBytesHex);
    expect(error).toBeInstanceOf(WrongOriginError);
    expect(error.status).toBe(403);
  });

  it('accepts our origin with any path, an explicit default port and upper-case host', async () => {
    for (const url of ['https://ours.example', 'https://ours.example:443/x?y=1#z', 'https://OURS.example/frames/x']) {
      expect((await verifyFrameAction((await sign({ url })).messageBytesHex, options())).url).toBe(url);
    }
  });

  it('refuses testnet messages on mainnet, and accepts them when configured for testnet', async () => {
    const testnet = await sign({ network: FarcasterNetwork.TESTNET });
    const error = await refusal(testnet.messageBytesHex);
    expect(error).toBeInstanceOf(WrongNetworkError);
    expect(error.status).toBe(400);
    const action = await verifyFrameAction(testnet.messageBytesHex, options({ network: FarcasterNetwork.TESTNET }));
    expect(action.network).toBe(FarcasterNetwork.TESTNET);
  });

  it.each(['castAdd', 'reactionAdd'] as const)(
    'refuses a genuinely signed %s submitted as a frame action',
    async (kind) => {
      const other = await signAsOtherMessageType(alice, kind);
      const error = await refusal(other.messageBytesHex);
      expect(error).toBeInstanceOf(NotFrameActionError);
      expect(error.status).toBe(400);
    },
  );

  it.each([0, 5])('refuses button index %i (the spec allows 1 to 4; @farcaster/core allows up to 5)', async (n) => {
    const error = await refusal((await sign({ buttonIndex: n })).messageBytesHex);
    expect(error).toBeInstanceOf(InvalidButtonIndexError);
    expect(error.status).toBe(400);
  });

  it('rethrows the signer check being unavailable as a 503 to retry', async () => {
    const down = await startHubStandIn();
    down.failWith(500);
    const checkSigner = createHubSignerCheck({ hubUrl: down.url, cacheSeconds: 60 });
    const error = await verifyFrameAction((await sign()).messageBytesHex, options({ checkSigner })).catch((e) => e);
    await down.close();
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({ status: 503, retryAfterSeconds: 5 });
  });

  it.each([
    ['empty', ''],
    ['only 0x', '0x'],
    ['odd length', 'abc'],
    ['not hex', 'zz'],
    ['spaces', '0a 0b'],
    ['too long', 'ab'.repeat(64 * 1024 + 1)],
    ['garbage', 'ffffffffffffffff'],
    ['empty message', '0000'],
    ['truncated', '0a'],
  ])('refuses malformed input (%s) with 400', async (_name, hex) => {
    const error = await refusal(hex);
    expect(error).toBeInstanceOf(MalformedMessageError);
    expect(error.status).toBe(400);
  });

  it('refuses a non-string input with 400', async () => {
    const error = await refusal(42 as unknown as string);
    expect(error).toBeInstanceOf(MalformedMessageError);
  });

  it('throws a TypeError (a configuration bug) when allowedOrigin is not an origin', async () => {
    const signed = await sign();
    for (const allowedOrigin of ['https://ours.example/', 'ours.example', 'https://ours.example/frames']) {
      await expect(verifyFrameAction(signed.messageBytesHex, options({ allowedOrigin }))).rejects.toThrow(TypeError);
    }
  });
});
