import { universalRouterAddress, zoraRouterAddress } from '@zoralabs/protocol-deployments';
import { encodeFunctionData, parseAbi, parseEther, toFunctionSelector, zeroAddress } from 'viem';
import { describe, expect, it } from 'vitest';
import { type BuildBuyDeps, type BuyRequest, buildBuyTransaction } from './buildBuyTransaction.ts';
import {
  executeCall,
  honestUniversalRouterBuy,
  settleAll,
  swapExactInSingle,
  take,
  v4SwapInput,
} from './decodeBuyCalldata.fixtures.ts';
import { routerAllowlist } from './routerAllowlist.ts';
import type { QuoteOutcome, QuoteRequest } from './types.ts';

const ROUTER = universalRouterAddress[8453].toLowerCase() as `0x${string}`;
const request: BuyRequest = {
  chainId: 8453,
  coin: `0x${'c'.repeat(40)}`,
  buyer: `0x${'b'.repeat(40)}`,
  amountInWei: parseEther('0.01'),
  slippage: 0.05,
};
const QUOTED_OUT = 1_000_000n * 10n ** 18n;
/** A real Universal Router buy (V4_SWAP: ETH -> coin, settle ETH, take the coin) enforcing `minOut`. */
const urBuy = (minOut: bigint) => honestUniversalRouterBuy({ coin: request.coin, value: request.amountInWei, minOut });
const executeData = urBuy(QUOTED_OUT);

/** An allowed quote; unless given, its calldata enforces the whole quoted output (at least any minimum we derive). */
function okQuote(extra: Partial<Extract<QuoteOutcome, { kind: 'ok' }>> = {}): QuoteOutcome {
  const amountOut = extra.amountOut ?? QUOTED_OUT;
  return {
    kind: 'ok',
    target: universalRouterAddress[8453],
    data: urBuy(amountOut),
    value: request.amountInWei,
    amountOut,
    permitsCount: 0,
    ...extra,
  };
}

function deps(outcome: QuoteOutcome, extra: Partial<BuildBuyDeps> = {}) {
  const asked: QuoteRequest[] = [];
  const d: BuildBuyDeps = {
    quote: async (q) => {
      asked.push(q);
      return outcome;
    },
    allowedRouters: routerAllowlist(),
    ...extra,
  };
  return { deps: d, asked };
}

