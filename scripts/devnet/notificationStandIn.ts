/** A local stand-in for a Farcaster client's notification endpoint (the `notificationDetails.url` a client sends in
 * its webhook events), for tests and `npm run bench:notifications`. It speaks the real wire format: `POST` JSON `{notificationId, title, body,
 * targetUrl, tokens}` checked with `@farcaster/miniapp-core`'s `sendNotificationRequestSchema` (a 400 when it does
 * not parse; `targetUrl` is checked for length only, so loopback test origins pass), and answers 200
 * `{result: {successfulTokens, invalidTokens, rateLimitedTokens}}` (`sendNotificationResponseSchema`).
 *
 * Per token it answers success (default), invalid or rate-limited (`setToken`); for the whole server a status
 * (`failWith(500)`, `failWith(429)`) or no answer at all (`failWith('hang')`). Like a real client it deduplicates
 * (token, notificationId): a repeat is answered as successful but not shown again (`shown` lists what a user saw).
 *
 * What it cannot prove: the real clients' rate limits (1 per 30 s and 100 a day per token are not enforced unless
 * `setToken(t, 'rate_limited')`), their dedupe window (24 h per fid here is forever per token), that targetUrl must
 * be on the manifest's domain (not checked), and the unreleased `failedTokens` field. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendNotificationRequestSchema } from '@farcaster/miniapp-core';
import { z } from 'zod';

export type TokenBehaviour = 'ok' | 'invalid' | 'rate_limited';

export interface ReceivedNotification {
  notificationId: string;
  title: string;
  body: string;
  targetUrl: string;
  tokens: string[];
}

export interface NotificationStandIn {
  /** The notification URL to hand out in webhook events. */
  url: string;
  setToken(token: string, behaviour: TokenBehaviour): void;
  /** Answer every request with this status (429 with Retry-After: 60), or never ('hang'), until null. */
  failWith(mode: number | 'hang' | null): void;
  /** Every request that parsed, in arrival order (also those answered with a failure status). */
  requests: ReceivedNotification[];
  /** What users saw: one entry per (token, notificationId), the first time it succeeded. */
  shown: { token: string; notificationId: string }[];
  close(): Promise<void>;
}

const requestSchema = sendNotificationRequestSchema.extend({ targetUrl: z.string().max(1024) });

export interface NotificationStandInOptions {
  /** A status to answer instead, per request (counted from 0 in arrival order), or null for the normal answer: how the
   * bench makes a share of requests 429 (Retry-After: 60) or 503. */
  answerWith?: (requestIndex: number) => number | null;
}

/** Start the stand-in on 127.0.0.1 (a free port). */
export async function startNotificationStandIn(options: NotificationStandInOptions = {}): Promise<NotificationStandIn> {
  const behaviours = new Map<string, TokenBehaviour>();
  const seen = new Set<string>();
  const requests: ReceivedNotification[] = [];
  const shown: { token: string; notificationId: string }[] = [];
  let mode: number | 'hang' | null = null;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST') {
        res.writeHead(405).end();
        return;
      }
      let parsed: ReturnType<typeof requestSchema.safeParse>;
      try {
        parsed = requestSchema.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid json"}');
        return;
      }
      if (!parsed.success) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: parsed.error.message }));
        return;
      }
      const request = parsed.data;
      requests.push(request);
      if (mode === 'hang') return;
      const status = mode ?? options.answerWith?.(requests.length - 1) ?? null;
      if (status !== null) {
        res.writeHead(status, {
          'content-type': 'application/json',
          ...(status === 429 ? { 'retry-after': '60' } : {}),
        });
        res.end('{"error":"unavailable"}');
        return;
      }
      const result = {
        successfulTokens: [] as string[],
        invalidTokens: [] as string[],
        rateLimitedTokens: [] as string[],
      };
      for (const token of request.tokens) {
        const behaviour = behaviours.get(token) ?? 'ok';
        if (behaviour === 'invalid') result.invalidTokens.push(token);
        else if (behaviour === 'rate_limited') result.rateLimitedTokens.push(token);
        else {
          result.successfulTokens.push(token);
          const key = `${token}\n${request.notificationId}`;
          if (!seen.has(key)) {
            seen.add(key);
            shown.push({ token, notificationId: request.notificationId });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/frame-notifications`,
    setToken: (token, behaviour) => void behaviours.set(token, behaviour),
    failWith: (m) => {
      mode = m;
    },
    requests,
    shown,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
