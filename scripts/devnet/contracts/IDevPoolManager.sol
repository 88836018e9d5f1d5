// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

/// @notice The Uniswap v4 pool key, laid out like v4-core's PoolKey so ABI encodings and pool ids match.
struct PoolKey {
    address currency0;
    address currency1;
    uint24 fee;
    int24 tickSpacing;
    address hooks;
}

/// @notice v4-core's ModifyLiquidityParams layout.
struct ModifyLiquidityParams {
    int24 tickLower;
    int24 tickUpper;
    int256 liquidityDelta;
    bytes32 salt;
}

/// @notice v4-core's SwapParams layout (negative amountSpecified = exact input).
struct SwapParams {
    bool zeroForOne;
    int256 amountSpecified;
    uint160 sqrtPriceLimitX96;
}

/// @notice The subset of the Uniswap v4 PoolManager (v4-core 1.0.2) that the devnet contracts call. Written by hand
/// from the published ABI so our sources do not depend on v4-core's Solidity files.
interface IDevPoolManager {
    function initialize(PoolKey calldata key, uint160 sqrtPriceX96) external returns (int24 tick);
    function unlock(bytes calldata data) external returns (bytes memory);
    function modifyLiquidity(PoolKey calldata key, ModifyLiquidityParams calldata params, bytes calldata hookData)
        external
        returns (int256 callerDelta, int256 feesAccrued);
    function swap(PoolKey calldata key, SwapParams calldata params, bytes calldata hookData)
        external
        returns (int256 swapDelta);
    function sync(address currency) external;
    function settle() external payable returns (uint256 paid);
    function take(address currency, address to, uint256 amount) external;
}

/// @notice Callback the PoolManager makes on whoever called unlock.
interface IDevUnlockCallback {
    function unlockCallback(bytes calldata data) external returns (bytes memory);
}

/// @notice BalanceDelta packs amount0 in the high 128 bits and amount1 in the low 128 bits (v4-core BalanceDelta).
library DevBalanceDelta {
    function amount0(int256 delta) internal pure returns (int128) {
        return int128(delta >> 128);
    }

    function amount1(int256 delta) internal pure returns (int128) {
        return int128(delta);
    }
}
