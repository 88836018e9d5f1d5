import { parseAbi } from 'viem';

/** ABI of DevSwapRouter (contracts/DevSwapRouter.sol); devnet.test.ts checks it against the compiled ABI. */
export const devSwapRouterAbi = parseAbi([
  'function poolManager() view returns (address)',
  'function buyWithEth(address coin, uint256 minAmountOut, address recipient) payable returns (uint256 amountOut)',
  'event Bought(address indexed coin, address indexed buyer, address indexed recipient, uint256 ethIn, uint256 amountOut)',
  'error NotPoolManager()',
  'error NotEthPool()',
  'error ZeroValue()',
  'error TooLittleReceived(uint256 amountOut, uint256 minAmountOut)',
  'error RefundFailed()',
]);

/** Devnet-only views of DevCoinFactory beyond Zora's coinFactoryABI (which already covers deploy, coinAddress and CoinCreatedV4). */
export const devCoinFactoryAbi = parseAbi([
  'function poolManager() view returns (address)',
  'function VERSION() view returns (string)',
  'function POOL_SUPPLY() view returns (uint256)',
]);
