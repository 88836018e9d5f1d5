import { Message } from '@farcaster/core';
import type { FrogConstructorParameters } from 'frog';
import type { MiddlewareHandler } from 'hono';
import { hexToBytes } from 'viem';
import { z } from 'zod';
import { MalformedMessageError } from './errors.ts';
import { type VerifiedFrameAction, type VerifyFrameActionOptions, verifyFrameAction } from './verifyFrameAction.ts';

/** Frog's hub type (frog/_lib/types/hub.d.ts); frog 0.18.3 does not export it by name. */
export type Hub = NonNullable<FrogConstructorParameters['hub']>;

const verified = new WeakMap<object, VerifiedFrameAction>();

/** After a hub says `valid`, Frog decodes the bytes itself and reads `message.data`, including `castId.hash`, without
 * guards (frog 0.18.3 `utils/verifyFrame.ts`), while our verifier accepts messages with only `dataBytes` or without a
 * cast. Refuse those with a 400 instead of letting Frog crash into a 500. */
function assertFrogCanRead(messageBytes: string): void {
  const message = Message.decode(hexToBytes(`0x${messageBytes.replace(/^0x/i, '')}`));
  if (message.data === undefined) throw new MalformedMessageError('frame message has no data');
  if (message.data.frameActionBody?.castId === undefined) throw new MalformedMessageError('frame message has no cast');
}

/** A Frog `Hub` that verifies frame actions locally with verifyFrameAction instead of POSTing them to a hub's
 * `/v1/validateMessage`. Our typed errors propagate out of Frog (with `verify: true`) to Hono's onError as 4xx/503.
 * The result is remembered against the `trustedData` object Frog passes in; read it with verifiedFrameAction.
 * Frog's Hub type says `verifyMessage` returns `Promise<void>`, but Frog reads `.valid` from the result, so it
 * returns `{ valid: true }` behind a cast (docs/farcaster.md 8.2). */
export function createFrogHub(options: Omit<VerifyFrameActionOptions, 'now'> & { now?: () => Date }): Hub {
  const { now = () => new Date(), ...rest } = options;
  const verifyMessage = async ({ trustedData }: { trustedData: { messageBytes: string } }) => {
    const messageBytes: unknown = trustedData?.messageBytes;
    if (typeof messageBytes !== 'string') throw new MalformedMessageError('trustedData.messageBytes is missing');
    const action = await verifyFrameAction(messageBytes, { ...rest, now: now() });
    assertFrogCanRead(messageBytes);
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
 * object a handler gets from its own `await c.req.json()` is NOT the one Frog verified. Install guardFrameBody() before
 * the frame routes: it makes both read one parsed object. Then, in a handler:
 * `verifiedFrameAction((await c.req.json()).trustedData)`. */
export function verifiedFrameAction(trustedData: object): VerifiedFrameAction | undefined {
  return verified.get(trustedData);
}

/** What a frames v1 POST must look like before Frog touches it. Frog hex-decodes `0x${messageBytes}` before calling
 * the hub (non-hex, including a `0x` prefix, throws: a 500) and reads `untrustedData.url` (a missing
 * `untrustedData` throws: a 500); a body without `trustedData` is let through unverified even with `verify: true`. */
const frameBodySchema = z.object({
  untrustedData: z.looseObject({}),
  trustedData: z.looseObject({ messageBytes: z.string().regex(/^[0-9a-fA-F]+$/) }),
});

/** Hono middleware for the Frog app's frame routes. (1) Within one request every `c.req.json()` call resolves to
 * the same parsed object, so the `trustedData` Frog hands to the hub is the one the route handler reads (see
 * verifiedFrameAction). (2) A POST must carry a signed body Frog can read, else MalformedMessageError (400) instead
 * of Frog accepting it unverified or crashing into a 500. Install it before the routes. */
export function guardFrameBody(): MiddlewareHandler {
  return async (c, next) => {
    const parse = c.req.json.bind(c.req);
    let parsed: Promise<unknown> | undefined;
    Object.defineProperty(c.req, 'json', {
      configurable: true,
      value: () => {
        parsed ??= parse();
        return parsed;
      },
    });
    if (c.req.method === 'POST') {
      const body = await c.req.json().catch(() => undefined);
      const result = frameBodySchema.safeParse(body);
      if (!result.success) {
        const bytes = result.error.issues.some((issue) => issue.path[0] === 'trustedData');
        throw new MalformedMessageError(
          bytes ? 'trustedData.messageBytes must be hex without 0x' : 'frame POST body must have untrustedData',
        );
      }
    }
    await next();
  };
}
