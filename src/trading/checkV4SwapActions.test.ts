import { type Hex, zeroAddress } from 'viem';
import { describe, expect, it } from 'vitest';
import { checkV4SwapActions, type V4Action } from './checkV4SwapActions.ts';
import { settleAll, swapExactInSingle, takeAll, v4SwapInput } from './decodeBuyCalldata.fixtures.ts';

const coin = '0x1111111111111111111111111111111111111111';
const swap = swapExactInSingle({ currency1: coin, amountIn: 10n, amountOutMinimum: 7n });
const settle = settleAll(zeroAddress, 10n);
const take = takeAll(coin, 9n);

/** A checker that accepts every decoded action and enforces the swap's and TAKE_ALL's minimums. */
const seen: V4Action['name'][] = [];
const acceptAll = (action: V4Action) => {
  seen.push(action.name);
  if (action.kind === 'swap') return action.swap.amountOutMinimum;
  return action.name === 'TAKE_ALL' ? action.minAmount : 0n;
};
const refusal = (input: Hex) => () => checkV4SwapActions(input, acceptAll);

describe('checkV4SwapActions', () => {
  it('hands every action, decoded, to the checker in order and answers the largest minimum', () => {
    seen.length = 0;
    expect(checkV4SwapActions(v4SwapInput([swap, settle, take]), acceptAll)).toBe(9n);
    expect(seen).toEqual(['SWAP_EXACT_IN_SINGLE', 'SETTLE_ALL', 'TAKE_ALL']);
  });

  it('refuses what the checker refuses', () => {
    const refuseAll = () => {
      throw new Error('no');
    };
    expect(() => checkV4SwapActions(v4SwapInput([swap, settle, take]), refuseAll)).toThrow('no');
  });

  it('refuses unknown actions, a missing or second swap, a missing settle or take, and loose encodings', () => {
    expect(refusal(v4SwapInput([swap, { action: 0x15, params: '0x' }]))).toThrow(
      'V4_SWAP: action 0x15 is not accepted',
    );
    expect(refusal(v4SwapInput([settle, take]))).toThrow('V4_SWAP: 0 swaps, expected exactly 1');
    expect(refusal(v4SwapInput([swap, swap, settle, take]))).toThrow('V4_SWAP: 2 swaps, expected exactly 1');
    expect(refusal(v4SwapInput([swap, settle]))).toThrow('V4_SWAP: missing a settle or a take');
    expect(refusal(`${v4SwapInput([swap, settle, take])}00`)).toThrow('V4_SWAP: not canonically encoded');
    expect(refusal(v4SwapInput([swap, { ...settle, params: `${settle.params}00` }, take]))).toThrow(
      'SETTLE_ALL: not canonically encoded',
    );
  });
});
