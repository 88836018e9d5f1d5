import { describe, expect, it } from 'vitest';
import { ApiError } from './api.ts';
import { describeTradeFailure } from './tradeFailure.ts';

describe('describeTradeFailure', () => {
  it('explains each refusal of the trade API by its status, with the wait when the server names one', () => {
    expect(describeTradeFailure(new ApiError(409, 'coin launched 3 s ago', 12), 'buy')).toEqual({
      message: 'This coin just launched: trading opens in 12 s.',
      retryAfterSeconds: 12,
    });
    expect(describeTradeFailure(new ApiError(409, 'the buy would revert', null), 'buy').message).toBe(
      'Not possible right now: the buy would revert',
    );
    expect(describeTradeFailure(new ApiError(503, 'Zora is unavailable', 30), 'buy')).toEqual({
      message: 'Price quotes are unavailable right now. Try again in 30 s.',
      retryAfterSeconds: 30,
    });
    expect(describeTradeFailure(new ApiError(422, 'not enough liquidity', null), 'buy').message).toMatch(/liquidity/);
    expect(describeTradeFailure(new ApiError(429, 'slow down', 60), 'buy').message).toBe(
      'Too many requests. Try again in 60 s.',
    );
    expect(describeTradeFailure(new ApiError(404, 'not found', null), 'sell').message).toBe(
      'Selling is not available on this server yet.',
    );
    expect(describeTradeFailure(new ApiError(404, 'Unknown performance', null), 'buy').message).toBe(
      'This performance no longer exists.',
    );
    expect(describeTradeFailure(new ApiError(400, 'amountEth: must be at most 1', null), 'buy').message).toBe(
      'amountEth: must be at most 1',
    );
    expect(describeTradeFailure(new ApiError(502, 'internal detail', null), 'buy').message).not.toMatch(/internal/);
  });

  it('explains wallet errors by their EIP-1193 code or the node’s message', () => {
    expect(describeTradeFailure({ code: 4001, message: 'User rejected the request.' }, 'buy').message).toMatch(
      /You rejected the transaction/,
    );
    expect(describeTradeFailure({ code: 4902, message: 'Unrecognized chain ID' }, 'buy').message).toMatch(
      /another network/,
    );
    expect(
      describeTradeFailure({ code: -32000, message: 'insufficient funds for gas * price + value' }, 'sell').message,
    ).toBe('Not enough ETH in your wallet for this sell plus network fees.');
    expect(describeTradeFailure(new Error('reverted'), 'buy').message).toMatch(/reverted on chain: nothing was bought/);
    expect(describeTradeFailure('weird', 'buy').message).toBe(
      'The buy did not go through. Nothing changed; try again.',
    );
  });
});
