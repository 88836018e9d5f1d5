import {
  type Address,
  encodeAbiParameters,
  encodeEventTopics,
  keccak256,
  pad,
  parseAbiParameters,
  zeroAddress,
} from 'viem';
import { describe, expect, it } from 'vitest';
import { swappedEventAbi, transferEventAbi } from './coinHookAbi.ts';
import { decodeMarketLogs, type FollowedCoin } from './decodeMarketLogs.ts';
import { weiPerCoin } from './priceFromSqrtPrice.ts';
import type { RawLog } from './readLogsAdaptively.ts';

const coinAddress: Address = '0x00000000000000000000000000000000000c0117';
const hook: Address = '0x00000000000000000000000000000000000dc040';
type Key = { currency0: Address; currency1: Address; fee: number; tickSpacing: number; hooks: Address };
const key: Key = { currency0: zeroAddress, currency1: coinAddress, fee: 10_000, tickSpacing: 200, hooks: hook };
const poolId = keccak256(
  encodeAbiParameters(
    [{ type: 'address' }, { type: 'address' }, { type: 'uint24' }, { type: 'int24' }, { type: 'address' }],
    [key.currency0, key.currency1, key.fee, key.tickSpacing, key.hooks],
  ),
);
const coin: FollowedCoin = { address: coinAddress, poolId, hooks: hook };
const trader: Address = '0x00000000000000000000000000000000000000aa';
const router: Address = '0x00000000000000000000000000000000000000bb';
const SQRT = 2n ** 96n / 100n;

function swapped(overrides: { emitter?: string; poolKeyHash?: `0x${string}`; key?: Key; trusted?: boolean } = {}) {
  const args = {
    sender: router,
    swapSender: trader,
    isTrustedSwapSenderAddress: overrides.trusted ?? true,
    key: overrides.key ?? key,
    poolKeyHash: overrides.poolKeyHash ?? poolId,
    params: { zeroForOne: true, amountSpecified: -(10n ** 17n), sqrtPriceLimitX96: 4295128740n },
    amount0: -(10n ** 17n),
    amount1: 5n * 10n ** 20n,
    isCoinBuy: true,
    hookData: '0x',
    sqrtPriceX96: SQRT,
  } as const;
  const topics = encodeEventTopics({ abi: swappedEventAbi, eventName: 'Swapped', args });
  const k = args.key;
  const data = encodeAbiParameters(
    parseAbiParameters(
      'bool, (address,address,uint24,int24,address), (bool,int256,uint160), int128, int128, bool, bytes, uint160',
    ),
    [
      args.isTrustedSwapSenderAddress,
      [k.currency0, k.currency1, k.fee, k.tickSpacing, k.hooks],
      [args.params.zeroForOne, args.params.amountSpecified, args.params.sqrtPriceLimitX96],
      args.amount0,
      args.amount1,
      args.isCoinBuy,
      args.hookData,
      args.sqrtPriceX96,
    ],
  );
  return raw(overrides.emitter ?? hook, topics as string[], data, 3n, 1);
}

function raw(address: string, topics: string[], data: string, block: bigint, index: number): RawLog {
  return {
    address,
    topics,
    data,
    blockNumber: `0x${block.toString(16)}`,
    blockHash: `0x${'ab'.repeat(32)}`,
    transactionHash: `0x${'cd'.repeat(32)}`,
    logIndex: `0x${index.toString(16)}`,
  };
}

const transfer = (emitter: string, index: number) =>
  raw(
    emitter,
    encodeEventTopics({
      abi: transferEventAbi,
      eventName: 'Transfer',
      args: { from: zeroAddress, to: trader },
    }) as string[],
    pad('0x2a'),
    2n,
    index,
  );

describe('decodeMarketLogs', () => {
  it('decodes a trusted swap and a transfer of a followed coin, in chain order', () => {
    const out = decodeMarketLogs([swapped(), transfer(coinAddress, 0)], [coin]);
    expect(out.ignored).toBe(0);
    expect(out.transfers).toEqual([
      expect.objectContaining({ coinAddress, from: zeroAddress, to: trader, amount: 42n, blockNumber: 2 }),
    ]);
    expect(out.swaps).toEqual([
      expect.objectContaining({
        coinAddress,
        trader,
        side: 'buy',
        ethAmount: 10n ** 17n,
        coinAmount: 5n * 10n ** 20n,
        priceWei: weiPerCoin(SQRT),
        blockNumber: 3,
        logIndex: 1,
      }),
    ]);
    expect(weiPerCoin(SQRT)).toBe((10n ** 18n * 2n ** 192n) / (SQRT * SQRT));
  });

  it('leaves the trader to the transaction sender when the hook did not vouch for the swapper', () => {
    expect(decodeMarketLogs([swapped({ trusted: false })], [coin]).swaps[0]?.trader).toBeNull();
  });

  it('ignores forged logs: another emitter, a pool id of ours over another key, a transfer of another token', () => {
    const otherKey = { ...key, fee: 3000 };
    const out = decodeMarketLogs(
      [
        swapped({ emitter: '0x00000000000000000000000000000000000e0140' }),
        swapped({ key: otherKey }),
        swapped({ key: { ...key, currency1: '0x00000000000000000000000000000000000000cc' } }),
        swapped({ poolKeyHash: `0x${'ee'.repeat(32)}` }),
        transfer('0x00000000000000000000000000000000000000dd', 0),
        { ...swapped(), data: '0x1234' },
        { ...transfer(coinAddress, 5), removed: true },
      ],
      [coin],
    );
    expect(out.swaps).toEqual([]);
    expect(out.transfers).toEqual([]);
    expect(out.ignored).toBe(6);
  });
});

describe('weiPerCoin', () => {
  it('is exact at a known price and refuses a zero price', () => {
    // sqrtPriceX96 = 2^96 means 1 coin per wei-unit of ETH: one whole coin costs one whole ETH.
    expect(weiPerCoin(2n ** 96n)).toBe(10n ** 18n);
    expect(weiPerCoin(2n ** 97n)).toBe(10n ** 18n / 4n);
    expect(() => weiPerCoin(0n)).toThrow(RangeError);
  });
});
