import type { Address, Hex } from 'viem';
import { describe, expect, it } from 'vitest';
import { type CoinRecoveryFacts, decideCoinRecovery, type MinedTransaction } from './decideCoinRecovery.ts';

const sender = '0x1111111111111111111111111111111111111111' as Address;
const predicted = '0x2222222222222222222222222222222222222222';
const recordedTx = `0x${'a'.repeat(64)}` as Hex;
const eventTx = `0x${'e'.repeat(64)}` as Hex;

/** A job recorded nonce 7 for the configured wallet on Base, with a predicted coin address, and sent nothing yet. */
const facts = (over: Partial<CoinRecoveryFacts> = {}, intent: Partial<CoinRecoveryFacts['intent']> = {}) =>
  ({
    intent: {
      sender: sender.toLowerCase(),
      nonce: 7,
      predictedCoinAddress: predicted,
      chainId: 8453,
      txHash: null,
      ...intent,
    },
    configured: { sender, chainId: 8453 },
    lookbackBlocks: 1000n,
    ...over,
  }) satisfies CoinRecoveryFacts;

const mined = (status: MinedTransaction['status'], transactionHash = recordedTx): MinedTransaction => ({
  status,
  transactionHash,
});
const notFound = { found: false, from: 5000n, to: 6000n } as const;