describe('buildBuyTransaction', () => {
  it('builds the wallet transaction from an allowed quote, with the router function and errors as abi', async () => {
    const { deps: d, asked } = deps(okQuote());
    const built = await buildBuyTransaction(request, d);
    expect(asked).toEqual([request]);
    if (!built.ok) throw new Error(built.message);
    expect(built).toMatchObject({
      chainId: 8453,
      to: ROUTER,
      data: executeData,
      value: request.amountInWei,
      expectedAmountOut: 1_000_000n * 10n ** 18n,
      minAmountOut: 950_000n * 10n ** 18n,
    });
    const [fn, ...rest] = built.abi;
    expect(fn?.type === 'function' && toFunctionSelector(fn)).toBe(executeData.slice(0, 10));
    expect(rest.length).toBeGreaterThan(0);
    expect(rest.every((item) => item.type === 'error')).toBe(true);
  });

  it('answers an empty abi for a router whose ABI it does not know, and picks an extra ABI when given', async () => {
    const abi = parseAbi(['function buyWithEth(address coin, uint256 minOut, address to) payable returns (uint256)']);
    const data = encodeFunctionData({
      abi,
      functionName: 'buyWithEth',
      args: [request.coin, QUOTED_OUT, request.buyer],
    });
    const extra = `0x${'e'.repeat(40)}` as const;
    const allowedRouters = routerAllowlist([{ chainId: 8453, address: extra }]);
    const unknown = await buildBuyTransaction(request, deps(okQuote({ target: extra, data }), { allowedRouters }).deps);
    expect(unknown.ok && unknown.abi).toEqual([]);
    const known = await buildBuyTransaction(
      request,
      deps(okQuote({ target: extra, data }), { allowedRouters, routerAbis: [abi] }).deps,
    );
    expect(known.ok && known.abi).toEqual(abi);
  });

  it('computes minAmountOut in exact integer basis points', async () => {
    const cases: [bigint, number, bigint][] = [
      [10_000n, 0.05, 9_500n],
      [9_999n, 0.05, 9_499n], // floor(9999 * 9500 / 10000) = 9499.05 -> 9499
      [1n, 0.05, 0n],
      // 123456789012345678901234567 * 9877 // 10000, checked with arbitrary-precision integers
      [123_456_789_012_345_678_901_234_567n, 0.0123, 121_938_270_507_493_827_050_749_381n],
      [10n ** 27n, 0, 10n ** 27n],
      [10n ** 27n, 0.15, 85n * 10n ** 25n],
      [7n, 0.00004, 7n], // rounds to 0 bps
      [2n ** 127n, 0.5, 2n ** 126n], // v4 swap amounts are uint128
    ];
    for (const [amountOut, slippage, minOut] of cases) {
      const built = await buildBuyTransaction({ ...request, slippage }, deps(okQuote({ amountOut })).deps);
      expect(built.ok && built.minAmountOut).toBe(minOut);
    }
  });

  it('refuses a quote whose target is not an allowlisted router, whatever its case', async () => {
    const built = await buildBuyTransaction(request, deps(okQuote({ target: `0x${'A'.repeat(40)}` })).deps);
    expect(built).toMatchObject({ ok: false, reason: 'router_not_allowed', status: 502 });
    const upper = await buildBuyTransaction(
      request,
      deps(okQuote({ target: `0x${ROUTER.slice(2).toUpperCase()}` })).deps,
    );
    expect(upper.ok).toBe(true);
    const otherChain = await buildBuyTransaction({ ...request, chainId: 1 }, deps(okQuote()).deps);
    expect(otherChain).toMatchObject({ ok: false, reason: 'router_not_allowed' });
  });

  it('refuses a quote whose ETH value differs from the amount asked', async () => {
    for (const value of [request.amountInWei + 1n, request.amountInWei - 1n, 0n]) {
      expect(await buildBuyTransaction(request, deps(okQuote({ value })).deps)).toMatchObject({
        ok: false,
        reason: 'value_mismatch',
        status: 502,
        message: 'Zora quoted a different ETH amount; buy refused',
      });
    }
  });

  it('refuses a quote that needs permits', async () => {
    expect(await buildBuyTransaction(request, deps(okQuote({ permitsCount: 1 })).deps)).toMatchObject({
      ok: false,
      reason: 'permits_required',
      status: 502,
    });
  });

  it("maps liquidity (and a zero output) to 422, unavailable to 503 with a retry, Zora's refusal to 422", async () => {
    const liquidity = await buildBuyTransaction(request, deps({ kind: 'liquidity', detail: 'thin' }).deps);
    expect(liquidity).toEqual({
      ok: false,
      reason: 'liquidity',
      status: 422,
      message: 'Not enough liquidity for this amount; try less',
      detail: 'thin',
    });
    expect(await buildBuyTransaction(request, deps(okQuote({ amountOut: 0n })).deps)).toMatchObject({
      reason: 'liquidity',
      status: 422,
    });
    expect(await buildBuyTransaction(request, deps({ kind: 'unavailable', detail: '500' }).deps)).toMatchObject({
      ok: false,
      reason: 'unavailable',
      status: 503,
      retryAfterSeconds: 5,
      message: 'Zora quote unavailable; try again shortly',
    });
    expect(
      await buildBuyTransaction(request, deps({ kind: 'unavailable', detail: '429', retryAfterSeconds: 30 }).deps),
    ).toMatchObject({ retryAfterSeconds: 30 });
    expect(
      await buildBuyTransaction(
        request,
        deps({ kind: 'rejected', status: 400, detail: 'x', reason: 'bad sender' }).deps,
      ),
    ).toMatchObject({ ok: false, reason: 'rejected', status: 422, message: 'Zora cannot quote this buy: bad sender' });
  });

  it('simulates from the buyer and refuses a revert without leaking RPC details', async () => {
    const seen: unknown[] = [];
    const simulate: BuildBuyDeps['simulate'] = async (tx) => {
      seen.push(tx);
      return { ok: false, message: 'This buy would fail on chain right now; try a smaller amount' };
    };
    const built = await buildBuyTransaction(request, deps(okQuote(), { simulate }).deps);
    expect(seen).toEqual([{ from: request.buyer, to: ROUTER, data: executeData, value: request.amountInWei }]);
    expect(built).toMatchObject({ ok: false, reason: 'simulation_failed', status: 409 });

    const down = await buildBuyTransaction(
      request,
      deps(okQuote(), { simulate: async () => ({ ok: false, message: 'rpc down', unavailable: true }) }).deps,
    );
    expect(down).toMatchObject({ ok: false, reason: 'unavailable', status: 503, retryAfterSeconds: 5 });
    expect(down.ok === false && down.message).not.toMatch(/rpc/);

    const fine = await buildBuyTransaction(request, deps(okQuote(), { simulate: async () => ({ ok: true }) }).deps);
    expect(fine.ok).toBe(true);
  });

  it('refuses calldata that does not do the quoted buy (recipient, token, minimum, router), before simulating', async () => {
    let simulated = 0;
    const simulate: BuildBuyDeps['simulate'] = async () => {
      simulated += 1;
      return { ok: true };
    };
    const dead = '0x000000000000000000000000000000000000dEaD' as const;
    const devAbi = parseAbi(['function buyWithEth(address coin, uint256 minOut, address to) payable']);
    const devRouter = `0x${'e'.repeat(40)}` as const;
    const allowedRouters = routerAllowlist([{ chainId: 8453, address: devRouter }]);
    const hostile: [`0x${string}`, `0x${string}`][] = [
      // The reported attack: the devnet router, the exact value, no minimum, coins to 0xdEaD.
      [devRouter, encodeFunctionData({ abi: devAbi, functionName: 'buyWithEth', args: [request.coin, 0n, dead] })],
      [
        devRouter,
        encodeFunctionData({ abi: devAbi, functionName: 'buyWithEth', args: [request.coin, 0n, request.buyer] }),
      ],
      [
        devRouter,
        encodeFunctionData({
          abi: devAbi,
          functionName: 'buyWithEth',
          args: [`0x${'7'.repeat(40)}`, QUOTED_OUT, request.buyer],
        }),
      ],
      // The Universal Router's output taken by someone else, or guarded by a lower minimum than we show.
      [
        ROUTER,
        executeCall([
          {
            command: 0x10,
            input: v4SwapInput([
              swapExactInSingle({
                currency1: request.coin,
                amountIn: request.amountInWei,
                amountOutMinimum: QUOTED_OUT,
              }),
              settleAll(zeroAddress, request.amountInWei),
              take(request.coin, dead, 0n),
            ]),
          },
        ]),
      ],
      [ROUTER, urBuy(950_000n * 10n ** 18n - 1n)],
      [ROUTER, '0xdeadbeef'],
      // Zora's router: not verifiable, refused.
      [zoraRouterAddress[8453], urBuy(QUOTED_OUT)],
    ];
    for (const [target, data] of hostile) {
      const built = await buildBuyTransaction(
        request,
        deps(okQuote({ target, data }), { allowedRouters, simulate, routerAbis: [devAbi] }).deps,
      );
      expect({ target, data, built }).toEqual({
        target,
        data,
        built: {
          ok: false,
          reason: 'calldata_refused',
          status: 502,
          message: 'Zora quoted a transaction we could not verify; buy refused',
          detail: expect.any(String),
        },
      });
    }
    expect(simulated).toBe(0);
  });

  it('never consults the chain when the quote is already refused', async () => {
    let simulated = 0;
    const simulate: BuildBuyDeps['simulate'] = async () => {
      simulated += 1;
      return { ok: true };
    };
    await buildBuyTransaction(request, deps(okQuote({ permitsCount: 2 }), { simulate }).deps);
    await buildBuyTransaction(request, deps(okQuote({ target: `0x${'1'.repeat(40)}` }), { simulate }).deps);
    expect(simulated).toBe(0);
  });

  it('throws on programmer errors (slippage outside [0, 1), non-positive amount)', async () => {
    for (const slippage of [-0.01, 1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(buildBuyTransaction({ ...request, slippage }, deps(okQuote()).deps)).rejects.toThrow(RangeError);
    }
    await expect(buildBuyTransaction({ ...request, amountInWei: 0n }, deps(okQuote()).deps)).rejects.toThrow(
      RangeError,
    );
  });
});

describe('routerAllowlist', () => {
  it("holds Zora's router and the Universal Router on Base, the UR on Base Sepolia, and extras, in lower case", () => {
    const allowed = routerAllowlist([{ chainId: 8453, address: `0x${'AB'.repeat(20)}` }]);
    expect([...allowed(8453)].sort()).toEqual(
      [
        '0x6ff5693b99212da76ad316178a184ab56d299b43',
        '0x77777777eb762cf86f634763e79d17de44330887',
        `0x${'ab'.repeat(20)}`,
      ].sort(),
    );
    expect([...allowed(84532)]).toEqual(['0x492e6456d9528771018deb9e87ef7750ef184104']);
    expect(allowed(1).size).toBe(0);
  });
});
