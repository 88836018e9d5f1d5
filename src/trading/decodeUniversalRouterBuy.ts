import { type Hex, isAddressEqual, zeroAddress } from 'viem';
import { checkUniversalRouterExecute } from './checkUniversalRouterExecute.ts';
import type { V4Action } from './checkV4SwapActions.ts';
import type { BuyCalldataCheck, ExpectedBuy } from './decodeBuyCalldata.ts';
import { isTrader, OPEN_DELTA, Refused } from './universalRouterCalldata.ts';

/** What a buy's V4_SWAP may do, one action at a time: exactly one exact-input swap of exactly `value` native ETH
 * ending in the coin, settled in native ETH only, and every take of the coin to the buyer. The PoolManager makes the
 * unlock revert unless every delta nets to zero, and the only currency anyone may take is the coin (to the buyer), so
 * no value can leave for anyone else. Answers the minimum output the action enforces. */
function checkBuyAction(action: V4Action, expected: ExpectedBuy): bigint {
  switch (action.name) {
    case 'SWAP_EXACT_IN_SINGLE': {
      const { swap } = action;
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
      return swap.amountOutMinimum;
    }
    case 'SWAP_EXACT_IN': {
      const { swap } = action;
      const last = swap.path.at(-1);
      if (!isAddressEqual(swap.currencyIn, zeroAddress)) throw new Refused('SWAP_EXACT_IN: input is not native ETH');
      if (last === undefined || !isAddressEqual(last.intermediateCurrency, expected.coin)) {
        throw new Refused('SWAP_EXACT_IN: the path does not end in the coin');
      }
      if (swap.amountIn !== expected.value) {
        throw new Refused(`SWAP_EXACT_IN: amountIn ${swap.amountIn} is not the value ${expected.value}`);
      }
      return swap.amountOutMinimum;
    }
    case 'SETTLE_ALL':
      if (!isAddressEqual(action.currency, zeroAddress)) {
        throw new Refused(`SETTLE_ALL: currency ${action.currency} is not ETH`);
      }
      return 0n;
    case 'SETTLE':
      // Native ETH is always paid from the router's own balance (the transaction's value), whoever "payer" is.
      if (!isAddressEqual(action.currency, zeroAddress))
        throw new Refused(`SETTLE: currency ${action.currency} is not ETH`);
      return 0n;
    case 'TAKE_ALL':
      // TAKE_ALL pays the router's caller, which is the buyer sending the transaction.
      if (!isAddressEqual(action.currency, expected.coin)) {
        throw new Refused(`TAKE_ALL: currency ${action.currency} is not the coin`);
      }
      return action.minAmount;
    case 'TAKE':
      if (!isAddressEqual(action.currency, expected.coin)) {
        throw new Refused(`TAKE: currency ${action.currency} is not the coin`);
      }
      if (!isTrader(action.recipient, expected.buyer)) {
        throw new Refused(`TAKE: recipient ${action.recipient} is not the buyer`);
      }
      if (action.amount !== OPEN_DELTA) throw new Refused('TAKE: only the whole open delta is accepted');
      return 0n;
  }
}

/** Check a Universal Router `execute(commands, inputs, deadline)` call against the buy we asked for: exactly one
 * V4_SWAP whose actions checkBuyAction accepts, and optionally SWEEPs to the buyer; anything else is refused
 * (checkUniversalRouterExecute). The minimum the calldata enforces is the largest of its swap minimum and TAKE_ALL
 * minimums, and must be at least `expected.minAmountOut` coins. Pure. */
export function decodeUniversalRouterBuy(data: Hex, expected: ExpectedBuy): BuyCalldataCheck {
  const checked = checkUniversalRouterExecute(data, {
    trader: expected.buyer,
    role: 'buyer',
    checkAction: (action) => checkBuyAction(action, expected),
    minOut: expected.minAmountOut,
    unit: 'coins',
  });
  return checked.ok ? { ok: true, router: 'universalRouter', minAmountOut: checked.minOut } : checked;
}