describe('decideCoinRecovery', () => {
  it('waits, without asking the chain, when the intent was recorded for another sender', () => {
    const other = '0x3333333333333333333333333333333333333333';
    expect(decideCoinRecovery(facts({}, { sender: other }))).toEqual({
      kind: 'misconfigured',
      reason: `the intent was recorded for sender ${other}, not the configured platform wallet ${sender}; configure that wallet to recover it`,
    });
    expect(decideCoinRecovery(facts({}, { sender: null }))).toMatchObject({ kind: 'misconfigured' });
    expect(decideCoinRecovery(facts({}, { sender: 'not an address' }))).toMatchObject({ kind: 'misconfigured' });
  });

  it('waits, without asking the chain, when the intent was recorded on another chain', () => {
    expect(decideCoinRecovery(facts({}, { chainId: 84532 }))).toEqual({
      kind: 'misconfigured',
      reason: 'the intent was recorded on chain 84532, but CHAIN_ID is 8453',
    });
    expect(decideCoinRecovery(facts({}, { chainId: null }))).toMatchObject({ kind: 'misconfigured' });
  });

  it('asks for the recorded transaction first, and confirms from it when it was mined with success', () => {
    expect(decideCoinRecovery(facts({}, { txHash: recordedTx }))).toEqual({ kind: 'ask', fact: 'recordedReceipt' });
    const receipt = mined('success');
    expect(decideCoinRecovery(facts({ recordedReceipt: receipt }, { txHash: recordedTx }))).toEqual({
      kind: 'confirm',
      receipt,
    });
  });

  it('sends fresh when the recorded transaction reverted: its nonce is spent without a coin', () => {
    expect(decideCoinRecovery(facts({ recordedReceipt: mined('reverted') }, { txHash: recordedTx }))).toEqual({
      kind: 'send_fresh',
      reason: `the recorded transaction ${recordedTx} reverted; its nonce is spent`,
    });
  });

  it('goes on to the nonce when the recorded transaction has no receipt', () => {
    expect(decideCoinRecovery(facts({ recordedReceipt: null }, { txHash: recordedTx }))).toEqual({
      kind: 'ask',
      fact: 'nonces',
    });
  });

  it('fails when the intent has no nonce and no receipt settles it', () => {
    expect(decideCoinRecovery(facts({}, { nonce: null }))).toEqual({
      kind: 'fail',
      reason: 'recovery impossible: the intent has no nonce',
    });
  });

  it('resends with the same nonce when it is unused and nothing is pending', () => {
    expect(decideCoinRecovery(facts())).toEqual({ kind: 'ask', fact: 'nonces' });
    expect(decideCoinRecovery(facts({ nonces: { latest: 7, pending: 7 } }))).toEqual({ kind: 'resend', nonce: 7 });
    // A nonce ahead of the account (an earlier transaction was dropped) is still its only slot: the same nonce.
    expect(decideCoinRecovery(facts({ nonces: { latest: 5, pending: 5 } }))).toEqual({ kind: 'resend', nonce: 7 });
  });

  it('waits while a pending-but-unmined transaction holds the nonce: it may still be mined', () => {
    expect(decideCoinRecovery(facts({ nonces: { latest: 7, pending: 8 } }))).toEqual({
      kind: 'wait',
      reason: 'a transaction with nonce 7 is pending; waiting for it to be mined',
    });
  });

  it('searches for the event once the nonce is mined, and confirms from the transaction that emitted it', () => {
    const used = { nonces: { latest: 8, pending: 8 } };
    expect(decideCoinRecovery(facts(used))).toEqual({ kind: 'ask', fact: 'creation' });
    const receipt = mined('success', eventTx);
    expect(decideCoinRecovery(facts({ ...used, creation: { found: true, receipt } }))).toEqual({
      kind: 'confirm',
      receipt,
    });
    // Also when the recorded transaction was never mined (replaced by an earlier send with the same nonce).
    expect(
      decideCoinRecovery(
        facts({ ...used, recordedReceipt: null, creation: { found: true, receipt } }, { txHash: recordedTx }),
      ),
    ).toEqual({ kind: 'confirm', receipt });
  });

  it('never sends when the predicted coin exists but its event is not in the window', () => {
    const base = { nonces: { latest: 8, pending: 8 }, creation: notFound };
    expect(decideCoinRecovery(facts(base))).toEqual({ kind: 'ask', fact: 'predictedCoinHasCode' });
    expect(decideCoinRecovery(facts({ ...base, predictedCoinHasCode: true }))).toEqual({
      kind: 'wait',
      reason: `coin ${predicted} exists but its CoinCreatedV4 event was not found in the last 1000 blocks; not sending again`,
    });
  });

  it('sends fresh when the nonce was used by something else inside the searched window', () => {
    const base = { nonces: { latest: 9, pending: 9 }, creation: notFound, predictedCoinHasCode: false };
    expect(decideCoinRecovery(facts(base))).toEqual({ kind: 'ask', fact: 'nonceBeforeSearch' });
    const fresh = {
      kind: 'send_fresh',
      reason: "nonce 7 was used without creating this job's coin (no CoinCreatedV4 in blocks 5000..6000)",
    };
    // Before block 5000 the account had sent 7 transactions (nonces 0..6): nonce 7 was spent inside the window.
    expect(decideCoinRecovery(facts({ ...base, nonceBeforeSearch: 7 }))).toEqual(fresh);
    expect(decideCoinRecovery(facts({ ...base, nonceBeforeSearch: 3 }))).toEqual(fresh);
    // A window that starts at genesis covers every block: no history needed.
    const whole = { ...base, creation: { found: false, from: 0n, to: 6000n } as const };
    expect(decideCoinRecovery(facts(whole))).toMatchObject({ kind: 'send_fresh' });
    // Without a predicted address there is no code to look at; the window alone decides.
    expect(
      decideCoinRecovery(facts({ nonces: base.nonces, creation: notFound }, { predictedCoinAddress: null })),
    ).toEqual({
      kind: 'ask',
      fact: 'nonceBeforeSearch',
    });
  });

  it('fails, never sending, when the nonce was spent before the lookback window: the event may lie outside it', () => {
    const base = { nonces: { latest: 9, pending: 9 }, creation: notFound, predictedCoinHasCode: false };
    expect(decideCoinRecovery(facts({ ...base, nonceBeforeSearch: 8 }))).toEqual({
      kind: 'fail',
      reason:
        "nonce 7 was spent before block 5000, outside the 1000-block lookback window, so whether it created this coin cannot be told; not sending again (find the sender's transaction with that nonce and record its coin by hand)",
    });
  });

  it('waits, never sending, when the node cannot say whether the nonce was spent before the window', () => {
    const base = { nonces: { latest: 9, pending: 9 }, creation: notFound, predictedCoinHasCode: false };
    expect(decideCoinRecovery(facts({ ...base, nonceBeforeSearch: 'unavailable' }))).toEqual({
      kind: 'wait',
      reason:
        'nonce 7 is used, no CoinCreatedV4 in blocks 5000..6000, and the node cannot tell whether the nonce was spent before block 5000; not sending again',
    });
  });

  it('retries later when the chain could not be asked', () => {
    expect(decideCoinRecovery(facts({ rpcError: 'HTTP request failed.' }))).toEqual({
      kind: 'retry_later',
      error: 'recovery RPC failed: HTTP request failed.',
    });
  });
});
