// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {PoolKey, SwapParams} from "./IDevPoolManager.sol";

interface IDevExtsload {
    function extsload(bytes32 slot) external view returns (bytes32);
}

/// @title DevCoinHook
/// @notice GigaVibe devnet stand-in for Zora's coin hook (ZoraV4CoinHook): a Uniswap v4 hook whose afterSwap emits
/// Zora's `Swapped` event with the identical signature (so topic0 and the ABI encoding match Base), carrying the pool
/// key, its hash, the swap parameters, the swapper's deltas, whether the coin was bought and the pool's sqrtPriceX96
/// after the swap. It takes no fees and changes no amounts.
/// @dev v4 reads a hook's permissions from the low 14 bits of its address, so the devnet places this runtime code at
/// an address whose low bits are exactly AFTER_SWAP_FLAG (1 << 6) with anvil_setCode, and writes the PoolManager
/// address to slot 0 with anvil_setStorageAt (no constructor, no immutables). No router is trusted to name the real
/// swapper (Zora trusts routers that implement msgSender()), so swapSender is the caller of PoolManager.swap and
/// isTrustedSwapSenderAddress is false; an indexer then takes the trader from the transaction's sender. Pools are
/// ETH/coin, ETH being currency0, so a zeroForOne swap (ETH in) is a coin buy.
contract DevCoinHook {
    /// @notice The PoolManager allowed to call the hook. Slot 0: the devnet writes it directly.
    address public poolManager;

    /// @dev v4-core's PoolManager keeps `mapping(PoolId => Pool.State) _pools` at slot 6; slot0 is its first word.
    uint256 private constant POOLS_SLOT = 6;

    event Swapped(
        address indexed sender,
        address indexed swapSender,
        bool isTrustedSwapSenderAddress,
        PoolKey key,
        bytes32 indexed poolKeyHash,
        SwapParams params,
        int128 amount0,
        int128 amount1,
        bool isCoinBuy,
        bytes hookData,
        uint160 sqrtPriceX96
    );

    error NotPoolManager();

    /// @notice v4 IHooks.afterSwap: emit Swapped; the hook takes no delta.
    function afterSwap(
        address sender,
        PoolKey calldata key,
        SwapParams calldata params,
        int256 delta,
        bytes calldata hookData
    ) external returns (bytes4, int128) {
        if (msg.sender != poolManager || poolManager == address(0)) revert NotPoolManager();
        _emitSwapped(sender, key, params, delta, hookData);
        return (DevCoinHook.afterSwap.selector, 0);
    }

    function _emitSwapped(
        address sender,
        PoolKey memory key,
        SwapParams memory params,
        int256 delta,
        bytes memory hookData
    ) private {
        bytes32 poolKeyHash = keccak256(abi.encode(key));
        uint160 sqrtPriceX96 = _sqrtPriceX96(poolKeyHash);
        emit Swapped(
            sender,
            sender,
            false,
            key,
            poolKeyHash,
            params,
            int128(delta >> 128),
            int128(delta),
            params.zeroForOne,
            hookData,
            sqrtPriceX96
        );
    }

    /// @dev slot0's low 160 bits, read like v4-core's StateLibrary.getSlot0.
    function _sqrtPriceX96(bytes32 poolId) private view returns (uint160) {
        bytes32 slot0 = IDevExtsload(poolManager).extsload(keccak256(abi.encodePacked(poolId, POOLS_SLOT)));
        return uint160(uint256(slot0));
    }
}
