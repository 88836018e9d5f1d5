import { z } from 'zod';
import { loadZoraSdk } from '../zora/configureZoraApi.ts';
import type { QuoteOutcome } from './types.ts';

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const amount = z.string().regex(/^(\d{1,78}|0x[0-9a-fA-F]{1,64})$/);

/** The part of coins-sdk 0.6.0's PostQuoteResponses[200] a trade needs (dist/client/types.gen.d.ts). */
const quoteResponseSchema = z.object({
  call: z.object({ target: address, data: z.string().regex(/^0x([0-9a-fA-F]{2})*$/), value: amount }),
  quote: z.object({ amountOut: amount }),
  permits: z.array(z.unknown()).nullish(),
});

/** Zora's error body (`{success: "false", error, errorType}`, PostQuoteErrors; 400s carry only `{error}`). */
const errorBodySchema = z.object({ error: z.string().optional(), errorType: z.string().optional() });

/** Statuses that say our side of the Zora integration is broken or Zora is not serving (our key refused, the route
 * missing, a timeout, a rate limit): none of them is the trader's problem. */
const OURS_OR_ZORAS = new Set([401, 403, 404, 405, 407, 408, 429]);

/** POST one body to Zora's `/quote` through coins-sdk's `apiPost` (which sends the configured `api-key`) and classify
 * the answer; never throws: 422 LIQUIDITY is `liquidity`; another 400/422 (the request as the trader made it cannot
 * be quoted) is `rejected` with Zora's reason cut to printable ASCII; 5xx, 429, our key or route refused, network
 * errors, timeouts and malformed bodies are `unavailable` (a broken or unreachable Zora).
 * https://docs.zora.co/coins/sdk/trade-coin */
export async function postZoraQuote(body: Record<string, unknown>, timeoutMs: number): Promise<QuoteOutcome> {
  // Loading coins-sdk (the first quote after start) is our time, not Zora's: the timeout starts once it is loaded.
  let apiPost: Awaited<ReturnType<typeof loadZoraSdk>>['apiPost'];
  try {
    ({ apiPost } = await loadZoraSdk());
  } catch (error) {
    return { kind: 'unavailable', detail: `coins-sdk could not be loaded: ${describe(error)}` };
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<QuoteOutcome>((resolve) => {
    timer = setTimeout(
      () => resolve({ kind: 'unavailable', detail: `Zora /quote timed out after ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  // apiPost takes no AbortSignal, so a timed-out request is abandoned rather than aborted.
  const answered = apiPost('/quote', body).then(
    (result) => classify(result.response, result.data, result.error),
    (error: unknown): QuoteOutcome => ({ kind: 'unavailable', detail: `Zora /quote failed: ${describe(error)}` }),
  );
  try {
    return await Promise.race([answered, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function classify(response: Response, data: unknown, error: unknown): QuoteOutcome {
  const status = response.status;
  if (response.ok) {
    const parsed = quoteResponseSchema.safeParse(data);
    if (!parsed.success) {
      return { kind: 'unavailable', detail: `Zora /quote answered ${status} with an unexpected body` };
    }
    const { call, quote, permits } = parsed.data;
    return {
      kind: 'ok',
      target: call.target.toLowerCase() as `0x${string}`,
      data: call.data as `0x${string}`,
      value: BigInt(call.value),
      amountOut: BigInt(quote.amountOut),
      permitsCount: permits?.length ?? 0,
    };
  }
  const failure = errorBodySchema.safeParse(error);
  const text = failure.success ? (failure.data.error ?? '').slice(0, 200) : '';
  const detail = `Zora /quote answered ${status}${text ? `: ${text}` : ''}`;
  if (status === 422 && failure.success && failure.data.errorType === 'LIQUIDITY') return { kind: 'liquidity', detail };
  if (status >= 500 || status < 400 || OURS_OR_ZORAS.has(status)) {
    const retryAfterSeconds = retryAfter(response.headers.get('retry-after'));
    return { kind: 'unavailable', detail, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
  }
  return { kind: 'rejected', status, detail, reason: printable(text) };
}

/** Zora's reason as a client may see it: printable ASCII only, at most 120 characters ('' when there is none). */
function printable(text: string): string {
  return text
    .replace(/[^\x20-\x7e]+/g, ' ')
    .trim()
    .slice(0, 120);
}

/** Retry-After in whole seconds (1..300), when the upstream sent a plain number. */
function retryAfter(header: string | null): number | undefined {
  if (header === null || !/^\d{1,6}$/.test(header.trim())) return undefined;
  return Math.min(300, Math.max(1, Number(header.trim())));
}

function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 200);
}
