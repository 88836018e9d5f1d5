import { coinFactoryABI } from '@zoralabs/protocol-deployments';
import { BaseError, decodeErrorResult, type Hex } from 'viem';

/** A short, human readable message of any error (viem's shortMessage when there is one), safe for a job's error. */
export function describeChainError(error: unknown): string {
  if (error instanceof BaseError) return error.shortMessage;
  return error instanceof Error ? error.message : String(error);
}

/** The revert reason of a failed call or send: the revert data decoded with Zora's factory ABI (`Name(args)`), its
 * selector when the ABI does not know it, viem's short message for a revert without data, and null when the error
 * is not a revert at all (network, nonce, funds), which callers retry instead of counting as a revert. */
export function revertReason(error: unknown): string | null {
  if (!(error instanceof BaseError)) return null;
  const withData = error.walk((e) => typeof (e as { data?: unknown }).data === 'string');
  const data = (withData as { data?: unknown } | null)?.data;
  if (typeof data === 'string' && data.startsWith('0x') && data.length >= 10) {
    try {
      const decoded = decodeErrorResult({ abi: coinFactoryABI, data: data as Hex });
      const args = (decoded.args ?? []).map((a) => String(a)).join(', ');
      return `${decoded.errorName}(${args})`;
    } catch {
      return `unknown error ${data.slice(0, 10)}`;
    }
  }
  return /revert/i.test(error.message) ? error.shortMessage : null;
}
