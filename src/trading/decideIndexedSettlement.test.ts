import { keccak256 } from 'viem';
import { describe, expect, it } from 'vitest';
import { decideIndexedSettlement } from './decideIndexedSettlement.ts';
import type { ClaimedTrade, IndexedTradeSwap } from './types.ts';

const buyer = `0x${'b'.repeat(40)}` as const;
const coin = `0x${'c'.repeat(40)}` as const;
const router = `0x${'d'.repeat(40)}` as const;
const calldataHash = keccak256('0xabcdef01');

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
  createdAt: '2026-11-25T10:00:00.000Z',
  quote: { id: 77, router, calldataHash, amountInWei: '1000', expectedOut: '500', minOut: '475' },
};
const swap: IndexedTradeSwap = {
  blockNumber: 42,
  swaps: 1,
  complete: true,
  txFrom: buyer,
  txTo: router,
  txValue: '1000',
  txInputHash: calldataHash,
  coinsToTrader: '300',
  coinsFromTrader: '0',
  ethToRouter: '-1000',
};
const policy = { allowedRouters: new Set<string>([router]) };

describe('decideIndexedSettlement', () => {
  it('confirms a buy with the coins transferred to the buyer, the ETH sent, and the quote of that calldata', () => {
    expect(decideIndexedSettlement(trade, swap, policy)).toEqual({
      status: 'confirmed',
      blockNumber: 42n,
      amountOut: 300n,
      amountInWei: 1000n,
      quoteId: 77,
      source: 'index',
    });
  });

  it('confirms a sell with the coins sent by the seller and the ETH the pool paid the router', () => {
    const sell = { ...trade, side: 'sell' as const };
    expect(
      decideIndexedSettlement(sell, { ...swap, txValue: '0', coinsFromTrader: '500', ethToRouter: '900' }, policy),
    ).toEqual({
      status: 'confirmed',
      blockNumber: 42n,
      amountOut: 900n,
      amountInWei: 500n,
      quoteId: 77,
      source: 'index',
    });
    expect(decideIndexedSettlement(sell, { ...swap, coinsFromTrader: '0', ethToRouter: '900' }, policy)).toMatchObject({
      status: 'failed',
      reason: 'no coins sold',
    });
    expect(decideIndexedSettlement(sell, { ...swap, coinsFromTrader: '5', ethToRouter: '0' }, policy)).toMatchObject({
      status: 'failed',
      reason: 'no ETH received',
    });
  });

  it('leaves the trade to the receipt path when nothing is indexed or the swap predates the transaction facts', () => {
    expect(decideIndexedSettlement(trade, null, policy)).toBeNull();
    expect(decideIndexedSettlement(trade, { ...swap, complete: false }, policy)).toBeNull();
    expect(decideIndexedSettlement(trade, { ...swap, txFrom: null }, policy)).toBeNull();
  });

  it("fails someone else's swap, a foreign router, a contract creation and a buy that delivered nothing", () => {
    const fail = (reason: string) => ({ status: 'failed', reason, blockNumber: 42n, source: 'index' });
    expect(decideIndexedSettlement(trade, { ...swap, txFrom: `0x${'e'.repeat(40)}` }, policy)).toMatchObject(
      fail('sent by another address'),
    );
    expect(decideIndexedSettlement(trade, { ...swap, txTo: `0x${'f'.repeat(40)}` }, policy)).toMatchObject(
      fail('not a buy through an allowed router'),
    );
    expect(decideIndexedSettlement(trade, { ...swap, txTo: null }, policy)).toMatchObject(
      fail('not a buy through an allowed router'),
    );
    expect(decideIndexedSettlement(trade, { ...swap, coinsToTrader: '0' }, policy)).toMatchObject(
      fail('no coins received'),
    );
  });

  it('unlinks the quote when the mined calldata is not the quoted one, and sends no ETH amount for a zero value', () => {
    expect(decideIndexedSettlement(trade, { ...swap, txInputHash: keccak256('0x01'), txValue: '0' }, policy)).toEqual({
      status: 'confirmed',
      blockNumber: 42n,
      amountOut: 300n,
      quoteId: null,
      source: 'index',
    });
  });
});
