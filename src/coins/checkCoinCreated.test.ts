import { zeroAddress } from 'viem';
import { describe, expect, it } from 'vitest';
import { type CoinCreatedFields, checkCoinCreated } from './checkCoinCreated.ts';

const platform = `0x${'a'.repeat(40)}` as const;
const artist = `0x${'b'.repeat(40)}` as const;
const attacker = '0x000000000000000000000000000000000000dEaD' as const;
const intended = {
  caller: platform,
  payoutRecipient: artist,
  owners: [platform],
  uri: 'https://gv.example/api/performances/0xabc/coin-metadata.json',
  name: 'Night drive',
  symbol: 'NIGHT',
  platformReferrer: zeroAddress,
} as const;
const event: CoinCreatedFields = {
  caller: platform,
  payoutRecipient: artist,
  platformReferrer: zeroAddress,
  currency: zeroAddress,
  uri: intended.uri,
  name: intended.name,
  symbol: intended.symbol,
};

describe('checkCoinCreated', () => {
  it('accepts the event of the coin we asked for, whatever the address case', () => {
    expect(checkCoinCreated(event, intended)).toEqual({ ok: true });
    expect(checkCoinCreated({ ...event, payoutRecipient: `0x${'B'.repeat(40)}` }, intended)).toEqual({ ok: true });
  });

  it('refuses an event that pays someone else or describes another coin', () => {
    const cases: [Partial<CoinCreatedFields>, string][] = [
      [{ payoutRecipient: attacker }, `CoinCreatedV4 payout recipient ${attacker}, expected ${artist}`],
      [{ caller: attacker }, `CoinCreatedV4 caller ${attacker}, expected ${platform}`],
      [{ platformReferrer: attacker }, `CoinCreatedV4 platform referrer ${attacker}, expected ${zeroAddress}`],
      [{ currency: attacker }, `CoinCreatedV4 currency ${attacker}, expected ${zeroAddress} (ETH)`],
      [{ uri: 'ipfs://x' }, `CoinCreatedV4 uri "ipfs://x", expected "${intended.uri}"`],
      [{ name: 'Other' }, 'CoinCreatedV4 name "Other", expected "Night drive"'],
      [{ symbol: 'OTHER' }, 'CoinCreatedV4 symbol "OTHER", expected "NIGHT"'],
    ];
    for (const [over, reason] of cases) {
      expect(checkCoinCreated({ ...event, ...over }, intended)).toEqual({ ok: false, reason });
    }
  });
});
