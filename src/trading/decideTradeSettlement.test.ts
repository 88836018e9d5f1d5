import { encodeAbiParameters, type Hex, keccak256, pad, toEventSelector } from 'viem';
import { describe, expect, it } from 'vitest';
import { decideTradeSettlement, type TradeOnChain, type TradeSettlementPolicy } from './decideTradeSettlement.ts';
import type { ClaimedTrade } from './types.ts';

const buyer = `0x${'b'.repeat(40)}` as const;
const coin = `0x${'c'.repeat(40)}` as const;
const router = `0x${'d'.repeat(40)}` as const;
const input: Hex = '0xabcdef01';
const TRANSFER = toEventSelector('Transfer(address,address,uint256)');
const createdAt = '2026-11-25T10:00:00.000Z';

const trade: ClaimedTrade = {
  id: 1,
  chainId: 8453,
  txHash: `0x${'1'.repeat(64)}`,
  buyer,
  coinAddress: coin,
  side: 'buy',
  poolId: null,
  amountInWei: '1000',
  attempts: 1,
  createdAt,
  quote: {
    id: 77,
    router,
    calldataHash: keccak256(input),
    amountInWei: '1000',
    expectedOut: '500',
    minOut: '475',
  },
};
const policy: TradeSettlementPolicy = {
  allowedRouters: new Set([router]),
  nowMs: Date.parse(createdAt) + 60_000,
  giveUpAfterSeconds: 1800,
  notFoundGiveUpSeconds: 150,
  retrySeconds: 5,
};

const transfer = (token: string, from: string, to: string, amount: bigint) => ({
  address: token,
  topics: [TRANSFER, pad(from as Hex), pad(to as Hex)] as Hex[],
  data: encodeAbiParameters([{ type: 'uint256' }], [amount]),
});

function mined(
  extra: Partial<NonNullable<TradeOnChain['receipt']>> = {},
  tx: Partial<TradeOnChain['transaction']> = {},
) {
  return {
    receipt: { status: 'success' as const, blockNumber: 42n, logs: [transfer(coin, router, buyer, 300n)], ...extra },
    transaction: { from: buyer.toUpperCase().replace('0X', '0x'), to: router, value: 1000n, input, ...tx },
  };
}

