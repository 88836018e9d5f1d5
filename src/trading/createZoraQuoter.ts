import { apiPost } from '@zoralabs/coins-sdk';
import { z } from 'zod';
import { configureZoraApi } from '../zora/configureZoraApi.ts';
import type { QuoteOutcome, Quoter } from './types.ts';

/** Where the Zora API is and how long a quote may take. */
export interface ZoraQuoterOptions {
  /** ZORA_API_BASE_URL; unset keeps coins-sdk's default. */
  apiBaseUrl?: string | undefined;
  /** ZORA_API_KEY, sent as the `api-key` header. */
  apiKey?: string | undefined;
  /** Give up on a quote after this long (default 5000 ms). */
  timeoutMs?: number;
}

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const amount = z.string().regex(/^(\d{1,78}|0x[0-9a-fA-F]{1,64})$/);

/** The part of coins-sdk 0.6.0's PostQuoteResponses[200] a buy needs (dist/client/types.gen.d.ts). */
const quoteResponseSchema = z.object({
  call: z.object({ target: address, data: z.string().regex(/^0x([0-9a-fA-F]{2})*$/), value: amount }),
  quote: z.object({ amountOut: amount }),
  permits: z.array(z.unknown()).nullish(),
});

/** Zora's error body (`{success: "false", error, errorType}`, PostQuoteErrors). */
const errorBodySchema = z.object({ error: z.string().optional(), errorType: z.string().optional() });

/** Build the Zora quote adapter: `POST /quote` for ETH -> coin with sender = recipient = the buyer, through
 * coins-sdk's exported `apiPost`: in coins-sdk 0.6.0 `createTradeCall` posts to /quote without the `api-key` header
 * and always with Base mainnet's chain id, while `apiPost` adds the key and sends our body (the API's own wire
 * format: tokenIn, tokenOut, amountIn as a decimal string, slippage, chainId, sender, recipient) as is. The shared
 * client is pointed at the base URL and key by configureZoraApi, which throws (here, at build time) if coin creation
 * in this process already uses other settings.
 * The quoter itself never throws: 422 LIQUIDITY, other 4xx, and 5xx/429/network/timeout/malformed bodies are tagged
 * outcomes.
 * https://docs.zora.co/coins/sdk/trade-coin */
export function createZoraQuoter(options: ZoraQuoterOptions = {}): Quoter {
  configureZoraApi('trading', { baseUrl: options.apiBaseUrl, apiKey: options.apiKey });
  const timeoutMs = options.timeoutMs ?? 5000;

  return async (request) => {
    const body = {
      tokenIn: { type: 'eth' },
      tokenOut: { type: 'erc20', address: request.coin },
      amountIn: request.amountInWei.toString(),
      slippage: request.slippage,
      chainId: request.chainId,
      sender: request.buyer,
      recipient: request.buyer,
    };
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
  };
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
  if (status === 429 || status >= 500 || status < 400) {
    const retryAfterSeconds = retryAfter(response.headers.get('retry-after'));
    return { kind: 'unavailable', detail, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
  }
  return { kind: 'rejected', status, detail };
}

/** Retry-After in whole seconds (1..300), when the upstream sent a plain number. */
function retryAfter(header: string | null): number | undefined {
  if (header === null || !/^\d{1,6}$/.test(header.trim())) return undefined;
  return Math.min(300, Math.max(1, Number(header.trim())));
}

function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 200);
}
