import type { Receipt } from './wallet.ts';

const TRANSFER_TOPIC = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';

/** Coins the receipt moved to (buy) or from (sell) `account`, from the coin's ERC-20 Transfer logs. */
export function coinsMoved(receipt: Receipt, coin: string, account: string, side: 'buy' | 'sell'): bigint {
  const padded = `0x${account.slice(2).toLowerCase().padStart(64, '0')}`;
  let total = 0n;
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== coin.toLowerCase() || log.topics[0] !== TRANSFER_TOPIC) continue;
    const party = side === 'buy' ? log.topics[2] : log.topics[1];
    if (party?.toLowerCase() === padded) total += BigInt(log.data);
  }
  return total;
}
