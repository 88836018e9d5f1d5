import { universalRouterAddress, zoraRouterAddress } from '@zoralabs/protocol-deployments';
import { encodeAbiParameters, encodeFunctionData, type Hex, parseAbi, parseEther, zeroAddress } from 'viem';
import { describe, expect, it } from 'vitest';
import {
  executeCall,
  settle,
  settleAll,
  swapExactIn,
  swapExactInSingle,
  sweepInput,
  take,
  takeAll,
  v4SwapInput,
} from './decodeBuyCalldata.fixtures.ts';
import { decodeSellCalldata, type ExpectedSell } from './decodeSellCalldata.ts';

const UR = universalRouterAddress[8453] as `0x${string}`;
const ZORA_ROUTER = zoraRouterAddress[8453] as `0x${string}`;
const DEV_ROUTER = `0x${'e'.repeat(40)}` as const;
const coin = `0x${'c'.repeat(40)}` as const;
const seller = `0x${'b'.repeat(40)}` as const;
const attacker = '0x000000000000000000000000000000000000dEaD' as const;
const otherToken = `0x${'7'.repeat(40)}` as const;
const amountIn = 1_000n * 10n ** 18n;
const minEth = parseEther('0.009');
const expected: ExpectedSell = { chainId: 8453, coin, seller, amountIn, minEthOut: minEth };

const devAbi = parseAbi(['function sellForEth(address coin, uint256 amountIn, uint256 minEthOut, address recipient)']);
const devSell = (c: `0x${string}`, amount: bigint, min: bigint, recipient: `0x${string}`) =>
  encodeFunctionData({ abi: devAbi, functionName: 'sellForEth', args: [c, amount, min, recipient] });

const ur = (data: Hex) => decodeSellCalldata(UR, data, expected);
const swap = (actions: Parameters<typeof v4SwapInput>[0]) => ({ command: 0x10, input: v4SwapInput(actions) });
/** coin -> ETH on the (ETH, coin) pool: zeroForOne false. */
const single = (extra: Partial<Parameters<typeof swapExactInSingle>[0]> = {}) =>
  swapExactInSingle({ currency1: coin, zeroForOne: false, amountIn, amountOutMinimum: minEth, ...extra });
const honest = () => executeCall([swap([single(), settleAll(coin, amountIn), takeAll(zeroAddress, minEth)])]);

describe('decodeSellCalldata', () => {
  describe('DevSwapRouter (any extra allowlisted router)', () => {
    it('accepts sellForEth of exactly this coin and amount to the seller with at least our minimum', () => {
      expect(decodeSellCalldata(DEV_ROUTER, devSell(coin, amountIn, minEth + 1n, seller), expected)).toEqual({
        ok: true,
        router: 'devSwapRouter',
        minEthOut: minEth + 1n,
      });
    });

    it('refuses another recipient, coin, amount, a lower minimum, a buy, and trailing bytes', () => {
      const refused = (data: Hex) => decodeSellCalldata(DEV_ROUTER, data, expected);
      expect(refused(devSell(coin, amountIn, minEth, attacker))).toMatchObject({
        ok: false,
        detail: expect.stringContaining('recipient'),
      });
      expect(refused(devSell(otherToken, amountIn, minEth, seller))).toMatchObject({
        ok: false,
        detail: expect.stringContaining('not ours'),
      });
      expect(refused(devSell(coin, amountIn + 1n, minEth, seller))).toMatchObject({
        ok: false,
        detail: expect.stringContaining('sells'),
      });
      expect(refused(devSell(coin, amountIn - 1n, minEth, seller))).toMatchObject({ ok: false });
      expect(refused(devSell(coin, amountIn, minEth - 1n, seller))).toMatchObject({
        ok: false,
        detail: expect.stringContaining('minimum'),
      });
      const buy = encodeFunctionData({
        abi: parseAbi(['function buyWithEth(address coin, uint256 minAmountOut, address recipient) payable']),
        functionName: 'buyWithEth',
        args: [coin, 0n, seller],
      });
      expect(refused(buy)).toEqual({ ok: false, detail: 'DevSwapRouter: not a sellForEth call' });
      expect(refused(`${devSell(coin, amountIn, minEth, seller)}00`)).toMatchObject({ ok: false });
      expect(refused('0x')).toMatchObject({ ok: false });
      expect(refused('0xdeadbeef')).toMatchObject({ ok: false });
    });
  });

  describe('Universal Router', () => {
    it('accepts one V4_SWAP selling exactly the amount for ETH taken by the seller', () => {
      expect(ur(honest())).toEqual({ ok: true, router: 'universalRouter', minEthOut: minEth });
      const path = executeCall([
        swap([
          swapExactIn({ currencyIn: coin, path: [zeroAddress], amountIn, amountOutMinimum: minEth }),
          settle(coin, 0n, true),
          take(zeroAddress, seller, 0n),
        ]),
        { command: 0x04, input: sweepInput(zeroAddress, seller) },
      ]);
      expect(ur(path)).toEqual({ ok: true, router: 'universalRouter', minEthOut: minEth });
    });

    it('refuses a buy, another coin or amount, coins or ETH taken by someone else, a lower minimum', () => {
      const cases: Hex[] = [
        executeCall([swap([single({ zeroForOne: true }), settleAll(coin, amountIn), takeAll(zeroAddress, minEth)])]),
        executeCall([
          swap([single({ currency1: otherToken }), settleAll(otherToken, amountIn), takeAll(zeroAddress, minEth)]),
        ]),
        executeCall([
          swap([single({ amountIn: amountIn + 1n }), settleAll(coin, amountIn), takeAll(zeroAddress, minEth)]),
        ]),
        executeCall([swap([single(), settleAll(coin, amountIn), take(zeroAddress, attacker, 0n)])]),
        executeCall([swap([single(), settleAll(coin, amountIn), takeAll(coin, 0n)])]),
        executeCall([swap([single(), settle(coin, 0n, false), takeAll(zeroAddress, minEth)])]),
        executeCall([
          swap([single({ amountOutMinimum: minEth - 1n }), settleAll(coin, amountIn), takeAll(zeroAddress, 0n)]),
        ]),
        executeCall([
          swap([single(), settleAll(coin, amountIn), takeAll(zeroAddress, minEth)]),
          { command: 0x04, input: sweepInput(zeroAddress, attacker) },
        ]),
        // PERMIT2_PERMIT (0x0a) before the swap: we hand out approvals, never permits.
        executeCall([
          { command: 0x0a, input: encodeAbiParameters([{ type: 'uint256' }], [1n]) },
          swap([single(), settleAll(coin, amountIn), takeAll(zeroAddress, minEth)]),
        ]),
        `${honest()}00`,
        '0x3593564c',
      ];
      for (const data of cases) expect(ur(data)).toMatchObject({ ok: false });
    });

    it("refuses Zora's router", () => {
      expect(decodeSellCalldata(ZORA_ROUTER, honest(), expected)).toMatchObject({ ok: false });
    });
  });
});
