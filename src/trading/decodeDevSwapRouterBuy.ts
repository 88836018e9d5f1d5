import { type Hex, isAddressEqual, parseAbi } from 'viem';
import type { BuyCalldataCheck, ExpectedBuy } from './decodeBuyCalldata.ts';
import { decodeDevSwapRouterCall } from './decodeDevSwapRouterCall.ts';

/** The one function of the devnet's DevSwapRouter (scripts/devnet/contracts/DevSwapRouter.sol) a buy may call. It
 * spends all of msg.value on `coin`, reverts below `minAmountOut`, sends the coins to `recipient` and refunds unspent
 * ETH to the caller. */
const buyWithEthAbi = parseAbi([
  'function buyWithEth(address coin, uint256 minAmountOut, address recipient) payable returns (uint256 amountOut)',
]);

/** Check a DevSwapRouter `buyWithEth(coin, minAmountOut, recipient)` call against the buy we asked for: the coin is
 * ours, the recipient is the buyer, and its minimum is at least ours; anything else (another function, trailing or
 * non-canonical bytes) is refused. The ETH amount is the transaction's value, which the caller checks. Pure. */
export function decodeDevSwapRouterBuy(data: Hex, expected: ExpectedBuy): BuyCalldataCheck {
  const call = decodeDevSwapRouterCall(buyWithEthAbi, 'buyWithEth', data);
  if (!call.ok) return call;
  const [coin, minAmountOut, recipient] = call.args;
  if (!isAddressEqual(coin, expected.coin)) return { ok: false, detail: `DevSwapRouter: coin ${coin} is not ours` };
  if (!isAddressEqual(recipient, expected.buyer)) {
    return { ok: false, detail: `DevSwapRouter: recipient ${recipient} is not the buyer` };
  }
  if (minAmountOut < expected.minAmountOut) {
    return {
      ok: false,
      detail: `DevSwapRouter: calldata enforces at least ${minAmountOut} coins, less than our minimum ${expected.minAmountOut}`,
    };
  }
  return { ok: true, router: 'devSwapRouter', minAmountOut };
}
