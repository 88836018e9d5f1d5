import { type Address, getAddress, type Hex, isAddress, isAddressEqual } from 'viem';

/** What the job recorded before it sent anything (record_coin_intent), and the hash once it was sent. */
export interface RecordedIntent {
  sender: string | null;
  nonce: number | null;
  predictedCoinAddress: string | null;
  chainId: number | null;
  txHash: string | null;
}

/** The part of a receipt the decision reads; the adapter passes viem's receipt, and gets it back to confirm from. */
export interface MinedTransaction {
  status: 'success' | 'reverted';
  transactionHash: Hex;
}

/** Where the search for this job's CoinCreatedV4 event ended: found in a mined transaction (its receipt), or not
 * found in blocks `from`..`to` (the lookback window below the latest block). */
export type CreationSearch<R extends MinedTransaction> =
  | { found: true; receipt: R }
  | { found: false; from: bigint; to: bigint };

/** What the chain said, each fact gathered only when the decision asks for it (undefined: not asked yet). */
export interface CoinRecoveryFacts<R extends MinedTransaction = MinedTransaction> {
  intent: RecordedIntent;
  /** The platform wallet and chain this process is configured with. */
  configured: { sender: Address; chainId: number };
  /** How far back the search looks (blocks), for the messages. */
  lookbackBlocks: bigint;
  /** The receipt of the recorded transaction; null: the node has no receipt for it. */
  recordedReceipt?: R | null;
  /** The sender's transaction count in the latest block (mined) and including the node's pending pool. */
  nonces?: { latest: number; pending: number };
  creation?: CreationSearch<R>;
  /** Whether code exists at the predicted coin address. */
  predictedCoinHasCode?: boolean;
  /** The sender's transaction count at the end of block `creation.from - 1`, i.e. before the searched window;
   * 'unavailable' when the node keeps no state that old. */
  nonceBeforeSearch?: number | 'unavailable';
  /** An RPC call failed while gathering a fact. */
  rpcError?: string;
}

/** A fact the decision needs before it can answer. */
export type CoinRecoveryQuestion =
  | 'recordedReceipt'
  | 'nonces'
  | 'creation'
  | 'predictedCoinHasCode'
  | 'nonceBeforeSearch';

/** The answer for a job that may already have sent its transaction:
 * - confirm: this receipt holds the job's coin (its event is still checked against the intended coin);
 * - wait: nothing is sent now; a transaction of ours may still be mined, or the coin may exist; look again later;
 * - resend: the nonce slot is free; send again with exactly this nonce (whatever was sent before competes for it);
 * - send_fresh: the slot is spent without our coin; a transaction with a new nonce cannot duplicate anything;
 * - fail: permanently, with the reason;
 * - misconfigured: the intent belongs to another wallet or chain; wait until that one is configured;
 * - retry_later: the chain could not be asked (an RPC failed);
 * - ask: gather this fact, then decide again. */
export type CoinRecoveryDecision<R extends MinedTransaction = MinedTransaction> =
  | { kind: 'ask'; fact: CoinRecoveryQuestion }
  | { kind: 'confirm'; receipt: R }
  | { kind: 'wait'; reason: string }
  | { kind: 'resend'; nonce: number }
  | { kind: 'send_fresh'; reason: string }
  | { kind: 'fail'; reason: string }
  | { kind: 'misconfigured'; reason: string }
  | { kind: 'retry_later'; error: string };

const sameAddress = (recorded: string | null, configured: Address) =>
  recorded !== null && isAddress(recorded, { strict: false }) && isAddressEqual(getAddress(recorded), configured);

