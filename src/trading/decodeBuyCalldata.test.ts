import {
  universalRouterABI,
  universalRouterAddress,
  zoraRouterABI,
  zoraRouterAddress,
} from '@zoralabs/protocol-deployments';
import { concatHex, encodeFunctionData, getAddress, type Hex, parseAbi, parseEther, zeroAddress } from 'viem';
import { describe, expect, it } from 'vitest';
import {
  executeCall,
  honestUniversalRouterBuy,
  settle,
  settleAll,
  swapExactIn,
  swapExactInSingle,
  sweepInput,
  take,
  takeAll,
  takePortion,
  v4SwapInput,
} from './decodeBuyCalldata.fixtures.ts';
import { decodeBuyCalldata, type ExpectedBuy } from './decodeBuyCalldata.ts';

const UR = universalRouterAddress[8453] as `0x${string}`;
const ZORA_ROUTER = zoraRouterAddress[8453] as `0x${string}`;
const DEV_ROUTER = `0x${'e'.repeat(40)}` as const;
const coin = `0x${'c'.repeat(40)}` as const;
const buyer = `0x${'b'.repeat(40)}` as const;
const attacker = '0x000000000000000000000000000000000000dEaD' as const;
const otherToken = `0x${'7'.repeat(40)}` as const;
const value = parseEther('0.01');
const minOut = 950_000n * 10n ** 18n;
const expected: ExpectedBuy = { chainId: 8453, coin, buyer, value, minAmountOut: minOut };

const devAbi = parseAbi(['function buyWithEth(address coin, uint256 minAmountOut, address recipient) payable']);
const devBuy = (c: `0x${string}`, min: bigint, recipient: `0x${string}`) =>
  encodeFunctionData({ abi: devAbi, functionName: 'buyWithEth', args: [c, min, recipient] });

const ur = (data: Hex) => decodeBuyCalldata(UR, data, expected);
const swap = (actions: Parameters<typeof v4SwapInput>[0]) => ({ command: 0x10, input: v4SwapInput(actions) });
const single = (extra: Partial<Parameters<typeof swapExactInSingle>[0]> = {}) =>
  swapExactInSingle({ currency1: coin, amountIn: value, amountOutMinimum: minOut, ...extra });

