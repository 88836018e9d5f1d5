import { encodeFunctionData, parseAbi } from 'viem';
import { describe, expect, it } from 'vitest';
import { decodeDevSwapRouterCall } from './decodeDevSwapRouterCall.ts';

const abi = parseAbi(['function pay(address to, uint256 amount)']);
const to = '0x1111111111111111111111111111111111111111';
const call = encodeFunctionData({ abi, functionName: 'pay', args: [to, 5n] });

describe('decodeDevSwapRouterCall', () => {
  it('answers the arguments of the one canonical encoding of the call', () => {
    expect(decodeDevSwapRouterCall(abi, 'pay', call)).toEqual({ ok: true, args: [to, 5n] });
  });

  it('refuses another function, trailing bytes and dirty padding', () => {
    const other = encodeFunctionData({ abi: parseAbi(['function take(address to)']), args: [to] });
    expect(decodeDevSwapRouterCall(abi, 'pay', other)).toEqual({ ok: false, detail: 'DevSwapRouter: not a pay call' });
    const notCanonical = { ok: false, detail: 'DevSwapRouter: pay is not canonically encoded' };
    expect(decodeDevSwapRouterCall(abi, 'pay', `${call}00`)).toEqual(notCanonical);
    // The address word's high bytes must be zero.
    const dirty: `0x${string}` = `0x${call.slice(2, 10)}ff${call.slice(12)}`;
    expect(decodeDevSwapRouterCall(abi, 'pay', dirty)).toEqual(notCanonical);
  });
});
