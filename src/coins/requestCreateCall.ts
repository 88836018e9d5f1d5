import type { createCoinCall } from '@zoralabs/coins-sdk';
import { type Address, type Hex, isAddressEqual } from 'viem';
import type { ClaimedJob } from '../viral/types.ts';
import { loadZoraSdk } from '../zora/configureZoraApi.ts';
import { checkCreateCall } from './checkCreateCall.ts';
import { type CoinJobContext, intendedCoin } from './coinJob.ts';
import { describeChainError } from './describeChainError.ts';

/** The factory call the Zora API built for a job, checked, with the coin address the API predicts for it. */
export interface CreateCall {
  to: Address;
  data: Hex;
  predictedCoinAddress: Address;
  name: string;
  symbol: string;
}

/** Ask the Zora API (coins-sdk `createCoinCall`, POST /create/content) for the content coin's factory call: creator
 * = the platform wallet, payout recipient = the artist, ETH currency, the chain id always explicit. The answer must
 * be exactly one zero-value call to the factory whose calldata is what we asked for (checkCreateCall); a refused
 * call is permanent, an API failure is retried. https://docs.zora.co/coins/sdk/create-coin */
export async function requestCreateCall(
  job: ClaimedJob,
  ctx: CoinJobContext,
  artist: Address,
): Promise<{ ok: true; call: CreateCall } | { ok: false; error: string; permanent?: boolean }> {
  const { chain } = ctx;
  const intended = intendedCoin(job, ctx, artist);
  const { name, symbol } = intended;
  let response: Awaited<ReturnType<typeof createCoinCall>>;
  try {
    const { createCoinCall } = await loadZoraSdk();
    response = await createCoinCall({
      creator: chain.sender,
      name,
      symbol,
      metadata: { type: 'RAW_URI', uri: intended.uri },
      currency: 'ETH',
      chainId: chain.chainId,
      payoutRecipientOverride: artist,
      ...(chain.platformReferrer === undefined ? {} : { platformReferrer: chain.platformReferrer }),
    });
  } catch (error) {
    return { ok: false, error: `Zora API create/content failed: ${describeChainError(error)}` };
  }
  const [call, ...rest] = response.calls;
  if (!call || rest.length > 0) {
    return { ok: false, error: `Zora API returned ${response.calls.length} calls, expected exactly 1` };
  }
  if (!isAddressEqual(call.to, chain.factory) || call.value !== 0n) {
    return {
      ok: false,
      error: `Zora API call targets ${call.to} with value ${call.value}, expected the factory ${chain.factory} and 0`,
    };
  }
  // The API built the calldata our wallet is about to sign: decode it and refuse anything we did not ask for.
  const checked = checkCreateCall(call.data, intended);
  if (!checked.ok) {
    return { ok: false, permanent: true, error: `Zora API create call refused: ${checked.reason}` };
  }
  return {
    ok: true,
    call: { to: call.to, data: call.data, predictedCoinAddress: response.predictedCoinAddress, name, symbol },
  };
}
