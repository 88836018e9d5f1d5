import { Configuration, NeynarAPIClient } from '@neynar/nodejs-sdk';
import { z } from 'zod';
import type { CastCountSource, CastCountsResult, ReportedCounts } from './reconcileMetrics.ts';

/** Where and how to reach Neynar's REST API (https://docs.neynar.com/reference/quickstart). */
export interface NeynarCastCountsOptions {
  apiKey: string;
  /** REST API origin, e.g. NEYNAR_API_BASE_URL; the SDK appends `/v2/farcaster/casts/` to it verbatim. */
  baseUrl: string;
  /** Per-request timeout; a timeout counts as retryable. */
  timeoutMs?: number;
}

const count = z.number().int().nonnegative();

// Only what reconciliation reads of the SDK's CastsResponse (build/api/models/casts-response.d.ts, cast.d.ts).
const castsResponseSchema = z.object({
  result: z.object({
    casts: z.array(
      z.object({
        hash: z.string(),
        reactions: z.object({ likes_count: count, recasts_count: count }),
        replies: z.object({ count }),
      }),
    ),
  }),
});

// What the SDK throws: an AxiosError, with `response` when the server answered.
const requestErrorSchema = z.object({
  message: z.string(),
  code: z.string().optional(),
  response: z.object({ status: z.number().int(), data: z.unknown(), headers: z.unknown() }).optional(),
});

// Neynar's error body (the SDK's ErrorRes).
const errorBodySchema = z.object({ message: z.string() });

function retryAfterMs(headers: unknown): number | null {
  if (typeof headers !== 'object' || headers === null) return null;
  const value: unknown = Reflect.get(headers, 'retry-after');
  if (typeof value !== 'string' || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

function describeFailure(error: unknown): CastCountsResult {
  const parsed = requestErrorSchema.safeParse(error);
  if (!parsed.success) {
    return { ok: false, retryable: false, status: null, message: String(error).slice(0, 200), retryAfterMs: null };
  }
  const { response, code, message } = parsed.data;
  if (response === undefined) {
    // No answer at all: refused, reset, DNS or timeout. Worth another try.
    return {
      ok: false,
      retryable: true,
      status: null,
      message: `could not reach Neynar: ${code ?? message}`,
      retryAfterMs: null,
    };
  }
  const body = errorBodySchema.safeParse(response.data);
  const detail = body.success ? `: ${body.data.message.slice(0, 200)}` : '';
  return {
    ok: false,
    retryable: response.status === 429 || response.status >= 500,
    status: response.status,
    message: `Neynar answered ${response.status}${detail}`,
    retryAfterMs: retryAfterMs(response.headers),
  };
}

/** CastCountSource over Neynar's bulk casts endpoint through @neynar/nodejs-sdk (`GET /v2/farcaster/casts/?casts=`,
 * header `x-api-key`): likes and recasts from `cast.reactions.*_count`, replies from `cast.replies.count`.
 * https://docs.neynar.com/reference/fetch-bulk-casts */
export function neynarCastCounts(options: NeynarCastCountsOptions): CastCountSource {
  const client = new NeynarAPIClient(
    new Configuration({
      apiKey: options.apiKey,
      // The SDK concatenates basePath and the path, so a trailing slash would produce `//v2/...`.
      basePath: options.baseUrl.replace(/\/+$/, ''),
      baseOptions: { timeout: options.timeoutMs ?? 30_000 },
    }),
  );
  return {
    async fetchCounts(castHashes) {
      if (castHashes.length === 0) return { ok: true, counts: new Map() };
      let data: unknown;
      try {
        data = await client.fetchBulkCasts({ casts: [...castHashes] });
      } catch (error) {
        return describeFailure(error);
      }
      const parsed = castsResponseSchema.safeParse(data);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid';
        return {
          ok: false,
          retryable: false,
          status: 200,
          message: `unexpected response from Neynar (${where})`,
          retryAfterMs: null,
        };
      }
      const counts = new Map<string, ReportedCounts>();
      for (const cast of parsed.data.result.casts) {
        counts.set(cast.hash.toLowerCase(), {
          likes: cast.reactions.likes_count,
          recasts: cast.reactions.recasts_count,
          replies: cast.replies.count,
        });
      }
      return { ok: true, counts };
    },
  };
}
