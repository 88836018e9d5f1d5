import { describe, expect, it } from 'vitest';
import { decideReceiptRecheck, type RecheckPolicy, untrustedChainAnswer } from './decideReceiptRecheck.ts';
import type { ClaimedRecheck } from './types.ts';

const txHash = `0x${'1'.repeat(64)}`;
const hashA = `0x${'a'.repeat(64)}`;
const hashB = `0x${'b'.repeat(64)}`;
const trade: ClaimedRecheck = { id: 1, chainId: 8453, txHash, blockNumber: 100, blockHash: hashA, checks: 1 };
const policy: RecheckPolicy = { confirmations: 10, provisionalSeconds: 10, retrySeconds: 5 };
const receipt = (blockHash: string, blockNumber = 100n, transactionHash = txHash) => ({
  transactionHash,
  blockHash,
  blockNumber,
});

describe('decideReceiptRecheck', () => {
  it('is final once the head is the confirmations past the same block, provisional before', () => {
    expect(decideReceiptRecheck(trade, { head: 110n, receipt: receipt(hashA) }, policy)).toEqual({
      outcome: 'final',
      blockHash: hashA,
      blockNumber: 100n,
    });
    expect(
      decideReceiptRecheck(trade, { head: 109n, receipt: receipt(hashA.toUpperCase().replace('0X', '0x')) }, policy),
    ).toEqual({
      outcome: 'provisional',
      blockHash: hashA,
      blockNumber: 100n,
      retrySeconds: 10,
    });
    // CHAIN_CONFIRMATIONS=0 (the devnet): final at the first re-check.
    expect(
      decideReceiptRecheck(trade, { head: 100n, receipt: receipt(hashA) }, { ...policy, confirmations: 0 }).outcome,
    ).toBe('final');
  });

  it('asks for the block at the height before believing a receipt gone or moved, then reorged', () => {
    expect(decideReceiptRecheck(trade, { head: 120n, receipt: null }, policy)).toEqual({ outcome: 'read_block' });
    expect(
      decideReceiptRecheck(trade, { head: 120n, receipt: null, blockAtHeight: { hash: hashB, number: 100n } }, policy),
    ).toEqual({
      outcome: 'reorged',
      receipt: null,
    });
    const moved = { head: 120n, receipt: receipt(hashB, 101n) };
    expect(decideReceiptRecheck(trade, moved, policy)).toEqual({ outcome: 'read_block' });
    expect(decideReceiptRecheck(trade, { ...moved, blockAtHeight: { hash: hashB, number: 100n } }, policy)).toEqual({
      outcome: 'reorged',
      receipt: { blockNumber: 101n, blockHash: hashB },
    });
  });

  it('changes nothing when the node disagrees with itself or answers what cannot be used', () => {
    const retry = (reason: string) => ({ outcome: 'retry', retrySeconds: 5, reason });
    // Behind the confirmation (a lagging backend): its missing receipt proves nothing.
    expect(decideReceiptRecheck(trade, { head: 99n, receipt: null }, policy)).toEqual(
      retry('node behind the confirmation'),
    );
    // Its block at that height is still the confirmation's: the missing receipt is the node's problem.
    expect(
      decideReceiptRecheck(trade, { head: 120n, receipt: null, blockAtHeight: { hash: hashA, number: 100n } }, policy),
    ).toEqual(retry('node still has the confirmation block'));
    expect(decideReceiptRecheck(trade, { head: 120n, receipt: null, blockAtHeight: null }, policy)).toEqual(
      retry('node has no block at the confirmation height'),
    );
    // A block of another height offered as the one at the confirmation's.
    expect(
      decideReceiptRecheck(trade, { head: 120n, receipt: null, blockAtHeight: { hash: hashB, number: 101n } }, policy),
    ).toEqual(retry('block of another height'));
    expect(
      decideReceiptRecheck(
        trade,
        { head: 120n, receipt: null, blockAtHeight: { hash: '0xabc', number: 100n } },
        policy,
      ),
    ).toEqual(retry('malformed block hash'));
    // Hostile receipts: another transaction's, a block hash of the wrong length, the same hash at another height.
    expect(
      decideReceiptRecheck(trade, { head: 120n, receipt: receipt(hashA, 100n, `0x${'2'.repeat(64)}`) }, policy),
    ).toEqual(retry('receipt of another transaction'));
    expect(decideReceiptRecheck(trade, { head: 120n, receipt: receipt(`${hashA}00`) }, policy)).toEqual(
      retry('malformed block hash'),
    );
    expect(decideReceiptRecheck(trade, { head: 120n, receipt: receipt(hashA, 101n) }, policy)).toEqual(
      retry('the block hash at another height'),
    );
  });

  it('checks a confirmation kept before hashes were by its block number, and takes the hash', () => {
    const legacy = { ...trade, blockHash: null };
    expect(decideReceiptRecheck(legacy, { head: 120n, receipt: receipt(hashB) }, policy)).toEqual({
      outcome: 'final',
      blockHash: hashB,
      blockNumber: 100n,
    });
    expect(
      decideReceiptRecheck(
        legacy,
        { head: 120n, receipt: receipt(hashB, 102n), blockAtHeight: { hash: hashA, number: 100n } },
        policy,
      ),
    ).toEqual({ outcome: 'reorged', receipt: { blockNumber: 102n, blockHash: hashB } });
  });
});

describe('untrustedChainAnswer', () => {
  it('refuses answers about another transaction and malformed blocks', () => {
    expect(untrustedChainAnswer(txHash, receipt(hashA), { hash: txHash.toUpperCase().replace('0X', '0x') })).toBeNull();
    expect(untrustedChainAnswer(txHash, null, null)).toBeNull();
    expect(untrustedChainAnswer(txHash, receipt(hashA), { hash: `0x${'3'.repeat(64)}` })).toBe(
      'transaction of another hash',
    );
    expect(untrustedChainAnswer(txHash, { ...receipt(hashA), blockHash: null }, null)).toBe('malformed block hash');
    expect(untrustedChainAnswer(txHash, { ...receipt(hashA), blockNumber: -1n }, null)).toBe('malformed block number');
  });
});
