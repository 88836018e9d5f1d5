// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {DevBalanceDelta, IDevPoolManager, IDevUnlockCallback, PoolKey, SwapParams} from "./IDevPoolManager.sol";

interface IDevCoinPoolKey {
    function getPoolKey() external view returns (PoolKey memory);
}

interface IDevErc20 {
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function transfer(address to, uint256 amount) external returns (bool);
}

/// @title DevSwapRouter
/// @notice GigaVibe devnet router for ETH -> coin buys and coin -> ETH sells through the Uniswap v4 PoolManager. The
/// Zora API stand-in returns calls to it from POST /quote, where the real API returns a Universal Router call. A sell
/// pulls the coins from the caller with an ERC-20 allowance (an approve transaction), where the Universal Router pulls
/// them through Permit2.
contract DevSwapRouter is IDevUnlockCallback {
    using DevBalanceDelta for int256;

    /// @dev v4 TickMath.MIN_SQRT_PRICE + 1: no price limit for a zeroForOne swap.
    uint160 private constant NO_LIMIT_ZERO_FOR_ONE = 4295128740;
    /// @dev v4 TickMath.MAX_SQRT_PRICE - 1: no price limit for a oneForZero swap.
    uint160 private constant NO_LIMIT_ONE_FOR_ZERO = 1461446703485210103287273052203988822378723970341;

    uint8 private constant BUY = 0;
    uint8 private constant SELL = 1;
    uint8 private constant QUOTE_SELL = 2;

    IDevPoolManager public immutable poolManager;

    event Bought(address indexed coin, address indexed buyer, address indexed recipient, uint256 ethIn, uint256 amountOut);

    error NotPoolManager();
    error NotEthPool();
    error ZeroValue();
    error TooLittleReceived(uint256 amountOut, uint256 minAmountOut);
    error RefundFailed();
    error ZeroAmount();
    error SellQuote(uint256 ethOut, uint256 coinsIn);

    event Sold(address indexed coin, address indexed seller, address indexed recipient, uint256 amountIn, uint256 ethOut);

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
        (amountOut, ethSpent) =
            abi.decode(poolManager.unlock(abi.encode(BUY, key, msg.value, recipient)), (uint256, uint256));
        if (amountOut < minAmountOut) revert TooLittleReceived(amountOut, minAmountOut);
        if (ethSpent < msg.value) {
            (bool ok,) = msg.sender.call{value: msg.value - ethSpent}("");
            if (!ok) revert RefundFailed();
        }
        emit Bought(coin, msg.sender, recipient, ethSpent, amountOut);
    }

    /// @notice Sells exactly `amountIn` of `coin` (pulled from the caller, who must have approved this router) for ETH
    /// sent to `recipient`; reverts below `minEthOut`.
    function sellForEth(address coin, uint256 amountIn, uint256 minEthOut, address recipient)
        external
        returns (uint256 ethOut)
    {
        if (amountIn == 0) revert ZeroAmount();
        PoolKey memory key = IDevCoinPoolKey(coin).getPoolKey();
        if (key.currency0 != address(0) || key.currency1 != coin) revert NotEthPool();
        IDevErc20(coin).transferFrom(msg.sender, address(this), amountIn);
        uint256 coinsPaid;
        (ethOut, coinsPaid) =
            abi.decode(poolManager.unlock(abi.encode(SELL, key, amountIn, recipient)), (uint256, uint256));
        if (ethOut < minEthOut) revert TooLittleReceived(ethOut, minEthOut);
        if (coinsPaid < amountIn) IDevErc20(coin).transfer(msg.sender, amountIn - coinsPaid);
        emit Sold(coin, msg.sender, recipient, amountIn, ethOut);
    }

    /// @notice The ETH that selling `amountIn` of `coin` would pay right now (the swap is run and reverted, so nobody
    /// needs to hold or approve the coins); the Zora API stand-in quotes sells with it.
    function quoteSell(address coin, uint256 amountIn) external returns (uint256 ethOut) {
        if (amountIn == 0) revert ZeroAmount();
        PoolKey memory key = IDevCoinPoolKey(coin).getPoolKey();
        if (key.currency0 != address(0) || key.currency1 != coin) revert NotEthPool();
        try poolManager.unlock(abi.encode(QUOTE_SELL, key, amountIn, address(0))) {
            revert NotPoolManager();
        } catch (bytes memory reason) {
            if (reason.length != 68 || bytes4(reason) != SellQuote.selector) {
                assembly {
                    revert(add(reason, 32), mload(reason))
                }
            }
            uint256 coinsIn;
            assembly {
                ethOut := mload(add(reason, 36))
                coinsIn := mload(add(reason, 68))
            }
            if (coinsIn < amountIn) revert TooLittleReceived(coinsIn, amountIn);
        }
    }

    /// @notice PoolManager callback: swap, pay what is owed, take the output for the recipient.
    function unlockCallback(bytes calldata data) external returns (bytes memory) {
        if (msg.sender != address(poolManager)) revert NotPoolManager();
        (uint8 mode, PoolKey memory key, uint256 amountIn, address recipient) =
            abi.decode(data, (uint8, PoolKey, uint256, address));
        if (mode == SELL) return _sell(key, amountIn, recipient);
        if (mode == QUOTE_SELL) {
            int256 quoted = poolManager.swap(key, SwapParams(false, -int256(amountIn), NO_LIMIT_ONE_FOR_ZERO), "");
            revert SellQuote(uint256(uint128(quoted.amount0())), uint256(uint128(-quoted.amount1())));
        }
        int256 delta = poolManager.swap(key, SwapParams(true, -int256(amountIn), NO_LIMIT_ZERO_FOR_ONE), "");
        uint256 ethSpent = uint256(uint128(-delta.amount0()));
        uint256 amountOut = uint256(uint128(delta.amount1()));
        poolManager.settle{value: ethSpent}();
        poolManager.take(key.currency1, recipient, amountOut);
        return abi.encode(amountOut, ethSpent);
    }

    /// @dev Coin -> ETH: swap the coins in, pay them to the PoolManager (sync, transfer, settle), take the ETH out.
    function _sell(PoolKey memory key, uint256 amountIn, address recipient) private returns (bytes memory) {
        int256 delta = poolManager.swap(key, SwapParams(false, -int256(amountIn), NO_LIMIT_ONE_FOR_ZERO), "");
        uint256 coinsPaid = uint256(uint128(-delta.amount1()));
        uint256 ethOut = uint256(uint128(delta.amount0()));
        poolManager.sync(key.currency1);
        IDevErc20(key.currency1).transfer(address(poolManager), coinsPaid);
        poolManager.settle();
        poolManager.take(address(0), recipient, ethOut);
        return abi.encode(ethOut, coinsPaid);
    }
}
