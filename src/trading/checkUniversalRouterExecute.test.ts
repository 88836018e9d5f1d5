import { zeroAddress } from 'viem';
import { describe, expect, it } from 'vitest';
import { checkUniversalRouterExecute, type ExpectedExecute } from './checkUniversalRouterExecute.ts';
import {
  executeCall,
  settleAll,
  swapExactInSingle,
  sweepInput,
  takeAll,
  v4SwapInput,
} from './decodeBuyCalldata.fixtures.ts';
import { MSG_SENDER, SWEEP, V4_SWAP } from './universalRouterCalldata.ts';

const coin = '0x1111111111111111111111111111111111111111';
const trader = '0x2222222222222222222222222222222222222222';
const other = '0x3333333333333333333333333333333333333333';
const swap = v4SwapInput([
  swapExactInSingle({ currency1: coin, amountIn: 10n, amountOutMinimum: 4n }),
  settleAll(zeroAddress, 10n),
  takeAll(coin, 6n),
]);
/** Accepts every action; the swap enforces 4, the TAKE_ALL 6. */
const expected: ExpectedExecute = {
  trader,
  role: 'seller',
  checkAction: (action) => (action.name === 'TAKE_ALL' ? action.minAmount : action.kind === 'swap' ? 4n : 0n),
  minOut: 6n,
  unit: 'wei',
};
const refusal = (detail: string) => ({ ok: false, detail: `Universal Router: ${detail}` });

describe('checkUniversalRouterExecute', () => {
  it('accepts one V4_SWAP and SWEEPs to the trader, answering the largest minimum enforced', () => {
    const call = executeCall([
      { command: V4_SWAP, input: swap },
      { command: SWEEP, input: sweepInput(zeroAddress, MSG_SENDER) },
      { command: SWEEP, input: sweepInput(zeroAddress, trader) },
    ]);
    expect(checkUniversalRouterExecute(call, expected)).toEqual({ ok: true, minOut: 6n });
  });

  it('refuses anything else, a minimum below ours, and turns a refusal inside the V4_SWAP into a detail', () => {
    const check = (commands: Parameters<typeof executeCall>[0], over: Partial<ExpectedExecute> = {}) =>
      checkUniversalRouterExecute(executeCall(commands), { ...expected, ...over });
    expect(checkUniversalRouterExecute('0x12345678', expected)).toEqual(refusal('not a Universal Router execute call'));
    expect(checkUniversalRouterExecute(`${executeCall([{ command: V4_SWAP, input: swap }])}00`, expected)).toEqual(
      refusal('execute: not canonically encoded'),
    );
    expect(
      check([
        { command: V4_SWAP, input: swap },
        { command: SWEEP, input: sweepInput(zeroAddress, other) },
      ]),
    ).toEqual(refusal(`SWEEP: recipient ${other} is not the seller`));
    expect(check([{ command: SWEEP, input: sweepInput(zeroAddress, trader) }])).toEqual(
      refusal('0 V4_SWAP commands, expected exactly 1'),
    );
    expect(
      check([
        { command: V4_SWAP, input: swap },
        { command: V4_SWAP, input: swap },
      ]),
    ).toEqual(refusal('2 V4_SWAP commands, expected exactly 1'));
    expect(check([{ command: V4_SWAP | 0x80, input: swap }])).toEqual(refusal('command 0x90 is not accepted'));
    expect(check([{ command: V4_SWAP, input: swap }], { minOut: 7n, unit: 'coins' })).toEqual(
      refusal('calldata enforces at least 6 coins, less than our minimum 7'),
    );
    const refuseAll = () => {
      throw new Error('TAKE: nope');
    };
    expect(check([{ command: V4_SWAP, input: swap }], { checkAction: refuseAll })).toEqual(refusal('TAKE: nope'));
  });
});
