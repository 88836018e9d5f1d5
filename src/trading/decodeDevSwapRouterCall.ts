import { type Abi, type DecodeFunctionDataReturnType, decodeFunctionData, encodeFunctionData, type Hex } from 'viem';

/** The decoded arguments of the one function in `abi`. */
type DevSwapRouterArgs<abi extends Abi> = NonNullable<DecodeFunctionDataReturnType<abi>['args']>;

/** Decode `data` as a call of the one function in `abi` (the DevSwapRouter's `buyWithEth` or `sellForEth`, named
 * `functionName` in refusals) and insist it is that call's one canonical encoding: no other function, no trailing
 * bytes, no dirty padding. What the arguments must be is each side's own check. Pure. */
export function decodeDevSwapRouterCall<const abi extends Abi>(
  abi: abi,
  functionName: string,
  data: Hex,
): { ok: true; args: DevSwapRouterArgs<abi> } | { ok: false; detail: string } {
  let decoded: DecodeFunctionDataReturnType<abi>;
  try {
    decoded = decodeFunctionData({ abi, data });
  } catch {
    return { ok: false, detail: `DevSwapRouter: not a ${functionName} call` };
  }
  if (decoded.functionName !== functionName || decoded.args === undefined) {
    return { ok: false, detail: `DevSwapRouter: not a ${functionName} call` };
  }
  const again = encodeFunctionData({ abi, functionName, args: decoded.args } as never);
  if (again.toLowerCase() !== data.toLowerCase()) {
    return { ok: false, detail: `DevSwapRouter: ${functionName} is not canonically encoded` };
  }
  return { ok: true, args: decoded.args as DevSwapRouterArgs<abi> };
}
