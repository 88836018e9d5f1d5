import { universalRouterABI } from '@zoralabs/protocol-deployments';
import { decodeFunctionData, encodeFunctionData, type Hex, hexToBytes, isAddressEqual, zeroAddress } from 'viem';
import type { ExpectedSell, SellCalldataCheck } from './decodeSellCalldata.ts';
import {
  actionsAndParams,
  currencyAndAmount,
  exactInput,
  exactInputSingle,
  isBuyer,
  max,
  OPEN_DELTA,
  Refused,
  SETTLE,
  SETTLE_ALL,
  SWAP_EXACT_IN,
  SWAP_EXACT_IN_SINGLE,
  SWEEP,
  settleParams,
  strictDecode,
  sweepParams,
  TAKE,
  TAKE_ALL,
  takeParams,
  V4_SWAP,
} from './decodeUniversalRouterBuy.ts';

/** Check one V4_SWAP input of a sell: exactly one exact-input swap of exactly `amountIn` of the coin ending in native
 * ETH, settled in the coin only and paid by the seller (Permit2 pulls it), and every take in native ETH to the seller.
 * The PoolManager reverts the unlock unless every delta nets to zero, and the only currency anyone may take is ETH (to
 * the seller), so nothing can leave for anyone else. Answers the largest minimum the calldata enforces. */
function checkV4Sell(input: Hex, expected: ExpectedSell): bigint {
  const [actionsHex, params] = strictDecode(actionsAndParams, input, 'V4_SWAP');
  const actions = hexToBytes(actionsHex);
  if (actions.length !== params.length) throw new Refused('V4_SWAP: actions and params differ in length');
  let swaps = 0;
  let settles = 0;
  let takes = 0;
  let minOut = 0n;
  actions.forEach((action, i) => {
    const param = params[i] as Hex;
    switch (action) {
      case SWAP_EXACT_IN_SINGLE: {
        const [swap] = strictDecode(exactInputSingle, param, 'SWAP_EXACT_IN_SINGLE');
        if (!isAddressEqual(swap.poolKey.currency0, zeroAddress) || swap.zeroForOne) {
          throw new Refused('SWAP_EXACT_IN_SINGLE: output is not native ETH');
        }
        if (!isAddressEqual(swap.poolKey.currency1, expected.coin)) {
          throw new Refused(`SWAP_EXACT_IN_SINGLE: input ${swap.poolKey.currency1} is not the coin`);
        }
        if (swap.amountIn !== expected.amountIn) {
          throw new Refused(`SWAP_EXACT_IN_SINGLE: amountIn ${swap.amountIn} is not ${expected.amountIn}`);
        }
        swaps += 1;
        minOut = max(minOut, swap.amountOutMinimum);
        return;
      }
      case SWAP_EXACT_IN: {
        const [swap] = strictDecode(exactInput, param, 'SWAP_EXACT_IN');
        const last = swap.path.at(-1);
        if (!isAddressEqual(swap.currencyIn, expected.coin)) throw new Refused('SWAP_EXACT_IN: input is not the coin');
        if (last === undefined || !isAddressEqual(last.intermediateCurrency, zeroAddress)) {
          throw new Refused('SWAP_EXACT_IN: the path does not end in native ETH');
        }
        if (swap.amountIn !== expected.amountIn) {
          throw new Refused(`SWAP_EXACT_IN: amountIn ${swap.amountIn} is not ${expected.amountIn}`);
        }
        swaps += 1;
        minOut = max(minOut, swap.amountOutMinimum);
        return;
      }
      case SETTLE_ALL: {
        // Pays the open debt (exactly amountIn for an exact-input swap) from the caller, the seller, via Permit2.
        const [currency] = strictDecode(currencyAndAmount, param, 'SETTLE_ALL');
        if (!isAddressEqual(currency, expected.coin))
          throw new Refused(`SETTLE_ALL: currency ${currency} is not the coin`);
        settles += 1;
        return;
      }
      case SETTLE: {
        const [currency, amount, payerIsUser] = strictDecode(settleParams, param, 'SETTLE');
        if (!isAddressEqual(currency, expected.coin)) throw new Refused(`SETTLE: currency ${currency} is not the coin`);
        if (!payerIsUser) throw new Refused('SETTLE: the router, not the seller, would pay');
        if (amount !== OPEN_DELTA && amount !== expected.amountIn) {
          throw new Refused(`SETTLE: amount ${amount} is not ${expected.amountIn}`);
        }
        settles += 1;
        return;
      }
      case TAKE_ALL: {
        // TAKE_ALL pays the router's caller, the seller.
        const [currency, minAmount] = strictDecode(currencyAndAmount, param, 'TAKE_ALL');
        if (!isAddressEqual(currency, zeroAddress)) throw new Refused(`TAKE_ALL: currency ${currency} is not ETH`);
        takes += 1;
        minOut = max(minOut, minAmount);
        return;
      }
      case TAKE: {
        const [currency, recipient, amount] = strictDecode(takeParams, param, 'TAKE');
        if (!isAddressEqual(currency, zeroAddress)) throw new Refused(`TAKE: currency ${currency} is not ETH`);
        if (!isBuyer(recipient, expected.seller)) throw new Refused(`TAKE: recipient ${recipient} is not the seller`);
        if (amount !== OPEN_DELTA) throw new Refused('TAKE: only the whole open delta is accepted');
        takes += 1;
        return;
      }
      default:
        throw new Refused(`V4_SWAP: action 0x${action.toString(16).padStart(2, '0')} is not accepted`);
    }
  });
  if (swaps !== 1) throw new Refused(`V4_SWAP: ${swaps} swaps, expected exactly 1`);
  if (settles === 0 || takes === 0) throw new Refused('V4_SWAP: missing a settle or a take');
  return minOut;
}

/** Check a Universal Router `execute(commands, inputs, deadline)` call against the sell we asked for: exactly one
 * V4_SWAP (checkV4Sell) and optionally SWEEPs to the seller; anything else (PERMIT2_PERMIT among them: we hand out
 * approval transactions, not permits to sign; V2/V3 swaps, transfers, portions, sub-plans, allow-revert flags) is
 * refused, and so is any non-canonical encoding. The deadline is not checked (an expired call only reverts). Pure.
 * https://docs.uniswap.org/contracts/universal-router/technical-reference */
export function decodeUniversalRouterSell(data: Hex, expected: ExpectedSell): SellCalldataCheck {
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
        minOut = max(minOut, checkV4Sell(input, expected));
      } else if (command === SWEEP) {
        const [, recipient] = strictDecode(sweepParams, input, 'SWEEP');
        if (!isBuyer(recipient, expected.seller)) throw new Refused(`SWEEP: recipient ${recipient} is not the seller`);
      } else {
        throw new Refused(`command 0x${command.toString(16).padStart(2, '0')} is not accepted`);
      }
    });
    if (swaps !== 1) throw new Refused(`${swaps} V4_SWAP commands, expected exactly 1`);
    if (minOut < expected.minEthOut) {
      throw new Refused(`calldata enforces at least ${minOut} wei, less than our minimum ${expected.minEthOut}`);
    }
    return { ok: true, router: 'universalRouter', minEthOut: minOut };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, detail: `Universal Router: ${message}` };
  }
}
