import { type Hex, hexToBytes } from 'viem';
import { strictDecode } from './strictDecode.ts';
import {
  actionsAndParams,
  currencyAndAmount,
  exactInput,
  exactInputSingle,
  Refused,
  SETTLE,
  SETTLE_ALL,
  SWAP_EXACT_IN,
  SWAP_EXACT_IN_SINGLE,
  settleParams,
  TAKE,
  TAKE_ALL,
  takeParams,
} from './universalRouterCalldata.ts';

/** One action of a V4_SWAP, strictly decoded; null for an action no trade may use (refused). */
function decodeV4Action(action: number, param: Hex) {
  switch (action) {
    case SWAP_EXACT_IN_SINGLE: {
      const [swap] = strictDecode(exactInputSingle, param, 'SWAP_EXACT_IN_SINGLE');
      return { kind: 'swap', name: 'SWAP_EXACT_IN_SINGLE', swap } as const;
    }
    case SWAP_EXACT_IN: {
      const [swap] = strictDecode(exactInput, param, 'SWAP_EXACT_IN');
      return { kind: 'swap', name: 'SWAP_EXACT_IN', swap } as const;
    }
    case SETTLE_ALL: {
      const [currency, maxAmount] = strictDecode(currencyAndAmount, param, 'SETTLE_ALL');
      return { kind: 'settle', name: 'SETTLE_ALL', currency, maxAmount } as const;
    }
    case SETTLE: {
      const [currency, amount, payerIsUser] = strictDecode(settleParams, param, 'SETTLE');
      return { kind: 'settle', name: 'SETTLE', currency, amount, payerIsUser } as const;
    }
    case TAKE_ALL: {
      const [currency, minAmount] = strictDecode(currencyAndAmount, param, 'TAKE_ALL');
      return { kind: 'take', name: 'TAKE_ALL', currency, minAmount } as const;
    }
    case TAKE: {
      const [currency, recipient, amount] = strictDecode(takeParams, param, 'TAKE');
      return { kind: 'take', name: 'TAKE', currency, recipient, amount } as const;
    }
    default:
      return null;
  }
}

/** A decoded V4_SWAP action: a swap, a settle or a take, with its parameters. */
export type V4Action = NonNullable<ReturnType<typeof decodeV4Action>>;

/** Checks one decoded action against the trade asked for (direction, currencies, payer, recipient, amounts: each
 * side's own rules): throws Refused unless it is exactly what that side accepts, and answers the least output the
 * action enforces (0n for one that enforces none). */
export type CheckV4Action = (action: V4Action) => bigint;

/** Check one V4_SWAP input (`abi.encode(bytes actions, bytes[] params)`), the same for buys and sells: canonically
 * encoded, as many params as actions, each action one of the six accepted (exact-input swaps, settles, takes) and
 * strictly decoded, then checked by `checkAction`, in order; any other action is refused. There must be exactly one
 * swap and at least one settle and one take. Answers the largest minimum output the actions enforce. */
export function checkV4SwapActions(input: Hex, checkAction: CheckV4Action): bigint {
  const [actionsHex, params] = strictDecode(actionsAndParams, input, 'V4_SWAP');
  const actions = hexToBytes(actionsHex);
  if (actions.length !== params.length) throw new Refused('V4_SWAP: actions and params differ in length');
  const counts = { swap: 0, settle: 0, take: 0 };
  let minOut = 0n;
  actions.forEach((action, i) => {
    const decoded = decodeV4Action(action, params[i] as Hex);
    if (decoded === null) {
      throw new Refused(`V4_SWAP: action 0x${action.toString(16).padStart(2, '0')} is not accepted`);
    }
    const enforced = checkAction(decoded);
    counts[decoded.kind] += 1;
    if (enforced > minOut) minOut = enforced;
  });
  if (counts.swap !== 1) throw new Refused(`V4_SWAP: ${counts.swap} swaps, expected exactly 1`);
  if (counts.settle === 0 || counts.take === 0) throw new Refused('V4_SWAP: missing a settle or a take');
  return minOut;
}
