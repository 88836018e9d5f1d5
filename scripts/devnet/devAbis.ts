import { parseAbi } from 'viem';

/** ABI of DevSwapRouter (contracts/DevSwapRouter.sol); devnet.test.ts checks it against the compiled ABI. */
export const devSwapRouterAbi = parseAbi([
  'function poolManager() view returns (address)',
  'function buyWithEth(address coin, uint256 minAmountOut, address recipient) payable returns (uint256 amountOut)',
  'function sellForEth(address coin, uint256 amountIn, uint256 minEthOut, address recipient) returns (uint256 ethOut)',
  'function quoteSell(address coin, uint256 amountIn) returns (uint256 ethOut)',
  'error SellQuote(uint256 ethOut, uint256 coinsIn)',
  'event Bought(address indexed coin, address indexed buyer, address indexed recipient, uint256 ethIn, uint256 amountOut)',
  'error NotPoolManager()',
  'error NotEthPool()',
  'error ZeroValue()',
  'error TooLittleReceived(uint256 amountOut, uint256 minAmountOut)',
  'error RefundFailed()',
  'error ZeroAmount()',
  'event Sold(address indexed coin, address indexed seller, address indexed recipient, uint256 amountIn, uint256 ethOut)',
]);

/** Devnet-only views of DevCoinFactory beyond Zora's coinFactoryABI (which already covers deploy, coinAddress and CoinCreatedV4). */
export const devCoinFactoryAbi = parseAbi([
  'function poolManager() view returns (address)',
  'function VERSION() view returns (string)',
  'function POOL_SUPPLY() view returns (uint256)',
]);
