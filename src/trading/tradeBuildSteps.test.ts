import { describe, expect, it } from 'vitest';
import {
  assertSlippage,
  calldataRefusal,
  minimumOut,
  quoteFailure,
  routerRefusal,
  simulationFailure,
} from './tradeBuildSteps.ts';

describe('trade build steps', () => {
  it('derives the minimum output in whole basis points with integer math', () => {
    expect(minimumOut(1_000_000n, 0.05)).toBe(950_000n);
    expect(minimumOut(10n ** 30n + 1n, 0.0001)).toBe(((10n ** 30n + 1n) * 9999n) / 10_000n);
    expect(minimumOut(7n, 0)).toBe(7n);
  });

  it('refuses slippage outside [0, 1)', () => {
    for (const bad of [-0.01, 1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => assertSlippage(bad)).toThrow(RangeError);
    expect(() => assertSlippage(0.999)).not.toThrow();
  });

  it('maps every refused quote to a clear status for each side', () => {
    expect(quoteFailure({ kind: 'liquidity', detail: 'd' }, 'sell')).toMatchObject({
      reason: 'liquidity',
      status: 422,
      message: 'Not enough liquidity to sell this amount; try less',
    });
    expect(quoteFailure({ kind: 'unavailable', detail: 'd' }, 'buy')).toMatchObject({
      reason: 'unavailable',
      status: 503,
      retryAfterSeconds: 5,
    });
    expect(
      quoteFailure({ kind: 'rejected', status: 400, detail: 'd', reason: 'amount too small' }, 'buy'),
    ).toMatchObject({ reason: 'rejected', status: 422, message: 'Zora cannot quote this buy: amount too small' });
  });

  it('tells a chain that did not answer from a transaction that would fail', () => {
    expect(simulationFailure({ ok: true })).toBeNull();
    expect(simulationFailure({ ok: false, message: 'timeout', unavailable: true })).toMatchObject({
      reason: 'unavailable',
      status: 503,
    });
    expect(simulationFailure({ ok: false, message: 'x'.repeat(200) })).toMatchObject({
      reason: 'simulation_failed',
      status: 409,
      message: 'x'.repeat(90),
    });
  });

  it('names the side in the refusals of a quote we will not pass on', () => {
    expect(routerRefusal('sell', '0xabc')).toEqual({
      ok: false,
      reason: 'router_not_allowed',
      status: 502,
      message: 'Zora quoted an unexpected contract; sell refused',
      detail: 'target 0xabc',
    });
    expect(calldataRefusal('buy', 'why')).toEqual({
      ok: false,
      reason: 'calldata_refused',
      status: 502,
      message: 'Zora quoted a transaction we could not verify; buy refused',
      detail: 'why',
    });
  });
});
