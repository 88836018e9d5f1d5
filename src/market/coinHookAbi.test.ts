import { toEventSelector } from 'viem';
import { describe, expect, it } from 'vitest';
import { SWAPPED_TOPIC, swappedEventAbi, TRANSFER_TOPIC, transferEventAbi } from './coinHookAbi.ts';

describe('coinHookAbi', () => {
  it("hashes Swapped to the topic Zora's hook emits on Base, and Transfer to ERC-20's", () => {
    const swapped = swappedEventAbi.find((item) => item.type === 'event');
    if (swapped === undefined) throw new Error('no Swapped event in the ABI');
    expect(toEventSelector(swapped)).toBe(SWAPPED_TOPIC);
    expect(toEventSelector(transferEventAbi[0])).toBe(TRANSFER_TOPIC);
  });
});
