/** A local stand-in for Neynar's REST API (v2), for tests only: `GET /v2/farcaster/casts/?casts=a,b` answered in the
 * wire shape of the SDK's CastsResponse (`{ result: { casts: Cast[] } }`, types checked against
 * @neynar/nodejs-sdk build/api/models), with x-api-key required and errors in its ErrorRes shape
 * (`{ message, code?, property?, status? }`). Tests script failures and read back every request.
 * https://docs.neynar.com/reference/fetch-bulk-casts
 *
 * What it cannot prove:
 * - That real Neynar still serves this path and shape: it mirrors SDK 3.177.0's types, not a recorded response.
 * - Neynar's real limits: the maximum hashes per request, URL length limits, rate limits (5-20 RPS by plan) and
 *   whether it sends Retry-After on 429. Tests script 429s; they do not know when Neynar would send one.
 * - What Neynar does with unknown, deleted or malformed hashes. The stand-in leaves unknown hashes out of the result
 *   and answers 400 for a malformed one; real Neynar might answer 404, or 200 with an error, instead.
 * - The exact `code` and `message` strings of Neynar's errors (only the ErrorRes shape is from the SDK).
 * - Whether `replies.count` counts only direct replies, and how quickly Neynar's counts follow the network.
 * - Field values beyond the counts: authors and texts are placeholders that only satisfy the types. */

import { createServer, type IncomingHttpHeaders, STATUS_CODES } from 'node:http';
import type { Cast, CastsResponse, ErrorRes } from '@neynar/nodejs-sdk/build/api';
import { listenOnLoopback } from '../../src/support/listenOnLoopback.ts';

/** Counts the stand-in reports for one cast. */
export interface StandInCounts {
  likes: number;
  recasts: number;
  replies: number;
}

/** A canned answer: status, optional JSON body (default: an ErrorRes for the status), headers, and a delay before
 * answering (to exercise client timeouts). */
export interface ScriptedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
}

/** One request as the stand-in received it, with the status it answered. */
export interface RecordedRequest {
  method: string;
  /** Path and query exactly as sent, e.g. `/v2/farcaster/casts/?casts=0xa%2C0xb`. */
  url: string;
  pathname: string;
  /** The `casts` query parameter split on commas ([] when absent). */
  casts: string[];
  headers: IncomingHttpHeaders;
  /** Status answered; 0 while unanswered, or when the client gave up first. */
  status: number;
}

/** A running stand-in: its URL, the requests it received, and controls to script what it answers. */
export interface NeynarApiStandIn {
  /** Origin to use as NEYNAR_API_BASE_URL, e.g. `http://127.0.0.1:54321`. */
  url: string;
  requests: RecordedRequest[];
  /** Make the stand-in know a cast with these counts (replaces earlier counts). */
  setCast(hash: string, counts: StandInCounts): void;
  /** Forget a cast, as if it were deleted: it is left out of results. */
  removeCast(hash: string): void;
  /** Answer the next requests with these responses, in order, then serve normally again. */
  failNext(...responses: ScriptedResponse[]): void;
  /** Answer every request that asks for `hash` with `response`, for good (a batch that never succeeds). */
  failWhenAsked(hash: string, response: ScriptedResponse): void;
  close(): Promise<void>;
}

const CASTS_PATHS = new Set(['/v2/farcaster/casts', '/v2/farcaster/casts/']);
const HASH = /^0x[0-9a-fA-F]{40}$/;

function errorBody(status: number, message?: string, property?: string): ErrorRes {
  return {
    code: (STATUS_CODES[status] ?? 'Error').replace(/\s+/g, ''),
    message: message ?? STATUS_CODES[status] ?? 'Error',
    ...(property === undefined ? {} : { property }),
    status,
  };
}

