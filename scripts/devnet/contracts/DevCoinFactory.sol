// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {DevCoin} from "./DevCoin.sol";
import {
    DevBalanceDelta,
    IDevPoolManager,
    IDevUnlockCallback,
    ModifyLiquidityParams,
    PoolKey
} from "./IDevPoolManager.sol";

/// @title DevCoinFactory
/// @notice GigaVibe devnet stand-in for Zora's coin factory. It exposes the same content-coin entry point as
/// ZoraFactoryImpl (`deploy` with postDeployHook and coinSalt, selector and arguments identical to coinFactoryABI in
/// the protocol-deployments npm package) and emits the identical CoinCreatedV4 event, so coins-sdk's createCoin and
/// getCoinCreateFromLogs work unchanged. It creates a DevCoin with CREATE2, initializes an ETH/coin Uniswap v4 pool
/// whose hook is the devnet's coin hook (DevCoinHook: it emits Zora's Swapped event on every swap), and adds the
/// pool's share of the supply as single-sided coin liquidity.
/// @dev The devnet copies this runtime code to Zora's factory address with anvil_setCode (coins-sdk requires the
/// call to go there). That copies no storage and no constructor effects, so there are no immutables and the only
/// state, the PoolManager address in slot 0 and the hook in slot 1, is written with anvil_setStorageAt.
contract DevCoinFactory is IDevUnlockCallback {
    using DevBalanceDelta for int256;

    /// @notice Where the v4 pools live. Slot 0: the devnet writes it directly (see the contract comment).
    IDevPoolManager public poolManager;
    /// @notice The hook new pools get (slot 1, written by the devnet like slot 0); address(0): pools without a hook.
    address public hooks;

    uint256 public constant POOL_SUPPLY = 990_000_000e18;
    uint24 public constant POOL_FEE = 10_000;
    int24 public constant TICK_SPACING = 200;
    string public constant VERSION = "gigavibe-devnet-1";

    uint256 private constant Q96 = 2 ** 96;
    /// @dev floor(sqrt(1.0001) * 2^96), computed once with integer square root.
    uint256 private constant SQRT_1_0001_X96 = 79232123823359799118286999567;
    int24 private constant MAX_ABS_TICK = 400_000;

    event CoinCreatedV4(
        address indexed caller,
        address indexed payoutRecipient,
        address indexed platformReferrer,
        address currency,
        string uri,
        string name,
        string symbol,
        address coin,
        PoolKey poolKey,
        bytes32 poolKeyHash,
        string version
    );

    error NotConfigured();
    error NotPoolManager();
    error EthValueNotSupported();
    error PostDeployHookNotSupported();
    error OwnersRequired();
    error AddressZero();
    error UnsupportedCurrency(address currency);
    error InvalidPoolConfig();
    error LiquidityNotSingleSided();

    struct CoinArgs {
        address payoutRecipient;
        address[] owners;
        string uri;
        string name;
        string symbol;
        address platformReferrer;
        int24 tickLower;
        int24 tickUpper;
    }

    /// @notice Zora's content-coin deploy; poolConfig is Zora's multi-curve encoding
    /// (version, currency, tickLower[], tickUpper[], numDiscoveryPositions[], maxDiscoverySupplyShare[]) of which
    /// the devnet uses the currency (must be ETH) and the first curve's ticks.
    function deploy(
        address payoutRecipient,
        address[] memory owners,
        string memory uri,
        string memory name,
        string memory symbol,
        bytes memory poolConfig,
        address platformReferrer,
        address postDeployHook,
        bytes memory postDeployHookData,
        bytes32 coinSalt
    ) external payable returns (address coin, bytes memory postDeployHookDataOut) {
        if (msg.value != 0) revert EthValueNotSupported();
        if (postDeployHook != address(0) || postDeployHookData.length != 0) revert PostDeployHookNotSupported();
        CoinArgs memory a;
        a.payoutRecipient = payoutRecipient;
        a.owners = owners;
        a.uri = uri;
        a.name = name;
        a.symbol = symbol;
        a.platformReferrer = platformReferrer;
        coin = _deploy(a, poolConfig, coinSalt);
        postDeployHookDataOut = "";
    }

    function _deploy(CoinArgs memory a, bytes memory poolConfig, bytes32 coinSalt) private returns (address coin) {
        if (address(poolManager) == address(0)) revert NotConfigured();
        if (a.payoutRecipient == address(0)) revert AddressZero();
        if (a.owners.length == 0) revert OwnersRequired();
        (a.tickLower, a.tickUpper) = _decodePoolConfig(poolConfig);
        bytes32 salt = _buildSalt(msg.sender, a.name, a.symbol, poolConfig, a.platformReferrer, coinSalt);
        coin = address(new DevCoin{salt: salt}());
        _launch(DevCoin(coin), a);
    }

    /// @notice Address `deploy` will give a coin, computed like Zora's factory (CREATE2 over a salt of the sender and
    /// the coin's parameters).
    function coinAddress(
        address msgSender,
        string memory name,
        string memory symbol,
        bytes memory poolConfig,
        address platformReferrer,
        bytes32 coinSalt
    ) external view returns (address) {
        bytes32 salt = _buildSalt(msgSender, name, symbol, poolConfig, platformReferrer, coinSalt);
        bytes32 hash = keccak256(abi.encodePacked(bytes1(0xff), address(this), salt, keccak256(type(DevCoin).creationCode)));
        return address(uint160(uint256(hash)));
    }

    /// @notice PoolManager callback: add the single-sided coin position and pay for it in coins.
    function unlockCallback(bytes calldata data) external returns (bytes memory) {
        if (msg.sender != address(poolManager)) revert NotPoolManager();
        (PoolKey memory key, int24 tickLower, int24 tickUpper, uint256 liquidity) =
            abi.decode(data, (PoolKey, int24, int24, uint256));
        (int256 delta,) = poolManager.modifyLiquidity(
            key, ModifyLiquidityParams(tickLower, tickUpper, int256(liquidity), bytes32(0)), ""
        );
        // The pool starts at tickUpper, so the position is entirely below the price and needs only the coin.
        if (delta.amount0() != 0 || delta.amount1() >= 0) revert LiquidityNotSingleSided();
        uint256 owed = uint256(uint128(-delta.amount1()));
        poolManager.sync(key.currency1);
        DevCoin(key.currency1).transfer(address(poolManager), owed);
        poolManager.settle();
        return abi.encode(owed);
    }

    function _launch(DevCoin coin, CoinArgs memory a) private {
        PoolKey memory key = PoolKey(address(0), address(coin), POOL_FEE, TICK_SPACING, hooks);
        coin.initialize(a.name, a.symbol, a.uri, a.payoutRecipient, a.platformReferrer, address(poolManager), a.owners, key);

        uint256 sqrtUpper = _sqrtPriceX96AtTick(a.tickUpper);
        uint256 sqrtLower = _sqrtPriceX96AtTick(a.tickLower);
        // Nudge the start price up by 1e-7 (a tick is 5e-5 in sqrt space) so rounding in our tick math can never
        // land the pool one tick below tickUpper, where the position would also need ETH.
        poolManager.initialize(key, uint160(sqrtUpper + sqrtUpper / 10_000_000));
        uint256 liquidity = POOL_SUPPLY * Q96 / (sqrtUpper - sqrtLower);
        poolManager.unlock(abi.encode(key, a.tickLower, a.tickUpper, liquidity));

        // What the pool did not take (about 10M, as with Zora's creator launch reward) goes to the payout recipient.
        coin.transfer(a.payoutRecipient, coin.balanceOf(address(this)));

        emit CoinCreatedV4(
            msg.sender,
            a.payoutRecipient,
            a.platformReferrer,
            address(0),
            a.uri,
            a.name,
            a.symbol,
            address(coin),
            key,
            keccak256(abi.encode(key)),
            VERSION
        );
    }

    function _decodePoolConfig(bytes memory poolConfig) private pure returns (int24 tickLower, int24 tickUpper) {
        (, address currency, int24[] memory lowers, int24[] memory uppers,,) =
            abi.decode(poolConfig, (uint8, address, int24[], int24[], uint16[], uint256[]));
        if (currency != address(0)) revert UnsupportedCurrency(currency);
        if (lowers.length == 0 || uppers.length == 0) revert InvalidPoolConfig();
        tickLower = lowers[0];
        tickUpper = uppers[0];
        if (
            tickLower >= tickUpper || tickLower % TICK_SPACING != 0 || tickUpper % TICK_SPACING != 0
                || tickLower < -MAX_ABS_TICK || tickUpper > MAX_ABS_TICK
        ) revert InvalidPoolConfig();
    }

    function _buildSalt(
        address msgSender,
        string memory name,
        string memory symbol,
        bytes memory poolConfig,
        address platformReferrer,
        bytes32 coinSalt
    ) private pure returns (bytes32) {
        return keccak256(abi.encodePacked(msgSender, name, symbol, poolConfig, platformReferrer, coinSalt));
    }

    /// @dev sqrt(1.0001^tick) * 2^96 by square-and-multiply. Close to, not bit-equal with, v4's TickMath, which is
    /// enough here: the pool takes exact amounts from its own math and we pay whatever it reports.
    function _sqrtPriceX96AtTick(int24 tick) private pure returns (uint256 result) {
        uint256 remaining = tick < 0 ? uint256(-int256(tick)) : uint256(int256(tick));
        uint256 base = SQRT_1_0001_X96;
        result = Q96;
        while (remaining != 0) {
            if (remaining & 1 != 0) result = result * base / Q96;
            remaining >>= 1;
            if (remaining != 0) base = base * base / Q96;
        }
        if (tick < 0) result = Q96 * Q96 / result;
    }
}