describe('decideTradeSettlement', () => {
  it('confirms with the coins received, the ETH sent, and the quote whose calldata was mined', () => {
    expect(decideTradeSettlement(trade, mined(), policy)).toEqual({
      status: 'confirmed',
      blockNumber: 42n,
      amountOut: 300n,
      amountInWei: 1000n,
      quoteId: 77,
    });
  });

  it('sums every Transfer of the coin to the buyer and ignores other tokens, recipients and events', () => {
    const logs = [
      transfer(coin, router, buyer, 300n),
      transfer(coin.toUpperCase().replace('0X', '0x'), router, buyer, 5n),
      transfer(coin, router, router, 1_000n),
      transfer(router, router, buyer, 1_000n),
      { ...transfer(coin, router, buyer, 1_000n), topics: [keccak256('0x01'), pad(router), pad(buyer)] as Hex[] },
      { ...transfer(coin, router, buyer, 1_000n), topics: [TRANSFER, pad(router), pad(buyer), pad('0x01')] as Hex[] },
    ];
    expect(decideTradeSettlement(trade, mined({ logs }), policy)).toMatchObject({
      status: 'confirmed',
      amountOut: 305n,
    });
  });

  it('unlinks the quote when the mined calldata differs, and keeps no zero ETH amount', () => {
    const settled = decideTradeSettlement(trade, mined({}, { input: '0xabcdef02', value: 0n }), policy);
    expect(settled).toEqual({ status: 'confirmed', blockNumber: 42n, amountOut: 300n, quoteId: null });
    expect(decideTradeSettlement({ ...trade, quote: null }, mined(), policy)).toHaveProperty('quoteId', null);
  });

  it('waits for a transaction the node has seen but not mined, then gives up', () => {
    const seen = { receipt: null, transaction: mined().transaction };
    expect(decideTradeSettlement(trade, seen, policy)).toEqual({ status: 'pending', retrySeconds: 5 });
    const minutes = { ...policy, nowMs: Date.parse(createdAt) + 600_000 };
    expect(decideTradeSettlement(trade, seen, minutes)).toEqual({ status: 'pending', retrySeconds: 5 });
    const late = { ...policy, nowMs: Date.parse(createdAt) + 1801_000 };
    expect(decideTradeSettlement(trade, seen, late)).toEqual({ status: 'failed', reason: 'not mined' });
    // A receipt without its transaction (an RPC that is catching up) is looked at again, even late.
    expect(decideTradeSettlement(trade, { ...mined(), transaction: null }, late)).toMatchObject({ status: 'pending' });
  });

  it('gives up on a hash the node has never seen after minutes, not after the half hour a real one gets', () => {
    const unseen = { receipt: null, transaction: null };
    expect(decideTradeSettlement(trade, unseen, policy)).toEqual({ status: 'pending', retrySeconds: 5 });
    const atLimit = { ...policy, nowMs: Date.parse(createdAt) + 150_000 };
    expect(decideTradeSettlement(trade, unseen, atLimit)).toEqual({ status: 'pending', retrySeconds: 5 });
    const after = { ...policy, nowMs: Date.parse(createdAt) + 151_000 };
    expect(decideTradeSettlement(trade, unseen, after)).toEqual({ status: 'failed', reason: 'not found' });
    const late = { ...policy, nowMs: Date.parse(createdAt) + 1801_000 };
    expect(decideTradeSettlement(trade, unseen, late)).toEqual({ status: 'failed', reason: 'not found' });
  });

  it('counts the give-up windows from the reorg that put a confirmed trade back to pending', () => {
    const unseen = { receipt: null, transaction: null };
    const reorgedAt = new Date(Date.parse(createdAt) + 3_600_000).toISOString();
    const reorged = { ...trade, reorgedAt };
    const soonAfter = { ...policy, nowMs: Date.parse(reorgedAt) + 60_000 };
    expect(decideTradeSettlement(reorged, unseen, soonAfter)).toEqual({ status: 'pending', retrySeconds: 5 });
    expect(decideTradeSettlement({ ...trade, reorgedAt: null }, unseen, soonAfter)).toMatchObject({ status: 'failed' });
    const gone = { ...policy, nowMs: Date.parse(reorgedAt) + 151_000 };
    expect(decideTradeSettlement(reorged, unseen, gone)).toEqual({ status: 'failed', reason: 'not found' });
  });

  it('keeps the receipt block hash with a confirmation, lowercase', () => {
    const blockHash = `0x${'Ab'.repeat(32)}`;
    expect(decideTradeSettlement(trade, mined({ blockHash }), policy)).toMatchObject({
      status: 'confirmed',
      blockHash: blockHash.toLowerCase(),
    });
    expect(decideTradeSettlement(trade, mined({ blockHash, status: 'reverted' }), policy)).not.toHaveProperty(
      'blockHash',
    );
  });

  it.each([
    ['sent by another address', mined({}, { from: router })],
    ['not a buy through an allowed router', mined({}, { to: coin })],
    ['not a buy through an allowed router', mined({}, { to: null })],
    ['reverted', mined({ status: 'reverted', logs: [] })],
    ['no coins received', mined({ logs: [transfer(coin, router, router, 300n)] })],
  ])('fails %s', (reason, onChain) => {
    expect(decideTradeSettlement(trade, onChain, policy)).toEqual({
      status: 'failed',
      reason,
      blockNumber: 42n,
      quoteId: 77,
    });
  });

  describe('sells', () => {
    const poolManager = `0x${'9'.repeat(40)}` as const;
    const poolId = `0x${'a'.repeat(64)}` as const;
    const SWAP = toEventSelector('Swap(bytes32,address,int128,int128,uint160,uint128,int24,uint24)');
    const swapLog = (args: { id?: Hex; sender?: Hex; amount0: bigint; emitter?: string }) => ({
      address: args.emitter ?? poolManager,
      topics: [SWAP, args.id ?? poolId, pad(args.sender ?? router)] as Hex[],
      data: encodeAbiParameters(
        [
          { type: 'int128' },
          { type: 'int128' },
          { type: 'uint160' },
          { type: 'uint128' },
          { type: 'int24' },
          { type: 'uint24' },
        ],
        [args.amount0, -400n, 2n ** 96n, 10n ** 18n, -120, 10_000],
      ),
    });
    const sell: ClaimedTrade = { ...trade, side: 'sell', poolId, amountInWei: '400', quote: null };
    const sellPolicy = { ...policy, poolManager };
    const sold = (logs: NonNullable<TradeOnChain['receipt']>['logs']) => mined({ logs }, { value: 0n });

    it('confirms with the coins out of the seller and the ETH the pool paid the router', () => {
      const logs = [transfer(coin, buyer, router, 400n), swapLog({ amount0: 7_000n })];
      expect(decideTradeSettlement(sell, sold(logs), sellPolicy)).toEqual({
        status: 'confirmed',
        blockNumber: 42n,
        amountOut: 7_000n,
        amountInWei: 400n,
        quoteId: null,
      });
    });

    it("ignores other pools, other senders, another contract's look-alike event, and a buy's negative ETH", () => {
      const logs = [
        transfer(coin, buyer, router, 400n),
        swapLog({ amount0: 7_000n }),
        swapLog({ amount0: 1_000n, id: `0x${'b'.repeat(64)}` }),
        swapLog({ amount0: 1_000n, sender: buyer }),
        swapLog({ amount0: 1_000n, emitter: coin }),
      ];
      expect(decideTradeSettlement(sell, sold(logs), sellPolicy)).toMatchObject({ amountOut: 7_000n });
      const buyOnly = [transfer(coin, buyer, router, 400n), swapLog({ amount0: -7_000n })];
      expect(decideTradeSettlement(sell, sold(buyOnly), sellPolicy)).toMatchObject({ reason: 'no ETH received' });
    });

    it('fails without coins out of the seller, without ETH, or without a known pool', () => {
      expect(decideTradeSettlement(sell, sold([swapLog({ amount0: 7_000n })]), sellPolicy)).toMatchObject({
        status: 'failed',
        reason: 'no coins sold',
      });
      expect(decideTradeSettlement(sell, sold([transfer(coin, buyer, router, 400n)]), sellPolicy)).toMatchObject({
        status: 'failed',
        reason: 'no ETH received',
      });
      const logs = [transfer(coin, buyer, router, 400n), swapLog({ amount0: 7_000n })];
      expect(decideTradeSettlement({ ...sell, poolId: null }, sold(logs), sellPolicy)).toMatchObject({
        reason: 'pool unknown',
      });
      // A buy reported as a sell: coins came in, none went out.
      expect(decideTradeSettlement(sell, mined(), sellPolicy)).toMatchObject({ reason: 'no coins sold' });
    });
  });
});
