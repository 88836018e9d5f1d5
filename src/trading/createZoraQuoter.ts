import { configureZoraApi } from '../zora/configureZoraApi.ts';
import { postZoraQuote } from './postZoraQuote.ts';
import type { Quoter, SellQuoter } from './types.ts';

/** Where the Zora API is and how long a quote may take. */
export interface ZoraQuoterOptions {
  /** ZORA_API_BASE_URL; unset keeps coins-sdk's default. */
  apiBaseUrl?: string | undefined;
  /** ZORA_API_KEY, sent as the `api-key` header. */
  apiKey?: string | undefined;
  /** Give up on a quote after this long (default 5000 ms). */
  timeoutMs?: number;
}

/** Build the Zora quote adapter: `POST /quote` for ETH -> coin with sender = recipient = the buyer, through
 * coins-sdk's exported `apiPost` (postZoraQuote): in coins-sdk 0.6.0 `createTradeCall` posts to /quote without the
 * `api-key` header and always with Base mainnet's chain id, while `apiPost` adds the key and sends our body (the
 * API's own wire format: tokenIn, tokenOut, amountIn as a decimal string, slippage, chainId, sender, recipient) as
 * is. The shared client is pointed at the base URL and key by configureZoraApi, which throws (here, at build time)
 * if coin creation in this process already uses other settings. The quoter itself never throws: every answer is a
 * tagged outcome (see postZoraQuote). `sell` asks the same endpoint for coin -> ETH.
 * https://docs.zora.co/coins/sdk/trade-coin */
export function createZoraQuoter(options: ZoraQuoterOptions = {}): Quoter & { sell: SellQuoter } {
  configureZoraApi('trading', { baseUrl: options.apiBaseUrl, apiKey: options.apiKey });
  const timeoutMs = options.timeoutMs ?? 5000;
  const buy: Quoter = (request) =>
    postZoraQuote(
      {
        tokenIn: { type: 'eth' },
        tokenOut: { type: 'erc20', address: request.coin },
        amountIn: request.amountInWei.toString(),
        slippage: request.slippage,
        chainId: request.chainId,
        sender: request.buyer,
        recipient: request.buyer,
      },
      timeoutMs,
    );
  const sell: SellQuoter = (request) =>
    postZoraQuote(
      {
        tokenIn: { type: 'erc20', address: request.coin },
        tokenOut: { type: 'eth' },
        amountIn: request.amountIn.toString(),
        slippage: request.slippage,
        chainId: request.chainId,
        sender: request.seller,
        recipient: request.seller,
      },
      timeoutMs,
    );
  return Object.assign(buy, { sell });
}
