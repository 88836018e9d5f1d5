import { decodeFunctionData, encodeFunctionData, type Hex, isAddressEqual, parseAbi } from 'viem';

/** The content coin we asked the Zora API to build a creation call for. `platformReferrer` is the zero address when
 * none is configured; `owners` is the exact set of owners we intend (the platform wallet today). */
export interface IntendedCoin {
  payoutRecipient: `0x${string}`;
  owners: readonly `0x${string}`[];
  uri: string;
  name: string;
  symbol: string;
  platformReferrer: `0x${string}`;
}

/** Zora's content-coin factory entry point (ZoraFactoryImpl, selector 0xa423ada1; the devnet factory implements the
 * same). Declared on its own: the factory ABI overloads `deploy`, and only this one is accepted. */
export const contentCoinDeployAbi = parseAbi([
  'function deploy(address payoutRecipient, address[] owners, string uri, string name, string symbol, bytes poolConfig, address platformReferrer, address postDeployHook, bytes postDeployHookData, bytes32 coinSalt) payable returns (address, bytes)',
]);

/** Whether a creation call does what we asked, or the first thing that differs (safe to store as a job error). */
export type CreateCallCheck = { ok: true } | { ok: false; reason: string };

/** Check the factory calldata the Zora API built before the platform wallet signs it: it must be the content-coin
 * `deploy` with our payout recipient (the artist), exactly our owners, our metadata URI, name and symbol, and our
 * platform referrer (or none). The API is a third party; a compromised or buggy one could otherwise route the
 * artist's creator rewards, or the coin's ownership, elsewhere under our wallet's signature. Not checked: the pool
 * configuration and the post-deploy hook (the call carries no ETH, so a hook has nothing of ours to spend; the
 * pool currency is checked from the mined event). Pure. */
export function checkCreateCall(data: Hex, intended: IntendedCoin): CreateCallCheck {
  let args: ReturnType<typeof decodeFunctionData<typeof contentCoinDeployAbi>>['args'];
  try {
    ({ args } = decodeFunctionData({ abi: contentCoinDeployAbi, data }));
  } catch {
    return { ok: false, reason: `not the factory's content-coin deploy call (selector ${data.slice(0, 10)})` };
  }
  if (
    encodeFunctionData({ abi: contentCoinDeployAbi, functionName: 'deploy', args }).toLowerCase() !== data.toLowerCase()
  ) {
    return { ok: false, reason: 'the deploy call is not canonically encoded' };
  }
  const [payoutRecipient, owners, uri, name, symbol, , platformReferrer] = args;
  if (!isAddressEqual(payoutRecipient, intended.payoutRecipient)) {
    return {
      ok: false,
      reason: `payout recipient ${payoutRecipient}, expected the artist ${intended.payoutRecipient}`,
    };
  }
  const sameOwners =
    owners.length === intended.owners.length &&
    owners.every((o) => intended.owners.some((i) => isAddressEqual(o, i))) &&
    intended.owners.every((i) => owners.some((o) => isAddressEqual(o, i)));
  if (!sameOwners)
    return { ok: false, reason: `owners [${owners.join(', ')}], expected [${intended.owners.join(', ')}]` };
  if (uri !== intended.uri)
    return { ok: false, reason: `metadata URI ${JSON.stringify(uri)}, expected ${JSON.stringify(intended.uri)}` };
  if (name !== intended.name)
    return { ok: false, reason: `name ${JSON.stringify(name)}, expected ${JSON.stringify(intended.name)}` };
  if (symbol !== intended.symbol) {
    return { ok: false, reason: `symbol ${JSON.stringify(symbol)}, expected ${JSON.stringify(intended.symbol)}` };
  }
  if (!isAddressEqual(platformReferrer, intended.platformReferrer)) {
    return { ok: false, reason: `platform referrer ${platformReferrer}, expected ${intended.platformReferrer}` };
  }
  return { ok: true };
}