function castObject(hash: string, counts: StandInCounts): Cast {
  const fid = 1 + (Number.parseInt(hash.slice(-6), 16) % 100_000);
  return {
    object: 'cast',
    hash,
    parent_hash: null,
    parent_url: null,
    root_parent_url: null,
    thread_hash: hash,
    parent_author: { fid: null },
    author: {
      object: 'user',
      fid,
      username: `standin${fid}`,
      display_name: `Stand-in ${fid}`,
      custody_address: `0x${fid.toString(16).padStart(40, '0')}`,
      pfp_url: null,
      registered_at: '2024-01-01T00:00:00.000Z',
      profile: { bio: { text: '' } },
      follower_count: 0,
      following_count: 0,
      verifications: [],
      auth_addresses: [],
      verified_addresses: { eth_addresses: [], sol_addresses: [], primary: { eth_address: null, sol_address: null } },
      verified_accounts: [],
    },
    app: null,
    text: `Stand-in cast ${hash.slice(0, 10)}`,
    timestamp: '2026-01-01T00:00:00.000Z',
    embeds: [],
    channel: null,
    mentioned_profiles: [],
    mentioned_profiles_ranges: [],
    mentioned_channels: [],
    mentioned_channels_ranges: [],
    // The `likes` / `recasts` arrays are deprecated and always empty (cast-reactions.d.ts).
    reactions: { likes: [], likes_count: counts.likes, recasts: [], recasts_count: counts.recasts },
    replies: { count: counts.replies },
  };
}

/** Start the stand-in on 127.0.0.1 (a free port); requests must carry `x-api-key: <apiKey>`. */
export async function startNeynarApi(options: { apiKey: string }): Promise<NeynarApiStandIn> {
  const casts = new Map<string, StandInCounts>();
  const scripted: ScriptedResponse[] = [];
  const poisoned = new Map<string, ScriptedResponse>();
  const requests: RecordedRequest[] = [];

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const param = url.searchParams.get('casts');
    const asked = param === null || param === '' ? [] : param.split(',');
    const record: RecordedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      pathname: url.pathname,
      casts: asked,
      headers: req.headers,
      status: 0,
    };
    requests.push(record);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    const sendScripted = (r: ScriptedResponse) => {
      const answer = () => send(r.status, r.body ?? errorBody(r.status), r.headers);
      if (r.delayMs === undefined) return answer();
      const timer = setTimeout(() => {
        if (!res.destroyed) answer();
      }, r.delayMs);
      res.once('close', () => clearTimeout(timer));
    };

    if (!CASTS_PATHS.has(url.pathname)) return send(404, errorBody(404, `no route for ${url.pathname}`));
    if (req.method !== 'GET') return send(405, errorBody(405));
    if (req.headers['x-api-key'] !== options.apiKey) {
      return send(401, errorBody(401, 'Invalid or missing API key (x-api-key header)'));
    }
    const next = scripted.shift();
    if (next !== undefined) return sendScripted(next);
    const poison = asked.map((h) => poisoned.get(h.toLowerCase())).find((r) => r !== undefined);
    if (poison !== undefined) return sendScripted(poison);
    if (asked.length === 0) return send(400, errorBody(400, 'casts is required', 'casts'));
    const bad = asked.find((h) => !HASH.test(h));
    if (bad !== undefined) return send(400, errorBody(400, `invalid cast hash: ${bad.slice(0, 80)}`, 'casts'));

    const seen = new Set<string>();
    const found: Cast[] = [];
    for (const hash of asked.map((h) => h.toLowerCase())) {
      const counts = casts.get(hash);
      if (counts === undefined || seen.has(hash)) continue;
      seen.add(hash);
      found.push(castObject(hash, counts));
    }
    const body: CastsResponse = { result: { casts: found } };
    return send(200, body);
  });

  const listening = await listenOnLoopback(server);

  return {
    url: listening.url,
    requests,
    setCast: (hash, counts) => void casts.set(hash.toLowerCase(), { ...counts }),
    removeCast: (hash) => void casts.delete(hash.toLowerCase()),
    failNext: (...responses) => void scripted.push(...responses),
    failWhenAsked: (hash, response) => void poisoned.set(hash.toLowerCase(), response),
    close: listening.close,
  };
}
