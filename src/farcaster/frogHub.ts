import type { FrogConstructorParameters } from 'frog';
import { hexToBytes } from 'viem';
import { MalformedMessageError } from './errors.ts';
import { type VerifiedFrameAction, type VerifyFrameActionOptions, verifyFrameAction } from './verifyFrameAction.ts';

/** Frog's hub type (frog/_lib/types/hub.d.ts); frog 0.18.3 does not export it by name. */
export type Hub = NonNullable<FrogConstructorParameters['hub']>;

const verified = new WeakMap<object, VerifiedFrameAction>();

/** After a hub says `valid`, Frog decodes the bytes itself and reads `message.data`, including `castId.hash`, without
 * guards (frog 0.18.3 `utils/verifyFrame.ts`), while our verifier accepts messages with only `dataBytes` or without a
 * cast. Refuse those with a 400 instead of letting Frog crash into a 500. */
async function assertFrogCanRead(messageBytes: string): Promise<void> {
  // Already loaded by verifyFrameAction (lazily, as @farcaster/core is not needed until the first frame action).
  const { Message } = await import('@farcaster/core');
  const message = Message.decode(hexToBytes(`0x${messageBytes.replace(/^0x/i, '')}`));
  if (message.data === undefined) throw new MalformedMessageError('frame message has no data');
  if (message.data.frameActionBody?.castId === undefined) throw new MalformedMessageError('frame message has no cast');
}

/** A Frog `Hub` that verifies frame actions locally with verifyFrameAction instead of POSTing them to a hub's
 * `/v1/validateMessage`. Our typed errors propagate out of Frog (with `verify: true`) to Hono's onError as 4xx/503.
 * The result is remembered against the `trustedData` object Frog passes in; read it with verifiedFrameAction.
 * Frog's Hub type says `verifyMessage` returns `Promise<void>`, but Frog reads `.valid` from the result, so it
 * returns `{ valid: true }` behind a cast. */
export function createFrogHub(options: Omit<VerifyFrameActionOptions, 'now'> & { now?: () => Date }): Hub {
  const { now = () => new Date(), ...rest } = options;
  const verifyMessage = async ({ trustedData }: { trustedData: { messageBytes: string } }) => {
    const messageBytes: unknown = trustedData?.messageBytes;
    if (typeof messageBytes !== 'string') throw new MalformedMessageError('trustedData.messageBytes is missing');
    const action = await verifyFrameAction(messageBytes, { ...rest, now: now() });
    await assertFrogCanRead(messageBytes);
    verified.set(trustedData, action);
    return { valid: true };
  };
  return {
    apiUrl: 'local:verifyFrameAction',
    verifyMessage: verifyMessage as unknown as NonNullable<Hub['verifyMessage']>,
  };
}

/** The action createFrogHub verified for this `trustedData` object, or undefined if none was (verification off or
 * failed in `verify: 'silent'` mode, or another object).
 *
 * Hono's `c.req.json()` parses the body again on every call (hono 4.13 caches the text, not the object), so the
 * object a handler gets from its own `await c.req.json()` is NOT the one Frog verified: a middleware in front of the
 * frame routes must hand both one parsed object (the frames' frames/guardFrameRequests.ts does, and keeps it per
 * request). */
export function verifiedFrameAction(trustedData: object): VerifiedFrameAction | undefined {
  return verified.get(trustedData);
}
