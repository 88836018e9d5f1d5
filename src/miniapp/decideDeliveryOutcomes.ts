import { z } from 'zod';
import type { DeliveryOutcome } from './createMiniAppStore.ts';

/** The clients' answer, as `@farcaster/miniapp-core`'s sendNotificationResponseSchema says (written out here so the
 * server does not load the package at start; its non-strict object ignores extra fields such as `failedTokens`). */
const responseSchema = z.object({
  result: z.object({
    successfulTokens: z.array(z.string()),
    invalidTokens: z.array(z.string()),
    rateLimitedTokens: z.array(z.string()),
  }),
});

/** How one batch request ended: the client's answer, no answer (connection refused, timeout, reset), or refused by
 * us before sending (the client's host resolves to a non-public address). */
export type BatchAnswer =
  | { kind: 'answered'; status: number; retryAfter: string | null; body: unknown }
  | { kind: 'no_answer'; error: string }
  | { kind: 'refused'; error: string };

/** Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), bounded to a day; undefined when absent
 * or unreadable. */
export function parseRetryAfter(value: string | null, now: Date): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d{1,9}$/.test(trimmed)) return Math.min(86_400, Number(trimmed));
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.min(86_400, Math.max(0, Math.ceil((at - now.getTime()) / 1000)));
}

/** Per-token outcomes of one batch: a 200 answer sorts tokens into successful, invalid and rate-limited (a token the
 * answer does not mention is retried); 429 rate-limits the whole batch until Retry-After; 5xx, 408, no answer or an
 * unreadable 200 are retried with backoff (the stable notificationId makes a resend harmless); any other status, or a
 * request we refused to send, fails for good. Pure. https://miniapps.farcaster.xyz/docs/specification#send-notifications */
export function decideDeliveryOutcomes(
  deliveries: readonly { id: number; token: string }[],
  answer: BatchAnswer,
  now: Date,
): DeliveryOutcome[] {
  const all = (make: (id: number) => DeliveryOutcome) => deliveries.map((d) => make(d.id));
  if (answer.kind === 'refused') return all((id) => ({ id, outcome: 'failed', error: answer.error }));
  if (answer.kind === 'no_answer') return all((id) => ({ id, outcome: 'retry', error: answer.error }));
  const retryAfter = parseRetryAfter(answer.retryAfter, now);
  const rateLimited = (id: number): DeliveryOutcome =>
    retryAfter === undefined
      ? { id, outcome: 'rate_limited' }
      : { id, outcome: 'rate_limited', retryAfterSeconds: retryAfter };
  if (answer.status === 429) return all(rateLimited);
  if (answer.status >= 500 || answer.status === 408) {
    return all((id) => ({ id, outcome: 'retry', error: `client answered ${answer.status}` }));
  }
  if (answer.status !== 200) return all((id) => ({ id, outcome: 'failed', error: `client answered ${answer.status}` }));
  const parsed = responseSchema.safeParse(answer.body);
  if (!parsed.success) return all((id) => ({ id, outcome: 'retry', error: 'unreadable answer' }));
  const { successfulTokens, invalidTokens, rateLimitedTokens } = parsed.data.result;
  const successful = new Set(successfulTokens);
  const invalid = new Set(invalidTokens);
  const limited = new Set(rateLimitedTokens);
  return deliveries.map((d): DeliveryOutcome => {
    if (invalid.has(d.token)) return { id: d.id, outcome: 'invalid' };
    if (limited.has(d.token)) return rateLimited(d.id);
    if (successful.has(d.token)) return { id: d.id, outcome: 'sent' };
    return { id: d.id, outcome: 'retry', error: 'token missing from the answer' };
  });
}
