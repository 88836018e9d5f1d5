import { universalRouterABI } from '@zoralabs/protocol-deployments';
import { decodeFunctionData, encodeFunctionData, type Hex, hexToBytes } from 'viem';
import { type CheckV4Action, checkV4SwapActions } from './checkV4SwapActions.ts';
import { strictDecode } from './strictDecode.ts';
import { isTrader, Refused, SWEEP, sweepParams, V4_SWAP } from './universalRouterCalldata.ts';

/** The trade a Universal Router call must perform, as far as the `execute` level sees it. */
export interface ExpectedExecute {
  /** Who sends the transaction and may receive a SWEEP. */
  trader: `0x${string}`;
  /** The trader's name in refusals. */
  role: 'buyer' | 'seller';
  /** What each action inside the V4_SWAP may be: the side's own rules (checkV4SwapActions). */
  checkAction: CheckV4Action;
  /** The least output the calldata must enforce, in `unit` (coins for a buy, wei for a sell). */
  minOut: bigint;
  unit: 'coins' | 'wei';
}

/** Check a Universal Router `execute(commands, inputs, deadline)` call, the same for buys and sells: canonically
 * encoded, exactly one V4_SWAP (checkV4SwapActions with the side's `checkAction`) and optionally SWEEPs to the
 * trader; any other command (V2/V3 swaps, transfers, Permit2, portions paid to third parties, sub-plans,
 * allow-revert flags) is refused, and so is a minimum below `minOut`. Anything unexpected while decoding hostile bytes
 * is a refusal too, never a crash of the request. The deadline is not checked (an expired call only reverts). Pure.
 * https://docs.uniswap.org/contracts/universal-router/technical-reference */
export function checkUniversalRouterExecute(
  data: Hex,
  expected: ExpectedExecute,
): { ok: true; minOut: bigint } | { ok: false; detail: string } {
  try {
    let decoded: ReturnType<typeof decodeFunctionData<typeof universalRouterABI>>;
    try {
      decoded = decodeFunctionData({ abi: universalRouterABI, data });
    } catch {
      throw new Refused('not a Universal Router execute call');
    }
    if (decoded.functionName !== 'execute' || decoded.args === undefined) {
      throw new Refused(`unexpected function ${decoded.functionName}`);
    }
    const [commandsHex, inputs] = decoded.args;
    const again = encodeFunctionData({ abi: universalRouterABI, functionName: 'execute', args: decoded.args });
    if (again.toLowerCase() !== data.toLowerCase()) throw new Refused('execute: not canonically encoded');
    const commands = hexToBytes(commandsHex);
    if (commands.length !== inputs.length) throw new Refused('execute: commands and inputs differ in length');
    let swaps = 0;
    let minOut = 0n;
    commands.forEach((command, i) => {
      const input = inputs[i] as Hex;
      if (command === V4_SWAP) {
        swaps += 1;
        const swapMinOut = checkV4SwapActions(input, expected.checkAction);
        if (swapMinOut > minOut) minOut = swapMinOut;
      } else if (command === SWEEP) {
        const [, recipient] = strictDecode(sweepParams, input, 'SWEEP');
        if (!isTrader(recipient, expected.trader)) {
          throw new Refused(`SWEEP: recipient ${recipient} is not the ${expected.role}`);
        }
      } else {
        throw new Refused(`command 0x${command.toString(16).padStart(2, '0')} is not accepted`);
      }
    });
    if (swaps !== 1) throw new Refused(`${swaps} V4_SWAP commands, expected exactly 1`);
    if (minOut < expected.minOut) {
      throw new Refused(
        `calldata enforces at least ${minOut} ${expected.unit}, less than our minimum ${expected.minOut}`,
      );
    }
    return { ok: true, minOut };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, detail: `Universal Router: ${message}` };
  }
}
