import { describe, expect, it } from 'vitest';
import { coinsMoved } from './coinsMoved.ts';

const TRANSFER = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';
const pad = (address: string) => `0x${address.slice(2).padStart(64, '0')}`;
const coin = '0x00000000000000000000000000000000000000c0';
const me = '0x00000000000000000000000000000000000000aa';
const pool = '0x00000000000000000000000000000000000000bb';

describe('coinsMoved', () => {
  it('sums the coin’s transfers to the buyer (or from the seller) and ignores other tokens and parties', () => {
    const receipt = {
      status: '0x1',
      blockNumber: '0x1',
      logs: [
        { address: coin.toUpperCase().replace('0X', '0x'), topics: [TRANSFER, pad(pool), pad(me)], data: '0x64' },
        { address: coin, topics: [TRANSFER, pad(pool), pad(me)], data: '0x01' },
        { address: coin, topics: [TRANSFER, pad(pool), pad(pool)], data: '0x99' },
        { address: '0x00000000000000000000000000000000000000c1', topics: [TRANSFER, pad(pool), pad(me)], data: '0x99' },
        { address: coin, topics: [TRANSFER, pad(me), pad(pool)], data: '0x05' },
        { address: coin, topics: ['0x00'], data: '0x99' },
      ],
    };
    expect(coinsMoved(receipt, coin, me, 'buy')).toBe(101n);
    expect(coinsMoved(receipt, coin, me.toUpperCase().replace('0X', '0x'), 'sell')).toBe(5n);
  });
});
