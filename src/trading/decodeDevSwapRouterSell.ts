import { type Hex, isAddressEqual, parseAbi } from 'viem';
import { decodeDevSwapRouterCall } from './decodeDevSwapRouterCall.ts';
import type { ExpectedSell, SellCalldataCheck } from './decodeSellCalldata.ts';

/** The one function of the devnet's DevSwapRouter (scripts/devnet/contracts/DevSwapRouter.sol) a sell may call: it
 * pulls exactly `amountIn` coins from the caller (ERC-20 allowance), sends the ETH to `recipient`, and reverts below
 * `minEthOut`. */
const sellForEthAbi = parseAbi([
  'function sellForEth(address coin, uint256 amountIn, uint256 minEthOut, address recipient) returns (uint256 ethOut)',
]);

/** Check a DevSwapRouter `sellForEth(coin, amountIn, minEthOut, recipient)` call against the sell we asked for: our
 * coin, exactly our amount, the seller as recipient, and a minimum at least ours; anything else (another function,
 * trailing or non-canonical bytes) is refused. Pure. */
export function decodeDevSwapRouterSell(data: Hex, expected: ExpectedSell): SellCalldataCheck {
  const call = decodeDevSwapRouterCall(sellForEthAbi, 'sellForEth', data);
  if (!call.ok) return call;
  const [coin, amountIn, minEthOut, recipient] = call.args;
  if (!isAddressEqual(coin, expected.coin)) return { ok: false, detail: `DevSwapRouter: coin ${coin} is not ours` };
  if (amountIn !== expected.amountIn) {
    return { ok: false, detail: `DevSwapRouter: sells ${amountIn}, not the ${expected.amountIn} asked` };
  }
  if (!isAddressEqual(recipient, expected.seller)) {
    return { ok: false, detail: `DevSwapRouter: recipient ${recipient} is not the seller` };
  }
  if (minEthOut < expected.minEthOut) {
    return {
      ok: false,
      detail: `DevSwapRouter: calldata enforces at least ${minEthOut} wei, less than our minimum ${expected.minEthOut}`,
    };
  }
  return { ok: true, router: 'devSwapRouter', minEthOut };
}