describe('decodeBuyCalldata', () => {
  describe('DevSwapRouter (any extra allowlisted router)', () => {
    it('accepts buyWithEth(coin, min >= ours, buyer) and reports the enforced minimum', () => {
      expect(decodeBuyCalldata(DEV_ROUTER, devBuy(coin, minOut, buyer), expected)).toEqual({
        ok: true,
        router: 'devSwapRouter',
        minAmountOut: minOut,
      });
      const upper = devBuy(getAddress(coin), minOut + 1n, getAddress(buyer));
      expect(decodeBuyCalldata(DEV_ROUTER, upper, expected)).toMatchObject({ ok: true, minAmountOut: minOut + 1n });
    });

    it('refuses the attack: buyWithEth(coin, 0, 0xdEaD), and another coin or a lower minimum', () => {
      for (const data of [
        devBuy(coin, 0n, attacker),
        devBuy(coin, minOut, attacker),
        devBuy(coin, 0n, buyer),
        devBuy(coin, minOut - 1n, buyer),
        devBuy(otherToken, minOut, buyer),
      ]) {
        expect(decodeBuyCalldata(DEV_ROUTER, data, expected)).toMatchObject({ ok: false });
      }
      expect(decodeBuyCalldata(DEV_ROUTER, devBuy(coin, 0n, attacker), expected)).toEqual({
        ok: false,
        detail: `DevSwapRouter: recipient ${attacker} is not the buyer`,
      });
    });

    it('refuses garbage, another selector, trailing bytes and a truncated call', () => {
      const good = devBuy(coin, minOut, buyer);
      for (const data of ['0x', '0xdeadbeef', concatHex([good, '0x00']), good.slice(0, -2) as Hex]) {
        expect(decodeBuyCalldata(DEV_ROUTER, data as Hex, expected).ok).toBe(false);
      }
      // A Universal Router call sent to the dev router is not a buyWithEth call.
      const urCall = honestUniversalRouterBuy({ coin, value, minOut });
      expect(decodeBuyCalldata(DEV_ROUTER, urCall, expected)).toEqual({
        ok: false,
        detail: 'DevSwapRouter: not a buyWithEth call',
      });
    });
  });

  describe("Zora's router", () => {
    it('refuses swapWithLimitOrders even when its recipient, input and minimum look right', () => {
      const data = encodeFunctionData({
        abi: zoraRouterABI,
        functionName: 'swapWithLimitOrders',
        args: [
          {
            recipient: buyer,
            limitOrderConfig: { multiples: [], percentages: [] },
            inputCurrency: zeroAddress,
            inputAmount: value,
            v3Route: '0x',
            v4Route: [{ currency0: zeroAddress, currency1: coin, fee: 10_000, tickSpacing: 200, hooks: zeroAddress }],
            minAmountOut: minOut,
          },
        ],
      });
      expect(decodeBuyCalldata(ZORA_ROUTER, data, expected)).toMatchObject({
        ok: false,
        detail: expect.stringContaining('swapWithLimitOrders'),
      });
    });
  });

  describe('Universal Router', () => {
    it('accepts V4_SWAP [SWAP_EXACT_IN_SINGLE ETH -> coin, SETTLE_ALL ETH, TAKE_ALL coin]', () => {
      expect(ur(honestUniversalRouterBuy({ coin, value, minOut }))).toEqual({
        ok: true,
        router: 'universalRouter',
        minAmountOut: minOut,
      });
    });

    it('accepts a multi-hop SWAP_EXACT_IN ending in the coin, SETTLE of ETH, TAKE to the buyer or MSG_SENDER, and a SWEEP of leftover ETH to the buyer', () => {
      const multi = swapExactIn({ path: [otherToken, coin], amountIn: value, amountOutMinimum: minOut + 5n });
      for (const recipient of [buyer, '0x0000000000000000000000000000000000000001'] as const) {
        const data = executeCall([
          swap([multi, settle(zeroAddress, 0n, false), take(coin, recipient, 0n)]),
          { command: 0x04, input: sweepInput(zeroAddress, recipient) },
        ]);
        expect(ur(data)).toEqual({ ok: true, router: 'universalRouter', minAmountOut: minOut + 5n });
      }
    });

    it('counts the larger of the swap minimum and the TAKE_ALL minimum as enforced', () => {
      const data = executeCall([
        swap([single({ amountOutMinimum: 0n }), settleAll(zeroAddress, value), takeAll(coin, minOut)]),
      ]);
      expect(ur(data)).toMatchObject({ ok: true, minAmountOut: minOut });
    });

    const refusals: [string, Hex, string][] = [
      [
        'the coins taken to 0xdEaD',
        executeCall([swap([single(), settleAll(zeroAddress, value), take(coin, attacker, 0n)])]),
        `TAKE: recipient ${attacker} is not the buyer`,
      ],
      [
        'the coins taken to the router itself (ADDRESS_THIS) for anyone to sweep',
        executeCall([
          swap([single(), settleAll(zeroAddress, value), take(coin, '0x0000000000000000000000000000000000000002', 0n)]),
        ]),
        'TAKE: recipient 0x0000000000000000000000000000000000000002 is not the buyer',
      ],
      [
        'a lower minimum than ours',
        honestUniversalRouterBuy({ coin, value, minOut: minOut - 1n }),
        `calldata enforces at least ${minOut - 1n} coins, less than our minimum ${minOut}`,
      ],
      [
        'another output token',
        honestUniversalRouterBuy({ coin: otherToken, value, minOut }),
        `SWAP_EXACT_IN_SINGLE: output ${otherToken} is not the coin`,
      ],
      [
        'a swap of less than the value (the rest would stay in the router)',
        executeCall([swap([single({ amountIn: value - 1n }), settleAll(zeroAddress, value), takeAll(coin, minOut)])]),
        `SWAP_EXACT_IN_SINGLE: amountIn ${value - 1n} is not the value ${value}`,
      ],
      [
        'an OPEN_DELTA swap amount',
        executeCall([swap([single({ amountIn: 0n }), settleAll(zeroAddress, value), takeAll(coin, minOut)])]),
        `SWAP_EXACT_IN_SINGLE: amountIn 0 is not the value ${value}`,
      ],
      [
        'a swap the other way (coin -> ETH)',
        executeCall([swap([single({ zeroForOne: false }), settleAll(zeroAddress, value), takeAll(coin, minOut)])]),
        'SWAP_EXACT_IN_SINGLE: input is not native ETH',
      ],
      [
        'a multi-hop path that ends elsewhere',
        executeCall([
          swap([
            swapExactIn({ path: [coin, otherToken], amountIn: value, amountOutMinimum: minOut }),
            settleAll(zeroAddress, value),
            takeAll(otherToken, minOut),
          ]),
        ]),
        'SWAP_EXACT_IN: the path does not end in the coin',
      ],
      [
        'settling in a token instead of ETH (paid through Permit2 from the buyer)',
        executeCall([swap([single(), settleAll(otherToken, value), takeAll(coin, minOut)])]),
        `SETTLE_ALL: currency ${otherToken} is not ETH`,
      ],
      [
        'a TAKE_PORTION of the coins to a third party',
        executeCall([
          swap([single(), settleAll(zeroAddress, value), takePortion(coin, attacker, 100n), takeAll(coin, minOut)]),
        ]),
        'V4_SWAP: action 0x10 is not accepted',
      ],
      [
        'two swaps',
        executeCall([swap([single(), single(), settleAll(zeroAddress, value), takeAll(coin, minOut)])]),
        'V4_SWAP: 2 swaps, expected exactly 1',
      ],
      [
        'no take',
        executeCall([swap([single(), settleAll(zeroAddress, value)])]),
        'V4_SWAP: missing a settle or a take',
      ],
      [
        'a SWEEP to a third party',
        executeCall([
          swap([single(), settleAll(zeroAddress, value), takeAll(coin, minOut)]),
          { command: 0x04, input: sweepInput(zeroAddress, attacker) },
        ]),
        `SWEEP: recipient ${attacker} is not the buyer`,
      ],
      [
        'a TRANSFER command',
        executeCall([
          swap([single(), settleAll(zeroAddress, value), takeAll(coin, minOut)]),
          { command: 0x05, input: sweepInput(zeroAddress, attacker, 1n) },
        ]),
        'command 0x05 is not accepted',
      ],
      [
        'a PAY_PORTION command',
        executeCall([
          swap([single(), settleAll(zeroAddress, value), takeAll(coin, minOut)]),
          { command: 0x06, input: sweepInput(coin, attacker, 100n) },
        ]),
        'command 0x06 is not accepted',
      ],
      [
        'V4_SWAP with the allow-revert flag (a failed swap would keep the ETH in the router)',
        executeCall([
          { command: 0x90, input: v4SwapInput([single(), settleAll(zeroAddress, value), takeAll(coin, minOut)]) },
        ]),
        'command 0x90 is not accepted',
      ],
      [
        'V4_SWAP hidden behind an unused mask bit',
        executeCall([
          { command: 0x50, input: v4SwapInput([single(), settleAll(zeroAddress, value), takeAll(coin, minOut)]) },
        ]),
        'command 0x50 is not accepted',
      ],
      [
        'two V4_SWAP commands',
        executeCall([
          swap([single(), settleAll(zeroAddress, value), takeAll(coin, minOut)]),
          swap([single(), settleAll(zeroAddress, value), takeAll(coin, minOut)]),
        ]),
        '2 V4_SWAP commands, expected exactly 1',
      ],
      ['no command', executeCall([]), '0 V4_SWAP commands, expected exactly 1'],
    ];
    it.each(refusals)('refuses %s', (_name, data, detail) => {
      expect(ur(data)).toEqual({ ok: false, detail: `Universal Router: ${detail}` });
    });

    it('refuses commands and inputs of different lengths, non-canonical encodings and undecodable bytes', () => {
      const input = v4SwapInput([single(), settleAll(zeroAddress, value), takeAll(coin, minOut)]);
      const mismatched = encodeFunctionData({
        abi: universalRouterABI,
        functionName: 'execute',
        args: ['0x1010', [input], 1n],
      });
      expect(ur(mismatched)).toEqual({
        ok: false,
        detail: 'Universal Router: execute: commands and inputs differ in length',
      });
      const honest = honestUniversalRouterBuy({ coin, value, minOut });
      expect(ur(concatHex([honest, '0x00'.padEnd(66, '0') as Hex]))).toMatchObject({ ok: false });
      const trailing = executeCall([{ command: 0x10, input: concatHex([input, `0x${'00'.repeat(32)}`]) }]);
      expect(ur(trailing)).toEqual({ ok: false, detail: 'Universal Router: V4_SWAP: not canonically encoded' });
      for (const data of ['0x', '0xdeadbeef', honest.slice(0, 200)] as Hex[]) {
        expect(ur(data).ok).toBe(false);
      }
      const garbage = executeCall([{ command: 0x10, input: '0x1234' }]);
      expect(ur(garbage)).toEqual({ ok: false, detail: 'Universal Router: V4_SWAP: not decodable' });
    });

    it('refuses a dev-router call sent to the Universal Router', () => {
      expect(ur(devBuy(coin, minOut, buyer))).toEqual({
        ok: false,
        detail: 'Universal Router: not a Universal Router execute call',
      });
    });
  });
});
