import { holdLease } from '../jobs/holdLease.ts';
import { errorFields, type Logger } from '../support/logger.ts';
import type { ClaimedDelivery, DeliveryOutcome, MiniAppStore } from './createMiniAppStore.ts';
import { type BatchAnswer, decideDeliveryOutcomes } from './decideDeliveryOutcomes.ts';
import { isAllowedNotificationUrl } from './isAllowedNotificationUrl.ts';

/** Tokens per request: the spec's maximum. */
export const MAX_TOKENS_PER_REQUEST = 100;
/** Clients deduplicate (fid, notificationId) for 24 hours; we stop resending an hour before that ends. */
export const DEDUPE_WINDOW_SECONDS = 23 * 3600;

export interface NotificationSenderOptions {
  store: Pick<MiniAppStore, 'claimDeliveries' | 'renewDeliveryLease' | 'recordDeliveries'>;
  /** PUBLIC_URL: every targetUrl is a path on it. */
  publicUrl: string;
  logger: Logger;
  /** This sender's lease holder name (unique per process). */
  workerId: string;
  fetch?: typeof fetch;
  /** Deliveries leased per run (default 500). */
  claimLimit?: number;
  /** Lease length, renewed every third of it while the run works (default 30 s). */
  leaseSeconds?: number;
  /** Longest wait for a client's answer (default 10 s). */
  timeoutMs?: number;
  /** No resend once this long has passed since a delivery's first attempt (default 23 h, inside the clients' 24 h). */
  dedupeSeconds?: number;
  /** Accept http on loopback notification URLs (devnet and tests). */
  allowLoopbackHttp?: boolean;
  now?: () => Date;
}

/** Counts of one run's per-token outcomes. */
export type SenderRun = Record<DeliveryOutcome['outcome'], number>;

export interface NotificationSender {
  /** Lease due deliveries, send them in batches and record every token's outcome. */
  runOnce(signal?: AbortSignal): Promise<SenderRun>;
}

const MAX_ANSWER_BYTES = 64 * 1024;

/** Cut text to `max` UTF-16 code units (what the clients' schema counts) without splitting a character. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const char of text) {
    if (out.length + char.length > max - 1) break;
    out += char;
  }
  return `${out}…`;
}

/** Batches of at most 100 tokens that share one request: same notification, same client URL. */
export function groupDeliveries(deliveries: readonly ClaimedDelivery[]): ClaimedDelivery[][] {
  const groups = new Map<string, ClaimedDelivery[]>();
  for (const d of deliveries) {
    const key = `${d.notificationId}\n${d.url}`;
    const group = groups.get(key) ?? [];
    group.push(d);
    groups.set(key, group);
  }
  const batches: ClaimedDelivery[][] = [];
  for (const group of groups.values()) {
    for (let i = 0; i < group.length; i += MAX_TOKENS_PER_REQUEST)
      batches.push(group.slice(i, i + MAX_TOKENS_PER_REQUEST));
  }
  return batches;
}

/** The client's JSON answer, read as a stream and abandoned past MAX_ANSWER_BYTES whatever Content-Length claims (a
 * hostile client may send a chunked answer without end); null when too big or not JSON. */
async function readAnswer(response: Response): Promise<unknown> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_ANSWER_BYTES || response.body === null) {
    await response.body?.cancel();
    return null;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel();
      return null;
    }
    text += decoder.decode(value, { stream: true });
  }
  try {
    return JSON.parse(text + decoder.decode());
  } catch {
    return null;
  }
}

/** The notification sender: a background job's work. Deliveries are leased in the database (any number of senders
 * may run), their leases renewed while the run works (holdLease), sent as `POST <client url>` with
 * `{notificationId, title, body, targetUrl, tokens}` (≤ 100 tokens, one notification and client URL per request; no
 * redirects followed; bounded time), and each token's outcome recorded right after its batch. A crash between send
 * and record leaves the delivery leased; once the lease lapses it is sent again with the same notificationId, which
 * the client deduplicates, and the claim refuses any resend once DEDUPE_WINDOW_SECONDS have passed since the first
 * attempt (recorded before the first send), so no token is shown one notification twice.
 * https://miniapps.farcaster.xyz/docs/specification#send-notifications */
export function createNotificationSender(options: NotificationSenderOptions): NotificationSender {
  const doFetch = options.fetch ?? fetch;
  const leaseSeconds = options.leaseSeconds ?? 30;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const now = options.now ?? (() => new Date());
  const { store, logger, workerId } = options;

  const send = async (batch: ClaimedDelivery[], signal: AbortSignal): Promise<BatchAnswer> => {
    const first = batch[0];
    if (first === undefined) return { kind: 'no_answer', error: 'empty batch' };
    const body = {
      notificationId: first.notificationId,
      title: clip(first.title, 32),
      body: clip(first.body, 128),
      targetUrl: `${options.publicUrl}${first.targetPath}`,
      tokens: batch.map((d) => d.token),
    };
    try {
      const response = await doFetch(first.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
      return {
        kind: 'answered',
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        body: response.status === 200 ? await readAnswer(response) : await response.body?.cancel(),
      };
    } catch (error) {
      // createPublicOnlyFetch (Node host): the client's host resolves to a non-public address; never worth a retry.
      if (error instanceof Error && error.name === 'NotificationFetch.PrivateAddressError') {
        return { kind: 'refused', error: 'notification host resolves to a non-public address' };
      }
      return { kind: 'no_answer', error: errorFields(error).error as string };
    }
  };

  return {
    async runOnce(signal = new AbortController().signal) {
      const counts: SenderRun = { sent: 0, invalid: 0, rate_limited: 0, retry: 0, failed: 0 };
      const claimed = await store.claimDeliveries(
        workerId,
        options.claimLimit ?? 500,
        leaseSeconds,
        options.dedupeSeconds ?? DEDUPE_WINDOW_SECONDS,
      );
      if (claimed.length === 0) return counts;
      const ids = claimed.map((d) => d.id);
      await holdLease(
        {
          leaseSeconds,
          renew: () => store.renewDeliveryLease(workerId, ids, leaseSeconds),
          logger,
          fields: { job: 'notification-sender', deliveries: ids.length },
        },
        async (leaseSignal) => {
          const stop = AbortSignal.any([signal, leaseSignal]);
          for (const batch of groupDeliveries(claimed)) {
            // Checked before each send: a lost lease means another sender may hold these deliveries now.
            if (stop.aborted) break;
            const first = batch[0];
            let outcomes: DeliveryOutcome[];
            if (
              first !== undefined &&
              !isAllowedNotificationUrl(first.url, { allowLoopbackHttp: options.allowLoopbackHttp === true })
            ) {
              outcomes = batch.map((d) => ({ id: d.id, outcome: 'failed', error: 'notification URL not allowed' }));
            } else {
              outcomes = decideDeliveryOutcomes(batch, await send(batch, stop), now());
            }
            try {
              await store.recordDeliveries(workerId, outcomes);
            } catch (error) {
              // Left leased: resent after the lease lapses, with the same notificationId (deduplicated by the client).
              logger.warn('notification outcomes not recorded', { ...errorFields(error), deliveries: batch.length });
              continue;
            }
            for (const o of outcomes) counts[o.outcome]++;
          }
        },
      );
      if (counts.invalid > 0 || counts.failed > 0 || counts.rate_limited > 0 || counts.retry > 0) {
        logger.info('notifications sent', counts);
      }
      return counts;
    },
  };
}
