// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {PoolKey} from "./IDevPoolManager.sol";

/// @title DevCoin
/// @notice GigaVibe devnet stand-in for a Zora v4 content coin: an 18-decimal ERC-20 with a fixed supply of
/// 1,000,000,000e18 that answers the read functions our server uses from Zora's coinABI (getPoolKey, currency,
/// poolManager, hooks, payoutRecipient, platformReferrer, tokenURI, contractURI, owners, isOwner). It has no trading
/// logic: trades are plain Uniswap v4 swaps, like real v4 coins.
/// @dev The constructor takes no arguments so the CREATE2 init code hash is a constant and the coin address can be
/// predicted off-chain (the Zora API stand-in does this). Everything else is set once by the factory in initialize.
contract DevCoin {
    uint256 public constant TOTAL_SUPPLY = 1_000_000_000e18;
    uint8 public constant decimals = 18;

    address public immutable factory;

    string public name;
    string public symbol;
    string public tokenURI;
    uint256 public totalSupply;
    address public payoutRecipient;
    address public platformReferrer;
    address public poolManager;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    mapping(address => bool) public isOwner;
    address[] private ownerList;
    PoolKey private poolKey;
    bool private initialized;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    error OnlyFactory();
    error AlreadyInitialized();
    error InsufficientBalance();
    error InsufficientAllowance();

    constructor() {
        factory = msg.sender;
    }

    /// @notice Sets the coin's identity and mints the whole supply to the factory, which seeds the pool with it.
    function initialize(
        string calldata name_,
        string calldata symbol_,
        string calldata uri_,
        address payoutRecipient_,
        address platformReferrer_,
        address poolManager_,
        address[] calldata owners_,
        PoolKey calldata key
    ) external {
        if (msg.sender != factory) revert OnlyFactory();
        if (initialized) revert AlreadyInitialized();
        initialized = true;
        name = name_;
        symbol = symbol_;
        tokenURI = uri_;
        payoutRecipient = payoutRecipient_;
        platformReferrer = platformReferrer_;
        poolManager = poolManager_;
        for (uint256 i = 0; i < owners_.length; i++) {
            if (!isOwner[owners_[i]]) {
                isOwner[owners_[i]] = true;
                ownerList.push(owners_[i]);
            }
        }
        poolKey = key;
        totalSupply = TOTAL_SUPPLY;
        balanceOf[msg.sender] = TOTAL_SUPPLY;
        emit Transfer(address(0), msg.sender, TOTAL_SUPPLY);
    }

    /// @notice The coin's Uniswap v4 pool key, as Zora's coins expose it.
    function getPoolKey() external view returns (PoolKey memory) {
        return poolKey;
    }

    /// @notice Backing currency; address(0) means native ETH.
    function currency() external view returns (address) {
        return poolKey.currency0 == address(this) ? poolKey.currency1 : poolKey.currency0;
    }

    /// @notice The pool's hook contract (none on the devnet).
    function hooks() external view returns (address) {
        return poolKey.hooks;
    }

    /// @notice Zora coins expose their metadata URI under both names.
    function contractURI() external view returns (string memory) {
        return tokenURI;
    }

    /// @notice Everyone with admin rights on the coin.
    function owners() external view returns (address[] memory) {
        return ownerList;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _transfer(msg.sender, to, amount);
        return true;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < amount) revert InsufficientAllowance();
            allowance[from][msg.sender] = allowed - amount;
        }
        _transfer(from, to, amount);
        return true;
    }

    function _transfer(address from, address to, uint256 amount) private {
        uint256 balance = balanceOf[from];
        if (balance < amount) revert InsufficientBalance();
        unchecked {
            balanceOf[from] = balance - amount;
        }
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
    }
}