/**
 * Decide a recovery (a job claimed with recovery: true, because a worker died or gave up after record_coin_intent)
 * from what the chain says, asking for one fact at a time so that nothing is looked up that the answer does not
 * need. Nothing may be sent before the chain has been asked. It rests on one rule: an account executes each nonce at
 * most once, so the intent's (sender, nonce) is the only slot the job's transaction could ever occupy.
 *
 * 1. The intent must be for the configured wallet and chain; otherwise its slot cannot be inspected (misconfigured).
 * 2. A recorded transaction with a receipt settles it: success -> confirm; reverted -> its nonce is spent without a
 *    coin, so a fresh transaction cannot duplicate anything.
 * 3. Mined count above the nonce: the slot is used. The job's CoinCreatedV4 found -> confirm. Not found: if the
 *    predicted coin has code, the coin exists and its event is out of reach -> wait, never send. If the search window
 *    covers the block where the nonce was spent (it starts at genesis, or the nonce was still unused just before it),
 *    the slot went to something else (a reverted create, or another job that raced for the same pending nonce) ->
 *    send fresh. If the nonce was already spent before the window, our coin may exist outside it -> fail: sending
 *    could duplicate it, and waiting cannot help since the window only moves away from that block. If the node cannot
 *    say (no state that old) -> wait.
 * 4. Slot unused but the pending count is above it: a transaction for it is in the pool -> wait for it to be mined.
 * 5. Slot unused, nothing pending: resend with the SAME nonce; at most one of the competitors is ever mined.
 *
 * Pure.
 */
export function decideCoinRecovery<R extends MinedTransaction>(facts: CoinRecoveryFacts<R>): CoinRecoveryDecision<R> {
  const { intent, configured } = facts;
  if (!sameAddress(intent.sender, configured.sender)) {
    return {
      kind: 'misconfigured',
      reason: `the intent was recorded for sender ${intent.sender}, not the configured platform wallet ${configured.sender}; configure that wallet to recover it`,
    };
  }
  if (intent.chainId !== configured.chainId) {
    return {
      kind: 'misconfigured',
      reason: `the intent was recorded on chain ${intent.chainId}, but CHAIN_ID is ${configured.chainId}`,
    };
  }
  if (facts.rpcError !== undefined) return { kind: 'retry_later', error: `recovery RPC failed: ${facts.rpcError}` };

  if (intent.txHash !== null) {
    if (facts.recordedReceipt === undefined) return { kind: 'ask', fact: 'recordedReceipt' };
    if (facts.recordedReceipt?.status === 'success') return { kind: 'confirm', receipt: facts.recordedReceipt };
    if (facts.recordedReceipt?.status === 'reverted') {
      return {
        kind: 'send_fresh',
        reason: `the recorded transaction ${facts.recordedReceipt.transactionHash} reverted; its nonce is spent`,
      };
    }
  }
  const nonce = intent.nonce;
  if (nonce === null) return { kind: 'fail', reason: 'recovery impossible: the intent has no nonce' };
  if (facts.nonces === undefined) return { kind: 'ask', fact: 'nonces' };

  if (facts.nonces.latest > nonce) {
    if (facts.creation === undefined) return { kind: 'ask', fact: 'creation' };
    if (facts.creation.found) return { kind: 'confirm', receipt: facts.creation.receipt };
    const { from, to } = facts.creation;
    if (intent.predictedCoinAddress !== null) {
      if (facts.predictedCoinHasCode === undefined) return { kind: 'ask', fact: 'predictedCoinHasCode' };
      if (facts.predictedCoinHasCode) {
        return {
          kind: 'wait',
          reason: `coin ${intent.predictedCoinAddress} exists but its CoinCreatedV4 event was not found in the last ${facts.lookbackBlocks} blocks; not sending again`,
        };
      }
    }
    const somethingElse = `nonce ${nonce} was used without creating this job's coin (no CoinCreatedV4 in blocks ${from}..${to})`;
    if (from === 0n) return { kind: 'send_fresh', reason: somethingElse };
    if (facts.nonceBeforeSearch === undefined) return { kind: 'ask', fact: 'nonceBeforeSearch' };
    if (facts.nonceBeforeSearch === 'unavailable') {
      return {
        kind: 'wait',
        reason: `nonce ${nonce} is used, no CoinCreatedV4 in blocks ${from}..${to}, and the node cannot tell whether the nonce was spent before block ${from}; not sending again`,
      };
    }
    if (facts.nonceBeforeSearch <= nonce) return { kind: 'send_fresh', reason: somethingElse };
    return {
      kind: 'fail',
      reason: `nonce ${nonce} was spent before block ${from}, outside the ${facts.lookbackBlocks}-block lookback window, so whether it created this coin cannot be told; not sending again (find the sender's transaction with that nonce and record its coin by hand)`,
    };
  }
  if (facts.nonces.pending > nonce) {
    return { kind: 'wait', reason: `a transaction with nonce ${nonce} is pending; waiting for it to be mined` };
  }
  return { kind: 'resend', nonce };
}
