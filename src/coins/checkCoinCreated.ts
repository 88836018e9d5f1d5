import { type Address, isAddressEqual, zeroAddress } from 'viem';
import type { CreateCallCheck, IntendedCoin } from './checkCreateCall.ts';

/** The fields of a mined CoinCreatedV4 event that say who the coin pays and what it is (coins-sdk's
 * getCoinCreateFromLogs returns these among others). */
export interface CoinCreatedFields {
  caller: Address;
  payoutRecipient: Address;
  platformReferrer: Address;
  currency: Address;
  uri: string;
  name: string;
  symbol: string;
}

/** Check the mined CoinCreatedV4 event against the coin we intended, before the coin is recorded: created by our
 * wallet, paying the artist, with our referrer, URI, name and symbol, and backed by native ETH (the only pools our
 * buy path trades). The creation call was checked before sending; this catches a factory that does something other
 * than what its calldata says, and a recovery that found some other creation. Pure. */
export function checkCoinCreated(
  event: CoinCreatedFields,
  intended: IntendedCoin & { caller: Address },
): CreateCallCheck {
  const differs = (what: string, got: string, want: string): CreateCallCheck => ({
    ok: false,
    reason: `CoinCreatedV4 ${what} ${got}, expected ${want}`,
  });
  if (!isAddressEqual(event.caller, intended.caller)) return differs('caller', event.caller, intended.caller);
  if (!isAddressEqual(event.payoutRecipient, intended.payoutRecipient)) {
    return differs('payout recipient', event.payoutRecipient, intended.payoutRecipient);
  }
  if (!isAddressEqual(event.platformReferrer, intended.platformReferrer)) {
    return differs('platform referrer', event.platformReferrer, intended.platformReferrer);
  }
  if (!isAddressEqual(event.currency, zeroAddress)) return differs('currency', event.currency, `${zeroAddress} (ETH)`);
  if (event.uri !== intended.uri) return differs('uri', JSON.stringify(event.uri), JSON.stringify(intended.uri));
  if (event.name !== intended.name) return differs('name', JSON.stringify(event.name), JSON.stringify(intended.name));
  if (event.symbol !== intended.symbol) {
    return differs('symbol', JSON.stringify(event.symbol), JSON.stringify(intended.symbol));
  }
  return { ok: true };
}
