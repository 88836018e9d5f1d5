import { coinFactoryABI } from '@zoralabs/protocol-deployments';
import { BaseError, CallExecutionError, encodeErrorResult, HttpRequestError, RawContractError } from 'viem';
import { describe, expect, it } from 'vitest';
import { describeChainError, revertReason } from './describeChainError.ts';

/** A revert as viem reports a failed eth_call: the raw revert data sits somewhere down the cause chain. */
const callReverted = (data?: `0x${string}`, message = 'execution reverted') =>
  new CallExecutionError(new RawContractError({ data, message }), {});

describe('describeChainError', () => {
  it("uses viem's short message, else the error's message, else the value", () => {
    expect(describeChainError(new BaseError('short one', { details: 'long details' }))).toBe('short one');
    expect(describeChainError(new Error('plain'))).toBe('plain');
    expect(describeChainError('text')).toBe('text');
  });
});

describe('revertReason', () => {
  it("decodes revert data with Zora's factory ABI", () => {
    const error = coinFactoryABI.find((item) => item.type === 'error' && item.inputs.length === 0);
    if (error?.type !== 'error') throw new Error('the factory ABI has no argument-less error');
    const data = encodeErrorResult({ abi: coinFactoryABI, errorName: error.name } as never);
    expect(revertReason(callReverted(data))).toBe(`${error.name}()`);
  });

  it('shows an error the ABI does not know as its selector', () => {
    expect(revertReason(callReverted('0xdeadbeef0000'))).toBe('unknown error 0xdeadbeef');
  });

  it('keeps a revert without data as a revert, and anything else as not a revert', () => {
    expect(revertReason(callReverted(undefined))).toEqual(expect.stringMatching(/revert/i));
    expect(revertReason(new HttpRequestError({ url: 'http://127.0.0.1:9' }))).toBeNull();
    expect(revertReason(new Error('execution reverted'))).toBeNull();
  });
});
