import { universalRouterABI } from '@zoralabs/protocol-deployments';
import {
  type AbiParameter,
  decodeAbiParameters,
  decodeFunctionData,
  encodeAbiParameters,
  encodeFunctionData,
  type Hex,
  hexToBytes,
  isAddressEqual,
  zeroAddress,
} from 'viem';
import type { BuyCalldataCheck, ExpectedBuy } from './decodeBuyCalldata.ts';

// Universal Router command bytes (Uniswap universal-router, contracts/libraries/Commands.sol). The router masks a
// command with 0x3f and treats 0x80 as "allow revert"; we compare whole bytes, so any flag bit is refused too.
export const SWEEP = 0x04;
export const V4_SWAP = 0x10;

// Uniswap v4 periphery actions inside a V4_SWAP (v4-periphery, src/libraries/Actions.sol).
export const SWAP_EXACT_IN_SINGLE = 0x06;
export const SWAP_EXACT_IN = 0x07;
export const SETTLE = 0x0b;
export const SETTLE_ALL = 0x0c;
export const TAKE = 0x0e;
export const TAKE_ALL = 0x0f;

// v4-periphery ActionConstants: address(1) stands for the router's caller, and an amount of 0 for "the whole open
// delta". The caller here is the trader, because the trader's wallet sends the transaction.
export const MSG_SENDER = '0x0000000000000000000000000000000000000001';
export const OPEN_DELTA = 0n;

const poolKey = {
  type: 'tuple',
  components: [
    { name: 'currency0', type: 'address' },
    { name: 'currency1', type: 'address' },
    { name: 'fee', type: 'uint24' },
    { name: 'tickSpacing', type: 'int24' },
    { name: 'hooks', type: 'address' },
  ],
} as const;

// IV4Router.ExactInputSingleParams and ExactInputParams as released in v4-periphery 1.0 (the version the Universal
// Router on Base was built with). A later layout would not re-encode to the same bytes and is refused.
export const exactInputSingle = [
  {
    type: 'tuple',
    components: [
      { name: 'poolKey', ...poolKey },
      { name: 'zeroForOne', type: 'bool' },
      { name: 'amountIn', type: 'uint128' },
      { name: 'amountOutMinimum', type: 'uint128' },
      { name: 'hookData', type: 'bytes' },
    ],
  },
] as const;
export const exactInput = [
  {
    type: 'tuple',
    components: [
      { name: 'currencyIn', type: 'address' },
      {
        name: 'path',
        type: 'tuple[]',
        components: [
          { name: 'intermediateCurrency', type: 'address' },
          { name: 'fee', type: 'uint24' },
          { name: 'tickSpacing', type: 'int24' },
          { name: 'hooks', type: 'address' },
          { name: 'hookData', type: 'bytes' },
        ],
      },
      { name: 'amountIn', type: 'uint128' },
      { name: 'amountOutMinimum', type: 'uint128' },
    ],
  },
] as const;
export const actionsAndParams = [{ type: 'bytes' }, { type: 'bytes[]' }] as const;
export const currencyAndAmount = [{ type: 'address' }, { type: 'uint256' }] as const;
export const settleParams = [{ type: 'address' }, { type: 'uint256' }, { type: 'bool' }] as const;
export const takeParams = [{ type: 'address' }, { type: 'address' }, { type: 'uint256' }] as const;
export const sweepParams = [{ type: 'address' }, { type: 'address' }, { type: 'uint160' }] as const;

/** Thrown inside the Universal Router decoders to refuse a call; caught and turned into a refusal. */
export class Refused extends Error {}

/** Decode `params` as `types` and insist it is the one canonical encoding of what it decodes to: no trailing bytes,
 * no overlapping or out-of-order offsets, no dirty padding. The router reads calldata with its own offsets, so bytes
 * we did not account for could mean something to it that they do not mean to us. */
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

/** Whether `address` is the trader: their address or the router's "msg.sender" placeholder. */
export function isBuyer(address: string, buyer: `0x${string}`): boolean {
  return isAddressEqual(address as `0x${string}`, buyer) || isAddressEqual(address as `0x${string}`, MSG_SENDER);
}

/** What one V4_SWAP does, once every action in it was found acceptable. */
interface V4SwapFacts {
  minOut: bigint;
}

/** Check one V4_SWAP input (`abi.encode(bytes actions, bytes[] params)`): exactly one exact-input swap of exactly
 * `value` native ETH ending in the coin, settled in native ETH only, and every take of the coin to the buyer. The
 * PoolManager makes the unlock revert unless every delta nets to zero, and the only currency anyone may take is the
 * coin (to the buyer), so no value can leave for anyone else. */
