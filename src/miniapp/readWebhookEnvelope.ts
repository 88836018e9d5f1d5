import { z } from 'zod';
import { BadRequestError } from '../errors.ts';

/** What the signed envelope of a mini app webhook event claims, checked for shape before any cryptography. */
export interface WebhookEnvelope {
  /** The three base64url strings, as parseWebhookEvent takes them. */
  body: { header: string; payload: string; signature: string };
  fid: number;
  /** The Ed25519 app key (the user's signer in their client), lowercase 0x hex. */
  appKey: string;
  /** The event's own time when the signed payload carries one (`timestamp`, unix seconds or ms); else null. */
  eventTime: Date | null;
}

const B64URL = /^[A-Za-z0-9_-]*={0,2}$/;
const envelopeSchema = z.object({
  header: z.string().min(1).max(1024).regex(B64URL, 'header must be base64url'),
  payload: z.string().min(1).max(8192).regex(B64URL, 'payload must be base64url'),
  signature: z.string().min(1).max(256).regex(B64URL, 'signature must be base64url'),
});
const headerSchema = z.object({
  fid: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  type: z.literal('app_key'),
  key: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'key must be a 32-byte hex Ed25519 key'),
});
const payloadSchema = z.object({ event: z.string(), timestamp: z.number().finite().positive().optional() }).loose();

function decodeBase64url(value: string): Uint8Array {
  const binary = atob(value.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, ''));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function decodeJson(value: string, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(decodeBase64url(value)));
  } catch {
    throw new BadRequestError(`${what} is not base64url JSON`);
  }
}

/** Check a webhook body's JSON Farcaster Signature envelope for shape (400 with a short reason when it is not one):
 * three base64url strings, a header `{fid, type: 'app_key', key}`, a 64-byte signature and a JSON payload with an
 * `event`. Pure. Whether the signature and key are genuine is parseWebhookEvent's job, so every failure left after
 * this is a 401. https://miniapps.farcaster.xyz/docs/specification#events */
export function readWebhookEnvelope(body: unknown, now: Date): WebhookEnvelope {
  const envelope = envelopeSchema.safeParse(body);
  if (!envelope.success) {
    throw new BadRequestError(envelope.error.issues[0]?.message ?? 'body must be {header, payload, signature}');
  }
  const header = headerSchema.safeParse(decodeJson(envelope.data.header, 'header'));
  if (!header.success) throw new BadRequestError('header must be {fid, type: "app_key", key}');
  let signatureLength: number;
  try {
    signatureLength = decodeBase64url(envelope.data.signature).byteLength;
  } catch {
    throw new BadRequestError('signature is not base64url');
  }
  if (signatureLength !== 64) throw new BadRequestError('signature must be 64 bytes');
  const payload = payloadSchema.safeParse(decodeJson(envelope.data.payload, 'payload'));
  if (!payload.success) throw new BadRequestError('payload must be a JSON object with an event');
  return {
    body: envelope.data,
    fid: header.data.fid,
    appKey: header.data.key.toLowerCase(),
    eventTime: eventTime(payload.data.timestamp, now),
  };
}

/** A payload timestamp in seconds or milliseconds, never later than now (a future time would outrank every later
 * event); null when absent. */
function eventTime(timestamp: number | undefined, now: Date): Date | null {
  if (timestamp === undefined) return null;
  const ms = timestamp < 1e11 ? timestamp * 1000 : timestamp;
  return new Date(Math.min(ms, now.getTime()));
}
