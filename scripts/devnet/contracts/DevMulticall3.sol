// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

/// @title DevMulticall3
/// @notice GigaVibe devnet stand-in for Multicall3, written from its public interface. It is copied to the canonical
/// address 0xcA11bde05977b3631167028862bE2a173976CA11 with anvil_setCode, so it must not depend on constructor
/// state or immutables: anvil_setCode copies runtime code only.
contract DevMulticall3 {
    struct Call {
        address target;
        bytes callData;
    }

    struct Call3 {
        address target;
        bool allowFailure;
        bytes callData;
    }

    struct Call3Value {
        address target;
        bool allowFailure;
        uint256 value;
        bytes callData;
    }

    struct Result {
        bool success;
        bytes returnData;
    }

    error CallFailed(uint256 index);
    error ValueMismatch();

    /// @notice viem's `multicall` action encodes every batch as aggregate3, so this is the function that matters.
    function aggregate3(Call3[] calldata calls) external payable returns (Result[] memory results) {
        results = new Result[](calls.length);
        for (uint256 i = 0; i < calls.length; i++) {
            (bool ok, bytes memory data) = calls[i].target.call(calls[i].callData);
            if (!ok && !calls[i].allowFailure) revert CallFailed(i);
            results[i] = Result(ok, data);
        }
    }

    /// @notice Same as aggregate3 but forwards ETH per call; the total must equal msg.value.
    function aggregate3Value(Call3Value[] calldata calls) external payable returns (Result[] memory results) {
        results = new Result[](calls.length);
        uint256 total = 0;
        for (uint256 i = 0; i < calls.length; i++) {
            total += calls[i].value;
            (bool ok, bytes memory data) = calls[i].target.call{value: calls[i].value}(calls[i].callData);
            if (!ok && !calls[i].allowFailure) revert CallFailed(i);
            results[i] = Result(ok, data);
        }
        if (total != msg.value) revert ValueMismatch();
    }

    /// @notice The original Multicall interface: every call must succeed.
    function aggregate(Call[] calldata calls) external payable returns (uint256 blockNumber, bytes[] memory returnData) {
        blockNumber = block.number;
        returnData = new bytes[](calls.length);
        for (uint256 i = 0; i < calls.length; i++) {
            (bool ok, bytes memory data) = calls[i].target.call(calls[i].callData);
            if (!ok) revert CallFailed(i);
            returnData[i] = data;
        }
    }

    /// @notice Multicall2-style batch where failures are reported instead of reverting, unless requireSuccess.
    function tryAggregate(bool requireSuccess, Call[] calldata calls) external payable returns (Result[] memory results) {
        results = new Result[](calls.length);
        for (uint256 i = 0; i < calls.length; i++) {
            (bool ok, bytes memory data) = calls[i].target.call(calls[i].callData);
            if (!ok && requireSuccess) revert CallFailed(i);
            results[i] = Result(ok, data);
        }
    }

    /// @notice Lets a batch read native balances next to ERC-20 balances.
    function getEthBalance(address addr) external view returns (uint256) {
        return addr.balance;
    }

    /// @notice Current block number, for batches that need a consistent snapshot marker.
    function getBlockNumber() external view returns (uint256) {
        return block.number;
    }

    /// @notice Current block timestamp.
    function getCurrentBlockTimestamp() external view returns (uint256) {
        return block.timestamp;
    }

    /// @notice Chain id, so a batch can confirm it runs on the devnet (8453).
    function getChainId() external view returns (uint256) {
        return block.chainid;
    }

    /// @notice Current base fee.
    function getBasefee() external view returns (uint256) {
        return block.basefee;
    }

    /// @notice Hash of a recent block.
    function getBlockHash(uint256 blockNumber) external view returns (bytes32) {
        return blockhash(blockNumber);
    }

    /// @notice Hash of the previous block.
    function getLastBlockHash() external view returns (bytes32) {
        return blockhash(block.number - 1);
    }
}
