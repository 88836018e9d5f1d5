import { ApiError } from './api.ts';

/** What the user reads when a trade stops, and when it may work again (seconds; null: no known time). */
export interface TradeFailure {
  message: string;
  retryAfterSeconds: number | null;
}

const lower = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : '');

/** One clear sentence for every way a buy or sell can stop: a refusal from our API (by status), or an EIP-1193
 * wallet error (by code: https://eips.ethereum.org/EIPS/eip-1193#provider-errors, and the node's message for
 * insufficient funds). Pure: the screens show it and reset to a state where the user can try again. */
export function describeTradeFailure(error: unknown, side: 'buy' | 'sell'): TradeFailure {
  if (error instanceof ApiError) {
    const retry = error.retryAfterSeconds;
    const wait = retry === null ? '' : ` Try again in ${retry} s.`;
    switch (error.status) {
      case 0:
        return { message: error.message, retryAfterSeconds: null };
      case 404:
        // The app's catch-all answer for a route it does not have is exactly "not found".
        return {
          message:
            error.message === 'not found'
              ? `${side === 'buy' ? 'Buying' : 'Selling'} is not available on this server yet.`
              : 'This performance no longer exists.',
          retryAfterSeconds: null,
        };
      case 409:
        return retry !== null
          ? { message: `This coin just launched: trading opens in ${retry} s.`, retryAfterSeconds: retry }
          : { message: `Not possible right now: ${error.message}`, retryAfterSeconds: null };
      case 422:
        return { message: `Not enough liquidity for this amount: ${error.message}`, retryAfterSeconds: null };
      case 429:
        return { message: `Too many requests.${wait || ' Wait a minute and try again.'}`, retryAfterSeconds: retry };
      case 503:
        return { message: `Price quotes are unavailable right now.${wait}`, retryAfterSeconds: retry };
      default:
        return error.status >= 500
          ? { message: `The server could not prepare this ${side}. Try again later.`, retryAfterSeconds: retry }
          : { message: error.message, retryAfterSeconds: retry };
    }
  }
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const text = `${lower((error as { message?: unknown })?.message)} ${lower((error as { details?: unknown })?.details)}`;
  if (code === 4001 || text.includes('user rejected') || text.includes('user denied'))
    return { message: 'You rejected the transaction in your wallet. Nothing was sent.', retryAfterSeconds: null };
  if (code === 4901 || code === 4902 || text.includes('chain'))
    return { message: 'Your wallet is on another network. Switch it to Base and try again.', retryAfterSeconds: null };
  if (text.includes('insufficient funds') || text.includes('exceeds balance'))
    return {
      message: `Not enough ETH in your wallet for this ${side} plus network fees.`,
      retryAfterSeconds: null,
    };
  if (text.includes('reverted'))
    return {
      message: `The transaction reverted on chain: nothing was ${side === 'buy' ? 'bought' : 'sold'} (network fees were spent).`,
      retryAfterSeconds: null,
    };
  return { message: `The ${side} did not go through. Nothing changed; try again.`, retryAfterSeconds: null };
}
