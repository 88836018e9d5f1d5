import { type Context, Hono } from 'hono';
import { BadRequestError, PayloadTooLargeError, UnavailableError } from '../errors.ts';
import type { Logger } from '../support/logger.ts';
import type { InboxWriter } from './createInboxWriter.ts';
import { parseNeynarEvent } from './parseNeynarEvent.ts';
import { type WebhookCrypto, webWebhookCrypto } from './webhookCrypto.ts';

export const WEBHOOK_BODY_LIMIT = 256 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Read the body, refusing more than `limit` bytes: a declared Content-Length is checked before reading; a body
 * without one is streamed and cut off as soon as it passes the limit (never buffered whole). */
async function readLimited(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null) {
    if (!/^\d{1,15}$/.test(declared)) throw new BadRequestError('invalid Content-Length');
    if (Number(declared) > limit) throw new PayloadTooLargeError(limit);
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.byteLength > limit) throw new PayloadTooLargeError(limit);
    return bytes;
  }
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new PayloadTooLargeError(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

export interface NeynarWebhookOptions {
  secrets: readonly string[];
  performanceChannelUrl: string;
  writer: InboxWriter;
  logger: Logger;
  /** Called after a delivery is committed, to get it applied (Node: in process; Workers: waitUntil). */
  afterCommit: (c: Context) => void;
  /** Hash implementations (default WebCrypto; the Node host passes node:crypto). */
  crypto?: WebhookCrypto;
  now?: () => Date;
}

/** `POST /webhooks/neynar`: authenticate (HMAC-SHA512 of the raw body), validate, commit to the durable inbox,
 * then acknowledge. Order of checks: size (413), signature (401), encoding/JSON/schema (400).
 * https://docs.neynar.com/docs/how-to-verify-the-incoming-webhooks-using-signatures */
export function neynarWebhookRoute(options: NeynarWebhookOptions) {
  const hashes = options.crypto ?? webWebhookCrypto;
  const verify = hashes.createVerifier(options.secrets);
  const now = options.now ?? (() => new Date());
  const app = new Hono();
  app.post('/', async (c) => {
    const receivedAt = now();
    const bytes = await readLimited(c.req.raw, WEBHOOK_BODY_LIMIT);
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
        sha256: await hashes.sha256Hex(bytes),
        rawBody: text,
        eventType: parsed.type,
        event: parsed.event,
      });
    } catch (error) {
      throw new UnavailableError('could not store the event; retry later', error);
    }
    if (parsed.event.kind !== 'ignored') options.afterCommit(c);
    return c.json({ ok: true, duplicate: !isNew, ignored: parsed.event.kind === 'ignored' });
  });
  return app;
}
