import { parseAbi } from 'viem';

/** Zora's coin hook `Swapped` event (ZoraV4CoinHook.afterSwap, topic0
 * 0xd0565428a2140862827b5b6126002556c70acb52db537fae9cf41a18a470ec4a), written by hand: protocol-deployments does not
 * export the hook's ABI. Emitted once per swap of a coin's pool by the pool key's hook, skipping the hook's own
 * fee-conversion swaps; `swapSender` is the real trader when `isTrustedSwapSenderAddress` (a trusted router said so),
 * else the caller of PoolManager.swap; `sqrtPriceX96` is the pool's price after the swap. */
export const swappedEventAbi = parseAbi([
  'struct PoolKey { address currency0; address currency1; uint24 fee; int24 tickSpacing; address hooks; }',
  'struct SwapParams { bool zeroForOne; int256 amountSpecified; uint160 sqrtPriceLimitX96; }',
  'event Swapped(address indexed sender, address indexed swapSender, bool isTrustedSwapSenderAddress, PoolKey key, bytes32 indexed poolKeyHash, SwapParams params, int128 amount0, int128 amount1, bool isCoinBuy, bytes hookData, uint160 sqrtPriceX96)',
]);

/** The ERC-20 Transfer event every coin emits. */
export const transferEventAbi = parseAbi(['event Transfer(address indexed from, address indexed to, uint256 value)']);

/** topic0 of Swapped, as on Base. */
export const SWAPPED_TOPIC = '0xd0565428a2140862827b5b6126002556c70acb52db537fae9cf41a18a470ec4a';
/** topic0 of Transfer(address,address,uint256). */
export const TRANSFER_TOPIC = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';
