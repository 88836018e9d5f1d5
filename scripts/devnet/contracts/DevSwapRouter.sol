// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {DevBalanceDelta, IDevPoolManager, IDevUnlockCallback, PoolKey, SwapParams} from "./IDevPoolManager.sol";

interface IDevCoinPoolKey {
    function getPoolKey() external view returns (PoolKey memory);
}

/// @title DevSwapRouter
/// @notice GigaVibe devnet router for ETH -> coin buys through the Uniswap v4 PoolManager. The Zora API stand-in
/// returns calls to it from POST /quote, where the real API returns a Universal Router call.
contract DevSwapRouter is IDevUnlockCallback {
    using DevBalanceDelta for int256;

    /// @dev v4 TickMath.MIN_SQRT_PRICE + 1: no price limit for a zeroForOne swap.
    uint160 private constant NO_LIMIT_ZERO_FOR_ONE = 4295128740;

    IDevPoolManager public immutable poolManager;

    event Bought(address indexed coin, address indexed buyer, address indexed recipient, uint256 ethIn, uint256 amountOut);

    error NotPoolManager();
    error NotEthPool();
    error ZeroValue();
    error TooLittleReceived(uint256 amountOut, uint256 minAmountOut);
    error RefundFailed();

    constructor(IDevPoolManager poolManager_) {
        poolManager = poolManager_;
    }

    /// @notice Spends msg.value on `coin` (exact input) and sends the coins to `recipient`; unspent ETH is refunded.
    function buyWithEth(address coin, uint256 minAmountOut, address recipient)
        external
        payable
        returns (uint256 amountOut)
    {
        if (msg.value == 0) revert ZeroValue();
        PoolKey memory key = IDevCoinPoolKey(coin).getPoolKey();
        if (key.currency0 != address(0) || key.currency1 != coin) revert NotEthPool();
        uint256 ethSpent;
        (amountOut, ethSpent) = abi.decode(poolManager.unlock(abi.encode(key, msg.value, recipient)), (uint256, uint256));
        if (amountOut < minAmountOut) revert TooLittleReceived(amountOut, minAmountOut);
        if (ethSpent < msg.value) {
            (bool ok,) = msg.sender.call{value: msg.value - ethSpent}("");
            if (!ok) revert RefundFailed();
        }
        emit Bought(coin, msg.sender, recipient, ethSpent, amountOut);
    }

    /// @notice PoolManager callback: swap, pay the ETH owed, take the coins for the recipient.
    function unlockCallback(bytes calldata data) external returns (bytes memory) {
        if (msg.sender != address(poolManager)) revert NotPoolManager();
        (PoolKey memory key, uint256 amountIn, address recipient) = abi.decode(data, (PoolKey, uint256, address));
        int256 delta = poolManager.swap(key, SwapParams(true, -int256(amountIn), NO_LIMIT_ZERO_FOR_ONE), "");
        uint256 ethSpent = uint256(uint128(-delta.amount0()));
        uint256 amountOut = uint256(uint128(delta.amount1()));
        poolManager.settle{value: ethSpent}();
        poolManager.take(key.currency1, recipient, amountOut);
        return abi.encode(amountOut, ethSpent);
    }
}
