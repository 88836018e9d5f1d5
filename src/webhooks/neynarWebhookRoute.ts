import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { BadRequestError, PayloadTooLargeError, UnavailableError } from '../errors.ts';
import type { Logger } from '../support/logger.ts';
import type { InboxWriter } from './createInboxWriter.ts';
import { parseNeynarEvent } from './parseNeynarEvent.ts';
import { createSignatureVerifier } from './verifySignature.ts';

export const WEBHOOK_BODY_LIMIT = 256 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface NeynarWebhookOptions {
  secrets: readonly string[];
  performanceChannelUrl: string;
  writer: InboxWriter;
  logger: Logger;
  /** Called after a delivery is committed, to get it applied (Node: in process; Workers: waitUntil). */
  afterCommit: (c: Context) => void;
  now?: () => Date;
}

/** `POST /webhooks/neynar`: authenticate (HMAC-SHA512 of the raw body), validate, commit to the durable inbox,
 * then acknowledge. Order of checks: size (413), signature (401), encoding/JSON/schema (400).
 * https://docs.neynar.com/docs/how-to-verify-the-incoming-webhooks-using-signatures */
export function neynarWebhookRoute(options: NeynarWebhookOptions) {
  const verify = createSignatureVerifier(options.secrets);
  const now = options.now ?? (() => new Date());
  const app = new Hono();
  app.post(
    '/',
    bodyLimit({
      maxSize: WEBHOOK_BODY_LIMIT,
      onError: () => {
        throw new PayloadTooLargeError(WEBHOOK_BODY_LIMIT);
      },
    }),
    async (c) => {
      const receivedAt = now();
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      if (!(await verify(bytes, c.req.header('x-neynar-signature')))) {
        return c.json({ error: 'missing or invalid X-Neynar-Signature' }, 401);
      }
      let text: string;
      try {
        text = utf8.decode(bytes);
      } catch {
        throw new BadRequestError('body is not valid UTF-8');
      }
      let payload: unknown;
      try {
        payload = JSON.parse(text);
      } catch {
        throw new BadRequestError('body is not valid JSON');
      }
      const parsed = parseNeynarEvent(payload, { performanceChannelUrl: options.performanceChannelUrl, receivedAt });
      if (!parsed.ok) throw new BadRequestError(parsed.reason);

      let isNew: boolean;
      try {
        isNew = await options.writer.write({
          sha256: await sha256Hex(bytes),
          rawBody: text,
          eventType: parsed.type,
          event: parsed.event,
        });
      } catch (error) {
        throw new UnavailableError('could not store the event; retry later', error);
      }
      if (parsed.event.kind !== 'ignored') options.afterCommit(c);
      return c.json({ ok: true, duplicate: !isNew, ignored: parsed.event.kind === 'ignored' });
    },
  );
  return app;
}
