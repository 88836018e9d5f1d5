import type { ClaimedRecheck, ReceiptRecheck } from './types.ts';

const BLOCK_HASH = /^0x[0-9a-fA-F]{64}$/;

/** The parts of a receipt a re-check reads (viem's TransactionReceipt has them). */
export interface ReceiptSeen {
  transactionHash: string;
  blockHash: string;
  blockNumber: bigint;
}

/** What the node answered for a re-check: its head (read before the receipt), the receipt (null: the node has none),
 * and, only when the receipt is gone or in another block, the hash of the node's block at the confirmation's height
 * (null: the node has no block there; undefined: not read yet). */
export interface RecheckChain {
  head: bigint;
  receipt: ReceiptSeen | null;
  blockAtHeight?: { hash: string | null; number: bigint | null } | null;
}

/** Policy of a re-check: CHAIN_CONFIRMATIONS, and the delays before reading a provisional confirmation again (still
 * in its block, not deep enough yet) and after an answer that cannot be acted on (backing off). */
export interface RecheckPolicy {
  confirmations: number;
  provisionalSeconds: number;
  retrySeconds: number;
}

/** Why a node's answer about `txHash` cannot be used, or null: a receipt or transaction of another transaction, a
 * receipt whose block hash is not 32 bytes of hex or whose block number is not a block number. Such an answer changes
 * nothing (the caller retries later): a node that answers for another transaction could confirm a trade with another
 * transaction's coins, and a malformed hash could never be compared again. */
export function untrustedChainAnswer(
  txHash: string,
  receipt: { transactionHash?: string; blockHash?: string | null; blockNumber?: bigint } | null,
  transaction: { hash?: string } | null,
): string | null {
  const wanted = txHash.toLowerCase();
  if (receipt !== null) {
    if (typeof receipt.transactionHash !== 'string' || receipt.transactionHash.toLowerCase() !== wanted) {
      return 'receipt of another transaction';
    }
    if (typeof receipt.blockHash !== 'string' || !BLOCK_HASH.test(receipt.blockHash)) return 'malformed block hash';
    if (typeof receipt.blockNumber !== 'bigint' || receipt.blockNumber < 0n) return 'malformed block number';
  }
  if (transaction !== null && (typeof transaction.hash !== 'string' || transaction.hash.toLowerCase() !== wanted)) {
    return 'transaction of another hash';
  }
  return null;
}

/** Decide a re-check of a provisional receipt confirmation. The receipt still in the confirmation's block (same block
 * hash; for a confirmation kept before hashes were, same block number) is final once the head is `confirmations`
 * blocks past it, else provisional (read again later). A receipt gone, or in another block, is a reorg only when the
 * node agrees with itself: its head reached the confirmation's block, and its block at that height is another block
 * than the confirmation's (answers `read_block` until the caller has read it). Anything else (a node behind the
 * confirmation, a receipt of another transaction, a malformed hash, a node whose block at that height is still the
 * confirmation's) changes nothing: retry later. Pure. */
export function decideReceiptRecheck(
  trade: ClaimedRecheck,
  chain: RecheckChain,
  policy: RecheckPolicy,
): ReceiptRecheck | { outcome: 'read_block' } {
  const retry = (reason: string): ReceiptRecheck => ({ outcome: 'retry', retrySeconds: policy.retrySeconds, reason });
  const block = BigInt(trade.blockNumber);
  const { head, receipt } = chain;
  if (head < block) return retry('node behind the confirmation');
  let elsewhere: { blockNumber: bigint; blockHash: string } | null = null;
  if (receipt !== null) {
    const untrusted = untrustedChainAnswer(trade.txHash, receipt, null);
    if (untrusted !== null) return retry(untrusted);
    const hash = receipt.blockHash.toLowerCase();
    const same = trade.blockHash === null ? receipt.blockNumber === block : hash === trade.blockHash;
    if (same) {
      if (receipt.blockNumber !== block) return retry('the block hash at another height');
      if (head - block >= BigInt(policy.confirmations))
        return { outcome: 'final', blockHash: hash, blockNumber: block };
      return { outcome: 'provisional', blockHash: hash, blockNumber: block, retrySeconds: policy.provisionalSeconds };
    }
    elsewhere = { blockNumber: receipt.blockNumber, blockHash: hash };
  }
  // Gone or moved: believed only if the node's own block at that height is no longer the confirmation's.
  if (chain.blockAtHeight === undefined) return { outcome: 'read_block' };
  const canonical = chain.blockAtHeight?.hash ?? null;
  if (canonical === null) return retry('node has no block at the confirmation height');
  if (chain.blockAtHeight?.number !== block) return retry('block of another height');
  if (!BLOCK_HASH.test(canonical)) return retry('malformed block hash');
  if (trade.blockHash !== null && canonical.toLowerCase() === trade.blockHash) {
    return retry('node still has the confirmation block');
  }
  return { outcome: 'reorged', receipt: elsewhere };
}
