import type { ParseWebhookEventResult, VerifyAppKey } from '@farcaster/miniapp-node';
import { Hono } from 'hono';
import { UnavailableError } from '../errors.ts';
import type { SignerCheck } from '../farcaster/verifyFrameAction.ts';
import { clientRateKey, enforceRateLimit, type RateLimiter } from '../http/createRateLimiter.ts';
import { databaseCall } from '../http/databaseCall.ts';
import { readLimitedJson } from '../http/readLimitedBody.ts';
import type { ClientAddress } from '../trading/buyRoute.ts';
import type { MiniAppStore } from './createMiniAppStore.ts';
import { InvalidWebhookSignatureError } from './errors.ts';
import { isAllowedNotificationUrl } from './isAllowedNotificationUrl.ts';
import { readWebhookEnvelope } from './readWebhookEnvelope.ts';

/** Real events are a few hundred bytes. */
export const MINIAPP_WEBHOOK_MAX_BYTES = 16 * 1024;

export interface MiniAppWebhookDeps {
  store: Pick<MiniAppStore, 'applyEvent'>;
  /** The frames' signer check (hub `/v1/onChainSignersByFid`, cached; on the devnet the development registry). */
  checkSigner: SignerCheck;
  limiter?: RateLimiter;
  clientAddress?: ClientAddress;
  now?: () => Date;
  /** Accept http notification URLs on loopback (local stand-ins: devnet and tests only). */
  allowLoopbackNotificationUrls?: boolean;
}

/** The app key must be an active Ed25519 signer of the fid. Our signer check does not read the key's request
 * metadata, so the client's own fid (appFid) is not known; nothing here uses it (state is per fid and app key). */
function verifyAppKeyWith(checkSigner: SignerCheck): VerifyAppKey {
  return async (fid, appKey) =>
    (await checkSigner(fid, appKey.toLowerCase() as `0x${string}`)) ? { valid: true, appFid: 0 } : { valid: false };
}

/** `POST /webhooks/miniapp`, the manifest's webhookUrl: a JSON Farcaster Signature event from a Farcaster client,
 * parsed with `@farcaster/miniapp-node`'s parseWebhookEvent (Ed25519 signature over header.payload, then the app key
 * checked as an active signer of the fid), then applied to the (fid, app key) subscription: added, removed,
 * notifications enabled or disabled (legacy frame_* names mapped by the package). 200 once stored; 400 malformed;
 * 401 bad signature or unknown key; 413 over 16 KiB; 429 over the per-client budget; 503 hub or database down (the
 * client retries). Nothing else changes state. https://miniapps.farcaster.xyz/docs/guides/notifications */
export function miniAppWebhookRoute(deps: MiniAppWebhookDeps): Hono {
  const app = new Hono();
  const verifyAppKey = verifyAppKeyWith(deps.checkSigner);
  const now = deps.now ?? (() => new Date());
  app.post('/', async (c) => {
    enforceRateLimit(deps.limiter, 'mini app webhook events', [`miniapp:${clientRateKey(deps.clientAddress?.(c))}`]);
    const body = await readLimitedJson(c.req.raw, MINIAPP_WEBHOOK_MAX_BYTES);
    const arrivedAt = now();
    const envelope = readWebhookEnvelope(body, arrivedAt);
    // Loaded on the first event, not at start.
    const { parseWebhookEvent } = await import('@farcaster/miniapp-node');
    let parsed: ParseWebhookEventResult;
    try {
      parsed = await parseWebhookEvent(envelope.body, verifyAppKey);
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name === 'VerifyJsonFarcasterSignature.VerifyAppKeyError') {
        throw new UnavailableError('cannot check the app key right now; retry', error, 5);
      }
      if (name === 'VerifyJsonFarcasterSignature.InvalidAppKeyError') {
        throw new InvalidWebhookSignatureError('app key is not an active signer of the fid', error);
      }
      if (name === 'VerifyJsonFarcasterSignature.InvalidEventDataError') {
        // The signature was genuine; the event is not one we know (e.g. miniapp_add_rejected) or lacks its fields.
        return c.json({ error: 'unknown or malformed event' }, 400);
      }
      // The envelope was well formed (readWebhookEnvelope), so what is left is the signature itself.
      throw new InvalidWebhookSignatureError('invalid signature', error);
    }
    const { event } = parsed;
    const details = 'notificationDetails' in event ? event.notificationDetails : undefined;
    if (
      details !== undefined &&
      (details.url.length > 1024 ||
        details.token.length > 1024 ||
        !isAllowedNotificationUrl(details.url, { allowLoopbackHttp: deps.allowLoopbackNotificationUrls === true }))
    ) {
      return c.json(
        { error: 'notificationDetails must hold a public https url and a token of at most 1024 characters' },
        400,
      );
    }
    const applied = await databaseCall(
      deps.store.applyEvent({
        fid: parsed.fid,
        appKey: envelope.appKey,
        event: event.event,
        notificationUrl: details?.url ?? null,
        token: details?.token ?? null,
        eventAt: envelope.eventTime ?? arrivedAt,
      }),
    );
    return c.json({ ok: true, applied });
  });
  return app;
}
