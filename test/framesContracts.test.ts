import { describe, expectTypeOf, it } from 'vitest';
import type { FramesDeps } from '../frames/types.ts';
import type { verifiedFrameAction } from '../src/farcaster/frogHub.ts';
import type { createPerformanceViews, PerformanceViewsDeps } from '../src/performances/createPerformanceViews.ts';
import type { createCoinPriceReader } from '../src/trading/createCoinPriceReader.ts';
import type { PrepareBuyDeps, prepareBuy } from '../src/trading/prepareBuy.ts';

/** The frames take their verifier, buy builder and performance views (which take the price reader) as functions;
 * these are the real ones the app wires in, so a change of their shape fails type checking here rather than at
 * wiring time. */
describe('FramesDeps', () => {
  it('accepts the real verifier, buy builder and price reader', () => {
    expectTypeOf<typeof verifiedFrameAction>().toExtend<FramesDeps['verifiedAction']>();
    expectTypeOf<(r: Parameters<FramesDeps['buy']>[0]) => ReturnType<typeof prepareBuy>>().toExtend<
      FramesDeps['buy']
    >();
    expectTypeOf<Parameters<FramesDeps['buy']>[0]>().toExtend<Parameters<typeof prepareBuy>[0]>();
    expectTypeOf<ReturnType<typeof createCoinPriceReader>>().toExtend<NonNullable<PerformanceViewsDeps['coinPrice']>>();
    expectTypeOf<ReturnType<typeof createPerformanceViews>>().toExtend<FramesDeps['performanceViews']>();
    expectTypeOf<PrepareBuyDeps>().not.toBeAny();
  });
});
