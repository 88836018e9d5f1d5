import { type Context, Hono } from 'hono';
import { BadRequestError, UnavailableError } from '../errors.ts';
import { decodeUtf8, readLimitedBytes } from '../http/readLimitedBody.ts';
import type { Metrics, WebhookOutcome } from '../metrics/metrics.ts';
import type { Logger } from '../support/logger.ts';
import type { InboxWriter } from './createInboxWriter.ts';
import { parseNeynarEvent } from './parseNeynarEvent.ts';
import { type WebhookCrypto, webWebhookCrypto } from './webhookCrypto.ts';

export const WEBHOOK_BODY_LIMIT = 256 * 1024;

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
  /** Counts deliveries by outcome and times their acknowledgement (GET /metrics). */
  metrics?: Pick<Metrics, 'webhookDelivery'>;
}

/** The outcome of an answer other than a 200, by its status (the typed errors map to these in src/http/onError.ts). */
function failureOutcome(status: number): WebhookOutcome {
  if (status === 401) return 'unauthorized';
  if (status === 413) return 'too_large';
  if (status === 400) return 'bad_request';
  return 'unavailable';
}

/** `POST /webhooks/neynar`: authenticate (HMAC-SHA512 of the raw body), validate, commit to the durable inbox,
 * then acknowledge. Order of checks: size (413), signature (401), encoding/JSON/schema (400).
 * https://docs.neynar.com/docs/how-to-verify-the-incoming-webhooks-using-signatures */
export function neynarWebhookRoute(options: NeynarWebhookOptions) {
  const hashes = options.crypto ?? webWebhookCrypto;
  const verify = hashes.createVerifier(options.secrets);
  const now = options.now ?? (() => new Date());
  const app = new Hono<{ Variables: { outcome: WebhookOutcome } }>();
  const metrics = options.metrics;
  if (metrics !== undefined) {
    app.use('/', async (c, next) => {
      const started = performance.now();
      await next();
      const outcome = c.res.status === 200 ? (c.get('outcome') ?? 'accepted') : failureOutcome(c.res.status);
      metrics.webhookDelivery(outcome, (performance.now() - started) / 1000);
    });
  }
  app.post('/', async (c) => {
    const receivedAt = now();
    const bytes = await readLimitedBytes(c.req.raw, WEBHOOK_BODY_LIMIT);
    if (!(await verify(bytes, c.req.header('x-neynar-signature')))) {
      return c.json({ error: 'missing or invalid X-Neynar-Signature' }, 401);
    }
    const text = decodeUtf8(bytes);
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
    c.set('outcome', parsed.event.kind === 'ignored' ? 'ignored' : isNew ? 'accepted' : 'duplicate');
    return c.json({ ok: true, duplicate: !isNew, ignored: parsed.event.kind === 'ignored' });
  });
  return app;
}
