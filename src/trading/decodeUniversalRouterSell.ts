import { type Hex, isAddressEqual, zeroAddress } from 'viem';
import { checkUniversalRouterExecute } from './checkUniversalRouterExecute.ts';
import type { V4Action } from './checkV4SwapActions.ts';
import type { ExpectedSell, SellCalldataCheck } from './decodeSellCalldata.ts';
import { isTrader, OPEN_DELTA, Refused } from './universalRouterCalldata.ts';

/** What a sell's V4_SWAP may do, one action at a time: exactly one exact-input swap of exactly `amountIn` of the coin
 * ending in native ETH, settled in the coin only and paid by the seller (Permit2 pulls it), and every take in native
 * ETH to the seller. The PoolManager reverts the unlock unless every delta nets to zero, and the only currency anyone
 * may take is ETH (to the seller), so nothing can leave for anyone else. Answers the minimum output the action
 * enforces. */
function checkSellAction(action: V4Action, expected: ExpectedSell): bigint {
  switch (action.name) {
    case 'SWAP_EXACT_IN_SINGLE': {
      const { swap } = action;
      if (!isAddressEqual(swap.poolKey.currency0, zeroAddress) || swap.zeroForOne) {
        throw new Refused('SWAP_EXACT_IN_SINGLE: output is not native ETH');
      }
      if (!isAddressEqual(swap.poolKey.currency1, expected.coin)) {
        throw new Refused(`SWAP_EXACT_IN_SINGLE: input ${swap.poolKey.currency1} is not the coin`);
      }
      if (swap.amountIn !== expected.amountIn) {
        throw new Refused(`SWAP_EXACT_IN_SINGLE: amountIn ${swap.amountIn} is not ${expected.amountIn}`);
      }
      return swap.amountOutMinimum;
    }
    case 'SWAP_EXACT_IN': {
      const { swap } = action;
      const last = swap.path.at(-1);
      if (!isAddressEqual(swap.currencyIn, expected.coin)) throw new Refused('SWAP_EXACT_IN: input is not the coin');
      if (last === undefined || !isAddressEqual(last.intermediateCurrency, zeroAddress)) {
        throw new Refused('SWAP_EXACT_IN: the path does not end in native ETH');
      }
      if (swap.amountIn !== expected.amountIn) {
        throw new Refused(`SWAP_EXACT_IN: amountIn ${swap.amountIn} is not ${expected.amountIn}`);
      }
      return swap.amountOutMinimum;
    }
    case 'SETTLE_ALL':
      // Pays the open debt (exactly amountIn for an exact-input swap) from the caller, the seller, via Permit2.
      if (!isAddressEqual(action.currency, expected.coin)) {
        throw new Refused(`SETTLE_ALL: currency ${action.currency} is not the coin`);
      }
      return 0n;
    case 'SETTLE':
      if (!isAddressEqual(action.currency, expected.coin)) {
        throw new Refused(`SETTLE: currency ${action.currency} is not the coin`);
      }
      if (!action.payerIsUser) throw new Refused('SETTLE: the router, not the seller, would pay');
      if (action.amount !== OPEN_DELTA && action.amount !== expected.amountIn) {
        throw new Refused(`SETTLE: amount ${action.amount} is not ${expected.amountIn}`);
      }
      return 0n;
    case 'TAKE_ALL':
      // TAKE_ALL pays the router's caller, the seller.
      if (!isAddressEqual(action.currency, zeroAddress))
        throw new Refused(`TAKE_ALL: currency ${action.currency} is not ETH`);
      return action.minAmount;
    case 'TAKE':
      if (!isAddressEqual(action.currency, zeroAddress))
        throw new Refused(`TAKE: currency ${action.currency} is not ETH`);
      if (!isTrader(action.recipient, expected.seller)) {
        throw new Refused(`TAKE: recipient ${action.recipient} is not the seller`);
      }
      if (action.amount !== OPEN_DELTA) throw new Refused('TAKE: only the whole open delta is accepted');
      return 0n;
  }
}

/** Check a Universal Router `execute(commands, inputs, deadline)` call against the sell we asked for: exactly one
 * V4_SWAP whose actions checkSellAction accepts, and optionally SWEEPs to the seller; anything else (PERMIT2_PERMIT
 * among them: we hand out approval transactions, not permits to sign) is refused (checkUniversalRouterExecute). The
 * minimum the calldata enforces must be at least `expected.minEthOut` wei. Pure. */
export function decodeUniversalRouterSell(data: Hex, expected: ExpectedSell): SellCalldataCheck {
  const checked = checkUniversalRouterExecute(data, {
    trader: expected.seller,
    role: 'seller',
    checkAction: (action) => checkSellAction(action, expected),
    minOut: expected.minEthOut,
    unit: 'wei',
  });
  return checked.ok ? { ok: true, router: 'universalRouter', minEthOut: checked.minOut } : checked;
}
