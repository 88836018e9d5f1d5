import { type AbiParameter, decodeAbiParameters, encodeAbiParameters, type Hex } from 'viem';
import { Refused } from './universalRouterCalldata.ts';

/** Decode `params` as `types` and insist it is the one canonical encoding of what it decodes to: no trailing bytes,
 * no overlapping or out-of-order offsets, no dirty padding. The router reads calldata with its own offsets, so bytes
 * we did not account for could mean something to it that they do not mean to us. Throws Refused naming `what`. */
export function strictDecode<const T extends readonly AbiParameter[]>(types: T, params: Hex, what: string) {
  let values: ReturnType<typeof decodeAbiParameters<T>>;
  try {
    values = decodeAbiParameters(types, params);
  } catch {
    throw new Refused(`${what}: not decodable`);
  }
  const again = encodeAbiParameters(types, values as never);
  if (again.toLowerCase() !== params.toLowerCase()) throw new Refused(`${what}: not canonically encoded`);
  return values;
}