function checkV4Swap(input: Hex, expected: ExpectedBuy): V4SwapFacts {
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
        if (!isAddressEqual(swap.poolKey.currency0, zeroAddress) || !swap.zeroForOne) {
          throw new Refused('SWAP_EXACT_IN_SINGLE: input is not native ETH');
        }
        if (!isAddressEqual(swap.poolKey.currency1, expected.coin)) {
          throw new Refused(`SWAP_EXACT_IN_SINGLE: output ${swap.poolKey.currency1} is not the coin`);
        }
        // OPEN_DELTA (0) would swap whatever credit is open: refused, only an explicit amount is provable.
        if (swap.amountIn !== expected.value) {
          throw new Refused(`SWAP_EXACT_IN_SINGLE: amountIn ${swap.amountIn} is not the value ${expected.value}`);
        }
        swaps += 1;
        minOut = max(minOut, swap.amountOutMinimum);
        return;
      }
      case SWAP_EXACT_IN: {
        const [swap] = strictDecode(exactInput, param, 'SWAP_EXACT_IN');
        const last = swap.path.at(-1);
        if (!isAddressEqual(swap.currencyIn, zeroAddress)) throw new Refused('SWAP_EXACT_IN: input is not native ETH');
        if (last === undefined || !isAddressEqual(last.intermediateCurrency, expected.coin)) {
          throw new Refused('SWAP_EXACT_IN: the path does not end in the coin');
        }
        if (swap.amountIn !== expected.value) {
          throw new Refused(`SWAP_EXACT_IN: amountIn ${swap.amountIn} is not the value ${expected.value}`);
        }
        swaps += 1;
        minOut = max(minOut, swap.amountOutMinimum);
        return;
      }
      case SETTLE_ALL: {
        const [currency] = strictDecode(currencyAndAmount, param, 'SETTLE_ALL');
        if (!isAddressEqual(currency, zeroAddress)) throw new Refused(`SETTLE_ALL: currency ${currency} is not ETH`);
        settles += 1;
        return;
      }
      case SETTLE: {
        // Native ETH is always paid from the router's own balance (the transaction's value), whoever "payer" is.
        const [currency] = strictDecode(settleParams, param, 'SETTLE');
        if (!isAddressEqual(currency, zeroAddress)) throw new Refused(`SETTLE: currency ${currency} is not ETH`);
        settles += 1;
        return;
      }
      case TAKE_ALL: {
        // TAKE_ALL pays the router's caller, which is the buyer sending the transaction.
        const [currency, minAmount] = strictDecode(currencyAndAmount, param, 'TAKE_ALL');
        if (!isAddressEqual(currency, expected.coin))
          throw new Refused(`TAKE_ALL: currency ${currency} is not the coin`);
        takes += 1;
        minOut = max(minOut, minAmount);
        return;
      }
      case TAKE: {
        const [currency, recipient, amount] = strictDecode(takeParams, param, 'TAKE');
        if (!isAddressEqual(currency, expected.coin)) throw new Refused(`TAKE: currency ${currency} is not the coin`);
        if (!isBuyer(recipient, expected.buyer)) throw new Refused(`TAKE: recipient ${recipient} is not the buyer`);
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
  return { minOut };
}

export function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** Check a Universal Router `execute(commands, inputs, deadline)` call against the buy we asked for: exactly one
 * V4_SWAP (see checkV4Swap) and optionally SWEEPs to the buyer; any other command (V3/V2 swaps, transfers, Permit2,
 * portions paid to third parties, sub-plans, allow-revert flags) is refused, and so is anything that does not
 * decode canonically. The minimum the calldata enforces is the largest of its swap minimum and TAKE_ALL minimums.
 * The deadline is not checked (an expired call only reverts). Pure.
 * https://docs.uniswap.org/contracts/universal-router/technical-reference */
export function decodeUniversalRouterBuy(data: Hex, expected: ExpectedBuy): BuyCalldataCheck {
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
        minOut = max(minOut, checkV4Swap(input, expected).minOut);
      } else if (command === SWEEP) {
        const [, recipient] = strictDecode(sweepParams, input, 'SWEEP');
        if (!isBuyer(recipient, expected.buyer)) throw new Refused(`SWEEP: recipient ${recipient} is not the buyer`);
      } else {
        throw new Refused(`command 0x${command.toString(16).padStart(2, '0')} is not accepted`);
      }
    });
    if (swaps !== 1) throw new Refused(`${swaps} V4_SWAP commands, expected exactly 1`);
    if (minOut < expected.minAmountOut) {
      throw new Refused(`calldata enforces at least ${minOut} coins, less than our minimum ${expected.minAmountOut}`);
    }
    return { ok: true, router: 'universalRouter', minAmountOut: minOut };
  } catch (error) {
    // Anything unexpected while decoding hostile bytes is a refusal too, never a crash of the request.
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, detail: `Universal Router: ${message}` };
  }
}
